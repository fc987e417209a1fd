package chaincode

import (
	"go/constant"
	"go/token"

	"golang.org/x/tools/go/ssa"
)

// keyAccess is a state read or write with its key (collection and key for
// private data) at a place in a function.
type keyAccess struct {
	key    []ssa.Value
	instr  ssa.Instruction
	index  int
	method string
}

// stateKey returns the key arguments of a stub read or write method.
func stateKey(method string, sargs []ssa.Value) []ssa.Value {
	n := 0
	switch method {
	case "PutState", "DelState", "GetState", "SetStateValidationParameter", "GetStateValidationParameter":
		n = 1
	case "PutPrivateData", "DelPrivateData", "PurgePrivateData", "GetPrivateData",
		"SetPrivateDataValidationParameter", "GetPrivateDataValidationParameter":
		n = 2
	}
	if len(sargs) < n {
		return nil
	}
	return sargs[:n]
}

// readYourWrite reports reads of a key that a dominating write in the same
// function (directly or through a helper) has just written: Fabric's
// simulator returns the committed value, not the pending write.
func (fp *flowPass) readYourWrite(fn *ssa.Function) {
	var writes, reads []keyAccess
	for _, b := range fn.Blocks {
		for i, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok {
				continue
			}
			c := &call.Call
			if name, ok := stubCall(c); ok {
				key := stateKey(name, stubArgs(c))
				switch {
				case key == nil:
				case stateWrites[name] && name != "SetStateValidationParameter" && name != "SetPrivateDataValidationParameter":
					writes = append(writes, keyAccess{key, instr, i, name})
				case name == "GetState" || name == "GetPrivateData":
					reads = append(reads, keyAccess{key, instr, i, name})
				}
				continue
			}
			s, callee := fp.summaryOf(c)
			if s == nil {
				continue
			}
			for j, a := range c.Args {
				bit := uint64(paramBit(j))
				if s.WriteKeys&bit != 0 {
					writes = append(writes, keyAccess{[]ssa.Value{a}, instr, i, callee.Name()})
				}
				if s.ReadKeys&bit != 0 {
					reads = append(reads, keyAccess{[]ssa.Value{a}, instr, i, callee.Name()})
				}
			}
		}
	}
	for _, r := range reads {
		for _, w := range writes {
			if !dominates(w, r) || !sameKeys(w.key, r.key) {
				continue
			}
			line := fp.pass.Fset.Position(w.instr.Pos()).Line
			fp.reportf(ruleReadYourWrite, r.instr.Pos(), "%s reads a key written by %s on line %d of this transaction: Fabric returns the value committed before the transaction, not the pending write; keep the written value in a variable", r.method, w.method, line)
			break
		}
	}
}

func dominates(w, r keyAccess) bool {
	wb, rb := w.instr.Block(), r.instr.Block()
	if wb == rb {
		return w.index < r.index
	}
	return wb.Dominates(rb)
}

func sameKeys(a, b []ssa.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameValue(a[i], b[i], 8) {
			return false
		}
	}
	return true
}

// sameValue reports whether a and b certainly hold the same value: the
// same SSA value, equal constants, or the same pure-looking computation
// (same callee, same arguments) such as two CreateCompositeKey calls.
func sameValue(a, b ssa.Value, depth int) bool {
	a, b = unwrap(a), unwrap(b)
	if a == b {
		return true
	}
	if depth == 0 {
		return false
	}
	switch x := a.(type) {
	case *ssa.Const:
		y, ok := b.(*ssa.Const)
		return ok && x.Value != nil && y.Value != nil && constant.Compare(x.Value, token.EQL, y.Value)
	case *ssa.Extract:
		y, ok := b.(*ssa.Extract)
		return ok && x.Index == y.Index && sameValue(x.Tuple, y.Tuple, depth-1)
	case *ssa.BinOp:
		y, ok := b.(*ssa.BinOp)
		return ok && x.Op == y.Op && sameValue(x.X, y.X, depth-1) && sameValue(x.Y, y.Y, depth-1)
	case *ssa.UnOp:
		y, ok := b.(*ssa.UnOp)
		return ok && x.Op == y.Op && sameValue(x.X, y.X, depth-1)
	case *ssa.IndexAddr:
		y, ok := b.(*ssa.IndexAddr)
		return ok && sameValue(x.X, y.X, depth-1) && sameValue(x.Index, y.Index, depth-1)
	case *ssa.Index:
		y, ok := b.(*ssa.Index)
		return ok && sameValue(x.X, y.X, depth-1) && sameValue(x.Index, y.Index, depth-1)
	case *ssa.FieldAddr:
		y, ok := b.(*ssa.FieldAddr)
		return ok && x.Field == y.Field && sameValue(x.X, y.X, depth-1)
	case *ssa.Field:
		y, ok := b.(*ssa.Field)
		return ok && x.Field == y.Field && sameValue(x.X, y.X, depth-1)
	case *ssa.Slice:
		y, ok := b.(*ssa.Slice)
		return ok && sameLiteral(x, y, depth-1)
	case *ssa.Call:
		y, ok := b.(*ssa.Call)
		if !ok || len(x.Call.Args) != len(y.Call.Args) {
			return false
		}
		xc, yc := &x.Call, &y.Call
		switch {
		case xc.IsInvoke() && yc.IsInvoke():
			if xc.Method != yc.Method {
				return false
			}
		case !xc.IsInvoke() && !yc.IsInvoke():
			if xc.StaticCallee() == nil || xc.StaticCallee() != yc.StaticCallee() {
				return false
			}
		default:
			return false
		}
		for i := range xc.Args {
			if !sameValue(xc.Args[i], yc.Args[i], depth-1) {
				return false
			}
		}
		return true
	}
	return false
}

// sameLiteral reports whether two slices are views of array literals
// with the same elements, such as []string{id} written twice.
func sameLiteral(x, y *ssa.Slice, depth int) bool {
	if x.Low != nil || x.High != nil || y.Low != nil || y.High != nil {
		return false
	}
	xe, ok1 := literalElems(x.X)
	ye, ok2 := literalElems(y.X)
	if !ok1 || !ok2 || len(xe) != len(ye) {
		return false
	}
	for i, v := range xe {
		w, ok := ye[i]
		if !ok || !sameValue(v, w, depth) {
			return false
		}
	}
	return true
}

// literalElems returns the values stored at constant indices of an array
// allocation, or false if the array is used in any other way.
func literalElems(v ssa.Value) (map[int64]ssa.Value, bool) {
	arr, ok := v.(*ssa.Alloc)
	if !ok {
		return nil, false
	}
	elems := map[int64]ssa.Value{}
	for _, ref := range *arr.Referrers() {
		switch r := ref.(type) {
		case *ssa.Slice:
		case *ssa.IndexAddr:
			k, ok := r.Index.(*ssa.Const)
			if !ok || k.Value == nil {
				return nil, false
			}
			i, exact := constant.Int64Val(constant.ToInt(k.Value))
			if !exact {
				return nil, false
			}
			for _, ref2 := range *r.Referrers() {
				st, ok := ref2.(*ssa.Store)
				if !ok {
					return nil, false
				}
				elems[i] = st.Val
			}
		default:
			return nil, false
		}
	}
	return elems, true
}
