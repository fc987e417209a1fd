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
			"data or storage flows into a storage write or an ether amount, and no branch on the " +
			"path compares the result with its operands (the SafeMath pattern). Wrapped balances " +
			"and counters are a classic token exploit. Use solc 0.8+ or SafeMath.",
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
				p.Report(ev, verb+" and reaches storage or a transfer unchecked", nil)
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

// slotArithmetic reports arithmetic that computes storage or memory
// addresses rather than numbers (an operand is a hash or both are
// constants), or that only steps a stored counter by a constant.
func slotArithmetic(ev *Event) bool {
	a, b := ev.Args[0], ev.Args[1]
	if a.Op == KECCAK256 || b.Op == KECCAK256 || (a.IsConst() && b.IsConst()) {
		return true
	}
	if ev.Op != SUB && (a.IsConst() && !b.Taint.Has(TaintUser) || b.IsConst() && !a.Taint.Has(TaintUser)) {
		return true // counter increments and scaling of stored values cannot be driven to overflow
	}
	return !a.Taint.Has(TaintUser|TaintStorage) && !b.Taint.Has(TaintUser|TaintStorage)
}

// reachesSink reports whether v flows into a value written to storage or
// an ether amount later on the path.
func reachesSink(rest []*Event, v *Value) bool {
	in := func(x *Value) bool { return Contains(x, 8, isValue(v)) }
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
