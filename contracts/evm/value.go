package evm

import "github.com/holiman/uint256"

// Taint is a set of sources a symbolic value depends on.
type Taint uint32

// Taint sources tracked by the value analysis.
const (
	TaintCaller Taint = 1 << iota
	TaintOrigin
	TaintCalldata
	TaintCallValue
	TaintStorage
	TaintTimestamp
	TaintNumber
	TaintBlockHash
	TaintCoinbase
	TaintPrevRandao
	TaintGasLimit
	TaintBalance
	TaintCallResult
	TaintReturnData
	TaintGas
	TaintKeccak
	TaintMemory // memory the model could not resolve
)

// TaintBlock is every block-environment source a miner or validator can
// influence or predict.
const TaintBlock = TaintTimestamp | TaintNumber | TaintBlockHash | TaintCoinbase | TaintPrevRandao | TaintGasLimit

// TaintUser is every source a transaction sender controls directly.
const TaintUser = TaintCalldata | TaintCallValue

// Has reports whether t includes any source in u.
func (t Taint) Has(u Taint) bool { return t&u != 0 }

// Value is a symbolic stack or memory value. A value is either a constant
// (Const set), an environment input (Op names it, no Args) or the result of
// an operation over Args. Values are immutable once built.
type Value struct {
	Op    Op
	PC    int // pc of the instruction that produced it
	Args  []*Value
	Const *uint256.Int
	Taint Taint
}

// IsConst reports whether v is a known constant.
func (v *Value) IsConst() bool { return v != nil && v.Const != nil }

// Uint64 returns v's constant value when it fits in 64 bits.
func (v *Value) Uint64() (uint64, bool) {
	if !v.IsConst() || !v.Const.IsUint64() {
		return 0, false
	}
	return v.Const.Uint64(), true
}

func constVal(pc int, x *uint256.Int) *Value { return &Value{Op: PUSH32, PC: pc, Const: x} }

func constU64(pc int, x uint64) *Value { return constVal(pc, uint256.NewInt(x)) }

func symbol(op Op, pc int, t Taint, args ...*Value) *Value {
	for _, a := range args {
		t |= a.Taint
	}
	return &Value{Op: op, PC: pc, Args: args, Taint: t}
}

// apply builds op(args...), folding constants and dropping identities so
// that jump targets, masks and storage slots stay recognisable.
func apply(op Op, pc int, args ...*Value) *Value {
	if len(args) == 2 {
		if v := fold2(op, pc, args[0], args[1]); v != nil {
			return v
		}
	}
	if len(args) == 1 && args[0].IsConst() {
		x := args[0].Const
		switch op {
		case ISZERO:
			if x.IsZero() {
				return constU64(pc, 1)
			}
			return constU64(pc, 0)
		case NOT:
			return constVal(pc, new(uint256.Int).Not(x))
		}
	}
	return symbol(op, pc, 0, args...)
}

func fold2(op Op, pc int, a, b *Value) *Value {
	if a.IsConst() && b.IsConst() {
		x, y, z := a.Const, b.Const, new(uint256.Int)
		switch op {
		case ADD:
			return constVal(pc, z.Add(x, y))
		case SUB:
			return constVal(pc, z.Sub(x, y))
		case MUL:
			return constVal(pc, z.Mul(x, y))
		case DIV:
			return constVal(pc, z.Div(x, y))
		case MOD:
			return constVal(pc, z.Mod(x, y))
		case EXP:
			return constVal(pc, z.Exp(x, y))
		case AND:
			return constVal(pc, z.And(x, y))
		case OR:
			return constVal(pc, z.Or(x, y))
		case XOR:
			return constVal(pc, z.Xor(x, y))
		case EQ:
			return boolVal(pc, x.Eq(y))
		case LT:
			return boolVal(pc, x.Lt(y))
		case GT:
			return boolVal(pc, x.Gt(y))
		case SHL:
			if x.LtUint64(256) {
				return constVal(pc, z.Lsh(y, uint(x.Uint64())))
			}
			return constU64(pc, 0)
		case SHR:
			if x.LtUint64(256) {
				return constVal(pc, z.Rsh(y, uint(x.Uint64())))
			}
			return constU64(pc, 0)
		case BYTE:
			return constVal(pc, z.Set(y).Byte(x))
		}
		return nil
	}
	switch {
	case (op == ADD || op == OR || op == XOR || op == SUB) && isConstU(b, 0):
		return a
	case (op == ADD || op == OR || op == XOR) && isConstU(a, 0):
		return b
	case (op == MUL || op == DIV) && isConstU(b, 1):
		return a
	case op == MUL && isConstU(a, 1):
		return b
	case (op == SHL || op == SHR) && isConstU(a, 0):
		return b
	}
	return nil
}

func boolVal(pc int, t bool) *Value {
	if t {
		return constU64(pc, 1)
	}
	return constU64(pc, 0)
}

func isConstU(v *Value, x uint64) bool {
	return v.IsConst() && v.Const.IsUint64() && v.Const.Uint64() == x
}

// isMask reports whether v is a constant of the form 2^k-1 (k > 0).
func isMask(v *Value) bool {
	if !v.IsConst() || v.Const.IsZero() {
		return false
	}
	var t uint256.Int
	t.AddUint64(v.Const, 1)
	var u uint256.Int
	u.And(&t, v.Const)
	return u.IsZero()
}

// Strip removes value-preserving wrappers solc emits around addresses,
// booleans and packed storage fields: AND with a low mask, DIV by a
// constant and SIGNEXTEND-free casts. It is for pattern matching only.
func Strip(v *Value) *Value {
	for range 8 {
		switch {
		case v.Op == AND && len(v.Args) == 2 && isMask(v.Args[0]):
			v = v.Args[1]
		case v.Op == AND && len(v.Args) == 2 && isMask(v.Args[1]):
			v = v.Args[0]
		case v.Op == DIV && len(v.Args) == 2 && v.Args[1].IsConst():
			v = v.Args[0]
		case v.Op == SHR && len(v.Args) == 2 && v.Args[0].IsConst():
			v = v.Args[1]
		default:
			return v
		}
	}
	return v
}

// Same reports whether a and b are structurally the same expression: equal
// constants, or the same operation over the same arguments. Two reads of
// one storage slot compare equal.
func Same(a, b *Value) bool { return same(a, b, 12) }

func same(a, b *Value, depth int) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || depth == 0 {
		return false
	}
	if a.IsConst() || b.IsConst() {
		return a.IsConst() && b.IsConst() && a.Const.Eq(b.Const)
	}
	if a.Op != b.Op || len(a.Args) != len(b.Args) {
		return false
	}
	if len(a.Args) == 0 {
		// Environment inputs are equal unless they are per-call results.
		return !a.Op.IsCall() && a.Op != MLOAD && a.Op != GAS
	}
	for i := range a.Args {
		if !same(a.Args[i], b.Args[i], depth-1) {
			return false
		}
	}
	return true
}

// Contains reports whether pred holds for v or any value it is built from,
// looking at most depth levels deep.
func Contains(v *Value, depth int, pred func(*Value) bool) bool {
	if v == nil {
		return false
	}
	if pred(v) {
		return true
	}
	if depth == 0 {
		return false
	}
	for _, a := range v.Args {
		if Contains(a, depth-1, pred) {
			return true
		}
	}
	return false
}
