package chaincode

import (
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// funcFlow propagates taint labels through one function to a fixed point.
// Values carry labels in val; memory reached through an address carries
// labels in mem, keyed by the address's root object. It is flow
// insensitive, which over-approximates within a function.
type funcFlow struct {
	fp     *flowPass
	fn     *ssa.Function
	report bool
	val    map[ssa.Value]label
	mem    map[ssa.Value]label
	sorted map[ssa.Value]bool
	params map[*ssa.Parameter]int
	loops  []map[*ssa.BasicBlock]bool // bodies of loops ranging over a map
	sum    Summary
}

func newFuncFlow(fp *flowPass, fn *ssa.Function, report bool) *funcFlow {
	f := &funcFlow{
		fp: fp, fn: fn, report: report,
		val: map[ssa.Value]label{}, mem: map[ssa.Value]label{},
		sorted: map[ssa.Value]bool{}, params: map[*ssa.Parameter]int{},
	}
	for i, p := range fn.Params {
		f.params[p] = i
	}
	f.markSorted()
	f.loops = mapLoops(fn)
	return f
}

// run iterates the function's instructions until no label changes, then
// returns its summary. With report set, it also records diagnostics.
func (f *funcFlow) run() Summary {
	for iter := 0; iter < 20; iter++ {
		changed := false
		for _, b := range f.fn.Blocks {
			for _, instr := range b.Instrs {
				if f.step(instr) {
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
	if f.report {
		f.detect()
	}
	return f.sum
}

// root follows an address or view back to the object it points into.
func root(v ssa.Value) ssa.Value {
	for range 64 {
		switch x := v.(type) {
		case *ssa.FieldAddr:
			v = x.X
		case *ssa.IndexAddr:
			v = x.X
		case *ssa.Field:
			v = x.X
		case *ssa.Index:
			v = x.X
		case *ssa.Slice:
			v = x.X
		case *ssa.ChangeType:
			v = x.X
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.SliceToArrayPointer:
			v = x.X
		default:
			return v
		}
	}
	return v
}

func (f *funcFlow) taint(v ssa.Value) label {
	if v == nil {
		return 0
	}
	var l label
	if p, ok := v.(*ssa.Parameter); ok {
		l = paramBit(f.params[p])
	}
	l |= f.val[v]
	r := root(v)
	l |= f.mem[r]
	if f.sorted[v] || f.sorted[r] {
		l &^= lMapOrder
	}
	return l
}

func (f *funcFlow) set(v ssa.Value, l label) bool {
	if l == 0 || f.val[v]|l == f.val[v] {
		return false
	}
	f.val[v] |= l
	return true
}

func (f *funcFlow) addMem(v ssa.Value, l label) bool {
	if v == nil || l == 0 {
		return false
	}
	r := root(v)
	if f.mem[r]|l == f.mem[r] {
		return false
	}
	f.mem[r] |= l
	return true
}

// step applies one instruction's transfer function.
func (f *funcFlow) step(instr ssa.Instruction) bool {
	switch x := instr.(type) {
	case *ssa.Call:
		l, ch := f.call(&x.Call)
		return f.set(x, l) || ch
	case *ssa.Go:
		_, ch := f.call(&x.Call)
		return ch
	case *ssa.Defer:
		_, ch := f.call(&x.Call)
		return ch
	case *ssa.Store:
		l := f.taint(x.Val)
		if l&lMapElem != 0 && !isScalar(x.Val.Type()) && f.escapesLoop(x.Block(), root(x.Addr)) {
			l |= lMapOrder // the last (or chosen) element depends on the order
		}
		return f.addMem(x.Addr, l)
	case *ssa.Phi:
		var l label
		for _, e := range x.Edges {
			l |= f.taint(e)
		}
		if l&lMapElem != 0 && !isScalar(x.Type()) && f.isLoopHeader(x.Block()) {
			l |= lMapOrder
		}
		return f.set(x, l)
	case *ssa.MapUpdate:
		return f.addMem(x.Map, f.taint(x.Key)|f.taint(x.Value))
	case *ssa.Send:
		return f.addMem(x.Chan, f.taint(x.X))
	case *ssa.Return:
		for _, r := range x.Results {
			l := f.taint(r)
			if l&lMapElem != 0 && !isScalar(r.Type()) && f.inMapLoop(x.Block()) {
				l |= lMapOrder // returns the first match in map order
				f.set(r, lMapOrder)
			}
			f.sum.Returns |= uint64(l)
		}
		return false
	case *ssa.Next:
		var l label
		if rg, ok := x.Iter.(*ssa.Range); ok {
			l = f.taint(rg.X)
		}
		if !x.IsString {
			l |= lMapElem
		}
		return f.set(x, l)
	case *ssa.BinOp:
		l := f.taint(x.X) | f.taint(x.Y)
		if x.Op == token.ADD && l&(lMapElem|lMapOrder) != 0 && isString(x.Type()) && accumulates(x) {
			l |= lMapOrder
		}
		return f.set(x, l)
	case *ssa.Convert:
		l := f.taint(x.X)
		if isUnsafePointer(x.X.Type()) && isUintptr(x.Type()) {
			l |= lPointer
		}
		return f.set(x, l)
	case ssa.Value:
		var l label
		for _, op := range instr.Operands(nil) {
			if op != nil {
				l |= f.taint(*op)
			}
		}
		return f.set(x, l)
	}
	return false
}

// call is the transfer function of a call: it returns the labels of the
// result and whether memory labels changed.
func (f *funcFlow) call(c *ssa.CallCommon) (label, bool) {
	args := c.Args
	if c.IsInvoke() {
		args = append([]ssa.Value{c.Value}, c.Args...)
	}
	var argsT label
	for _, a := range args {
		argsT |= f.taint(a)
	}
	if b, ok := c.Value.(*ssa.Builtin); ok {
		switch b.Name() {
		case "append":
			if argsT&(lMapElem|lMapOrder) != 0 {
				argsT |= lMapOrder
			}
			return argsT, false
		case "copy":
			if len(args) == 2 {
				return 0, f.addMem(args[0], f.taint(args[1]))
			}
		case "len", "cap":
			return argsT &^ (lMapElem | lMapOrder), false
		}
		return argsT, false
	}
	if name, ok := stubCall(c); ok {
		return f.stubCall(c, name), false
	}
	pkg, name, recv := calleeFunc(c)
	if name == "init" && recv == nil {
		return 0, false // package initialisation of an import
	}
	switch {
	case pkg == "time" && recv == nil && (name == "Now" || name == "Since" || name == "Until"):
		f.source(ruleTime, c.Pos(), "time.%s reads the peer's clock: endorsers disagree and the transaction fails or diverges; use stub.GetTxTimestamp()", name)
		return argsT | lTime, false
	case isRandPath(pkg):
		f.source(ruleRand, c.Pos(), "%s.%s is non-deterministic: every endorser draws a different value; derive values from the transaction (tx id, inputs) instead", pkg, name)
		ch := false
		for _, a := range args {
			if isRefType(a.Type()) {
				ch = f.addMem(a, lRand) || ch
			}
		}
		return argsT | lRand, ch
	case pkg == "fmt" && fmtPrintsPointer(c):
		argsT |= lPointer
	case pkg == "reflect" && recv != nil && (name == "Pointer" || name == "UnsafeAddr" || name == "UnsafePointer"):
		argsT |= lPointer
	}
	// shim.Success carries the endorsed payload; an error response fails
	// the proposal, so its message never reaches the ledger.
	if isShimPath(pkg) && recv == nil && name == "Success" {
		for _, a := range args {
			f.sink(true, c.Pos(), f.taint(a), "the response built by shim.Success")
		}
	}
	if why, ok := externalAccess(pkg, name, recv); ok {
		f.source(ruleExternal, c.Pos(), "%s: chaincode must not depend on the network, files, processes or environment of the peer, which differ between endorsers", why)
	}
	if s, callee := f.fp.summaryOf(c); s != nil {
		return f.applySummary(c, s, callee, args), false
	}
	ch := false
	if argsT != 0 {
		for i, a := range args {
			if !isRefType(a.Type()) {
				continue
			}
			l := argsT
			if i == 0 && argsT&lMapElem != 0 && c.Signature().Recv() != nil {
				l |= lMapOrder // buf.WriteString(k), h.Write(k): an order-sensitive sink
			}
			ch = f.addMem(a, l) || ch
		}
	}
	return argsT, ch
}

// applySummary maps a callee's summary onto the call's arguments.
func (f *funcFlow) applySummary(c *ssa.CallCommon, s *Summary, callee *ssa.Function, args []ssa.Value) label {
	l := label(s.Returns) & realMask
	name := callee.Name()
	for i, a := range args {
		bit := uint64(paramBit(i))
		if bit == 0 {
			break
		}
		t := f.taint(a)
		if s.Returns&bit != 0 {
			l |= t
		}
		if s.StateSinks&bit != 0 {
			f.sink(false, c.Pos(), t, "a state write in "+name)
		}
		if s.RespSinks&bit != 0 {
			f.sink(true, c.Pos(), t, "the response built by "+name)
		}
	}
	// Report a helper of another package only for what it introduces
	// itself, not for labels its arguments brought in.
	if own := label(s.Returns) & realMask; callee.Pkg != f.fn.Pkg {
		if own&lTime != 0 {
			f.source(ruleTime, c.Pos(), "%s returns a value derived from the peer's clock (time.Now): endorsers disagree; use stub.GetTxTimestamp()", name)
		}
		if own&lRand != 0 {
			f.source(ruleRand, c.Pos(), "%s returns a random value: every endorser computes a different one", name)
		}
	}
	return l
}

// stubCall handles a call of a stub method.
func (f *funcFlow) stubCall(c *ssa.CallCommon, name string) label {
	var t label
	sargs := stubArgs(c)
	for _, a := range sargs {
		t |= f.taint(a)
	}
	switch {
	case stateWrites[name]:
		for _, a := range sargs {
			f.sink(false, c.Pos(), f.taint(a), name)
		}
		f.keyParams(name, sargs, &f.sum.WriteKeys)
	case name == "SetEvent":
		for _, a := range sargs {
			f.sink(true, c.Pos(), f.taint(a), name)
		}
	case validatedRanges[name]:
		t |= lRange
	case unvalidatedQueries[name]:
		t |= lRich
	case name == "GetState" || name == "GetPrivateData" || name == "GetStateValidationParameter":
		f.keyParams(name, sargs, &f.sum.ReadKeys)
	}
	return t
}

// keyParams records which parameters are used as a state key.
func (f *funcFlow) keyParams(method string, sargs []ssa.Value, set *uint64) {
	for _, k := range stateKey(method, sargs) {
		if p, ok := unwrap(k).(*ssa.Parameter); ok {
			*set |= uint64(paramBit(f.params[p]))
		}
	}
}

// sink records that labels t reach a state write (resp false) or a
// response (resp true); what names the sink for the message.
func (f *funcFlow) sink(resp bool, pos token.Pos, t label, what string) {
	if p := uint64(t & paramMask); p != 0 {
		if resp {
			f.sum.RespSinks |= p
		} else {
			f.sum.StateSinks |= p
		}
	}
	if !f.report {
		return
	}
	where := "state written by " + what
	if resp {
		where = what
	}
	if t&lMapOrder != 0 {
		f.fp.reportf(ruleMapOrder, pos, "value built in map iteration order reaches %s: Go randomises map order, so endorsers produce different bytes; sort the keys first", where)
	}
	if t&lPointer != 0 {
		f.fp.reportf(rulePointer, pos, "a memory address (pointer, uintptr or %%p) reaches %s: addresses differ between peers and runs", where)
	}
	if resp {
		return
	}
	switch {
	case t&lRich != 0:
		f.fp.reportf(rulePhantom, pos, "result of a rich query, history or private-data range query reaches %s: such queries are not re-executed at commit, so a phantom read goes undetected", where)
	case t&lRange != 0:
		f.fp.reportf(rulePhantom, pos, "result of a range query reaches %s: a concurrent change of the range invalidates this transaction (PHANTOM_READ_CONFLICT)", where)
	}
}

func (f *funcFlow) source(rule string, pos token.Pos, format string, args ...any) {
	if f.report {
		f.fp.reportf(rule, pos, format, args...)
	}
}

// markSorted finds values sorted in place: their order no longer depends
// on map iteration. A sort with a comparator only counts for slices of
// basic values, where elements that tie are identical; a slice of structs
// sorted by some fields keeps the map order among ties.
func (f *funcFlow) markSorted() {
	for _, b := range f.fn.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok || len(call.Call.Args) == 0 {
				continue
			}
			pkg, name, _ := calleeFunc(&call.Call)
			a := call.Call.Args[0]
			switch {
			case pkg == "sort" && (name == "Strings" || name == "Ints" || name == "Float64s"),
				pkg == "slices" && name == "Sort":
			case pkg == "sort" && (name == "Slice" || name == "SliceStable" || name == "Sort" || name == "Stable"),
				pkg == "slices" && (name == "SortFunc" || name == "SortStableFunc"):
				if !isBasicSlice(unwrap(a).Type()) {
					continue
				}
			default:
				continue
			}
			f.sorted[a] = true
			r := root(a)
			f.sorted[r] = true
			if load, ok := r.(*ssa.UnOp); ok && load.Op == token.MUL {
				f.sorted[root(load.X)] = true // a variable captured by the comparator
			}
		}
	}
}

// isBasicSlice reports whether t is a slice of strings, numbers or bools.
func isBasicSlice(t types.Type) bool {
	sl, ok := t.Underlying().(*types.Slice)
	if !ok {
		return false
	}
	_, basic := sl.Elem().Underlying().(*types.Basic)
	return basic
}

// accumulates reports whether b adds to a loop-carried value: one operand
// is a φ-node fed by b itself.
func accumulates(b *ssa.BinOp) bool {
	for _, op := range []ssa.Value{b.X, b.Y} {
		if phi, ok := op.(*ssa.Phi); ok {
			for _, e := range phi.Edges {
				if e == b {
					return true
				}
			}
		}
	}
	return false
}

// fmtPrintsPointer reports whether a fmt call formats an address: a %p
// verb, or an unsafe.Pointer, uintptr or pointer to a scalar argument.
func fmtPrintsPointer(c *ssa.CallCommon) bool {
	for _, a := range c.Args {
		if k, ok := a.(*ssa.Const); ok && k.Value != nil && k.Value.Kind() == constant.String &&
			strings.Contains(constant.StringVal(k.Value), "%p") {
			return true
		}
	}
	for _, a := range c.Args {
		if _, ok := a.Type().Underlying().(*types.Slice); !ok {
			continue
		}
		arr, ok := root(a).(*ssa.Alloc)
		if !ok {
			continue
		}
		for _, ref := range *arr.Referrers() {
			ia, ok := ref.(*ssa.IndexAddr)
			if !ok {
				continue
			}
			for _, r2 := range *ia.Referrers() {
				if st, ok := r2.(*ssa.Store); ok {
					if mi, ok := st.Val.(*ssa.MakeInterface); ok && isAddressLike(mi.X.Type()) {
						return true
					}
				}
			}
		}
	}
	return false
}

// isAddressLike reports whether formatting t with %v prints an address.
func isAddressLike(t types.Type) bool {
	if isUnsafePointer(t) || isUintptr(t) {
		return true
	}
	p, ok := t.Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	switch p.Elem().Underlying().(type) {
	case *types.Struct, *types.Array, *types.Slice, *types.Map:
		return false
	}
	return true
}

func isRandPath(p string) bool {
	return p == "math/rand" || p == "math/rand/v2" || p == "crypto/rand"
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func isUnsafePointer(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.UnsafePointer
}

func isUintptr(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uintptr
}

// isRefType reports whether a value of type t gives access to memory that
// a callee can write.
func isRefType(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Interface:
		return true
	}
	return false
}

// mapLoops returns the blocks of each loop that ranges over a map: those
// dominated by the loop header (the block of the Next instruction) from
// which the header is reachable again.
func mapLoops(fn *ssa.Function) []map[*ssa.BasicBlock]bool {
	var loops []map[*ssa.BasicBlock]bool
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			next, ok := instr.(*ssa.Next)
			if !ok || next.IsString {
				continue
			}
			body := map[*ssa.BasicBlock]bool{b: true}
			stack := append([]*ssa.BasicBlock(nil), b.Preds...)
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if body[p] || !b.Dominates(p) {
					continue
				}
				body[p] = true
				stack = append(stack, p.Preds...)
			}
			loops = append(loops, body)
		}
	}
	return loops
}

// isLoopHeader reports whether b heads a loop over a map.
func (f *funcFlow) isLoopHeader(b *ssa.BasicBlock) bool {
	for _, instr := range b.Instrs {
		if next, ok := instr.(*ssa.Next); ok && !next.IsString {
			return true
		}
	}
	return false
}

// inMapLoop reports whether block b runs inside the body of a loop over
// a map, possibly on a path that leaves the loop (a return from the body).
func (f *funcFlow) inMapLoop(b *ssa.BasicBlock) bool {
	for _, bb := range f.fn.Blocks {
		if !f.isLoopHeader(bb) || len(bb.Succs) != 2 {
			continue
		}
		if body := bb.Succs[0]; body != bb && body.Dominates(b) {
			return true
		}
	}
	return false
}

// escapesLoop reports whether a store in block b, inside a loop over a
// map, writes to an object r that lives outside that loop.
func (f *funcFlow) escapesLoop(b *ssa.BasicBlock, r ssa.Value) bool {
	for _, body := range f.loops {
		if !body[b] {
			continue
		}
		instr, ok := r.(ssa.Instruction)
		if !ok || !body[instr.Block()] {
			return true
		}
	}
	return false
}

// isScalar reports whether t is a number or a bool: values whose
// order-independent uses (sums, maxima, flags) dominate.
func isScalar(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsNumeric|types.IsBoolean) != 0
}
