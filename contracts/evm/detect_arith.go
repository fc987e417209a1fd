package evm

import (
	"github.com/holiman/uint256"
	"github.com/lianjian/lianjian/ledger"
)

// IntegerOverflow reports unchecked arithmetic in code compiled without
// overflow checks.
var IntegerOverflow = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-INTEGER-OVERFLOW",
		Title:    "Unchecked integer overflow or underflow",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-101"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-101"},
		Doc: "In code compiled without checked arithmetic (solc before 0.8, recognised from the " +
			"metadata version or the absence of Panic(0x11) reverts), an ADD, SUB or MUL over call " +
			"data or storage computes a number that is written to storage or sent as an ether " +
			"amount, and no branch on the path compares the result with its operands (the SafeMath " +
			"pattern). Arithmetic the compiler generates (storage slots and packing, array indices, " +
			"ABI decoding and memory offsets, byte-array lengths) is not reported, nor is msg.value " +
			"added to a stored sum, which the ether supply bounds. Wrapped balances and counters are " +
			"a classic token exploit. Use solc 0.8+ or SafeMath.",
	},
	Run: func(p *Pass) error {
		if checkedArithmetic(p.Program, p.known.panic) {
			return nil
		}
		for _, last := range p.Paths {
			trace := Trace(last)
			for i, ev := range trace {
				if (ev.Op != ADD && ev.Op != SUB && ev.Op != MUL) || slotArithmetic(ev) {
					continue
				}
				if !reachesSink(trace[i+1:], ev.Result) || overflowChecked(last.Guards, ev) {
					continue
				}
				verb := map[Op]string{ADD: "addition may overflow", SUB: "subtraction may underflow", MUL: "multiplication may overflow"}[ev.Op]
				p.Report(ev, verb+" and reaches storage or a transfer unchecked",
					map[string]string{"operation": map[Op]string{ADD: "addition", SUB: "subtraction", MUL: "multiplication"}[ev.Op]})
			}
		}
		return nil
	},
}

// checkedArithmetic reports whether the program was compiled with
// overflow checks: solc 0.8 or later by its metadata, or code that builds
// Panic(uint256) errors, whose selector panicSel (0x4e487b71 under
// Keccak-256) solc 0.8+ uses for failed overflow checks (code 0x11).
func checkedArithmetic(p *Program, panicSel uint32) bool {
	if major, minor, _, ok := p.Metadata.Version(); ok {
		return major > 0 || minor >= 8
	}
	panicSelector := uint256.NewInt(uint64(panicSel))
	for _, in := range p.Instrs {
		if in.Op.IsPush() && len(in.Arg) >= 4 {
			var v uint256.Int
			v.SetBytes(in.Arg)
			if v.Eq(panicSelector) {
				return true
			}
			v.Rsh(&v, uint(8*(len(in.Arg)-4)))
			if v.Eq(panicSelector) {
				return true
			}
		}
	}
	return false
}

// slotArithmetic reports arithmetic that cannot wrap or is not user
// arithmetic: it computes storage or memory addresses rather than
// numbers (an operand is a hash or both are constants), only steps a
// stored counter by a constant, is solc's packing or length encoding, or
// adds msg.value (or a fraction of it) to a stored sum of ether.
func slotArithmetic(ev *Event) bool {
	a, b := ev.Args[0], ev.Args[1]
	if a.Op == KECCAK256 || b.Op == KECCAK256 || (a.IsConst() && b.IsConst()) {
		return true
	}
	if ev.Op != SUB && (a.IsConst() && !b.Taint.Has(TaintUser) || b.IsConst() && !a.Taint.Has(TaintUser)) {
		return true // counter increments and scaling of stored values cannot be driven to overflow
	}
	if ev.Op == MUL && (packShift(a, b) || packShift(b, a)) || flag(a) || flag(b) {
		return true
	}
	if ev.Op == ADD && (lengthCode(ev.Result) || lengthCode(a) || lengthCode(b)) {
		return true
	}
	stored := func(v *Value) bool { return Strip(v).Op == SLOAD || !v.Taint.Has(TaintUser) }
	if ev.Op == ADD && (isEnv(a, CALLVALUE) && stored(b) || isEnv(b, CALLVALUE) && stored(a)) {
		return true // a sum of ether sent (balance += msg.value) is bounded by the ether supply, about 2^87 wei
	}
	return !a.Taint.Has(TaintUser|TaintStorage) && !b.Taint.Has(TaintUser|TaintStorage)
}

// packShift reports whether x*shift moves a value masked to w bits up by
// k bits with w+k <= 256: solc's placement of a field narrower than a
// slot (x * 0x100**offset), which cannot overflow.
func packShift(x, shift *Value) bool {
	if !shift.IsConst() || shift.Const.IsZero() {
		return false
	}
	k := shift.Const.BitLen() - 1
	var pow uint256.Int
	if pow.Lsh(uint256.NewInt(1), uint(k)); !pow.Eq(shift.Const) {
		return false
	}
	if x.Op != AND || len(x.Args) != 2 {
		return false
	}
	for _, m := range x.Args {
		if isMask(m) && m.Const.BitLen()+k <= 256 {
			return true
		}
	}
	return false
}

// flag reports whether v is a condition (0 or 1), possibly scaled by a
// constant: solc's 256*iszero(data & 1) - 1 decoding the length of a
// stored byte array computes a mask, not a number that can wrap.
func flag(v *Value) bool {
	if v.Op == MUL && len(v.Args) == 2 && (v.Args[0].IsConst() || v.Args[1].IsConst()) {
		return flag(v.Args[0]) || flag(v.Args[1])
	}
	switch v.Op {
	case ISZERO, LT, GT, SLT, SGT, EQ:
		return true
	}
	return false
}

// lengthCode reports whether v is len+len: a byte array's length doubled
// as solc encodes it in the length slot of a bytes or string value copied
// to storage (2*len+1 for long values). Source code writes 2*x, not x+x.
func lengthCode(v *Value) bool {
	return v.Op == ADD && len(v.Args) == 2 && Same(v.Args[0], v.Args[1])
}

// reachesSink reports whether v flows into a value written to storage or
// an ether amount later on the path. Only the number itself counts: a
// value that merely addresses what is stored (a storage slot, a memory or
// call-data offset, the extent of hashed memory) is compiler-generated
// index arithmetic, not an amount that can wrap.
func reachesSink(rest []*Event, v *Value) bool {
	in := func(x *Value) bool { return flowsFrom(x, v, 8) }
	for _, e := range rest {
		switch {
		case e.Op == SSTORE && in(e.Args[1]):
			return true
		case (e.Op == CALL || e.Op == CALLCODE) && in(e.Args[2]):
			return true
		}
	}
	return false
}

// overflowChecked reports whether a branch on the path checks ev: for ADD
// the sum is compared with an operand, for SUB the operands are compared,
// for MUL the product is divided by an operand.
func overflowChecked(g *Guard, ev *Event) bool {
	r, a, b := ev.Result, ev.Args[0], ev.Args[1]
	for ; g != nil; g = g.Next {
		switch ev.Op {
		case ADD:
			if compares(g, r, a) || compares(g, r, b) {
				return true
			}
		case SUB:
			if compares(g, a, b) || compares(g, r, a) {
				return true
			}
		case MUL:
			if Contains(g.Cond, 6, func(n *Value) bool {
				return n.Op == DIV && len(n.Args) == 2 && Same(n.Args[0], r)
			}) {
				return true
			}
		}
	}
	return false
}

// flowsFrom reports whether x computes its number from v through
// arithmetic and bit operations, looking at most depth levels deep. It
// does not descend into the operands of reads (SLOAD keys, MLOAD and
// CALLDATALOAD offsets), hashes or comparisons: they select data, they
// do not carry v's value.
func flowsFrom(x, v *Value, depth int) bool {
	if x == v {
		return true
	}
	if x == nil || depth == 0 || x.IsConst() {
		return false
	}
	switch x.Op {
	case ADD, SUB, MUL, DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP, SIGNEXTEND,
		AND, OR, XOR, NOT, BYTE, SHL, SHR, SAR:
	default:
		return false
	}
	for _, a := range x.Args {
		if flowsFrom(a, v, depth-1) {
			return true
		}
	}
	return false
}
