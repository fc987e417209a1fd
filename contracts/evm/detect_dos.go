package evm

import (
	"slices"
	"strconv"

	"github.com/lianjian/lianjian/ledger"
)

// UnboundedLoop reports loops over a storage array that any caller can
// grow.
var UnboundedLoop = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-UNBOUNDED-LOOP",
		Title:    "Denial of service by a loop over a growable array",
		Severity: ledger.Medium,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-128"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-128"},
		Doc: "A loop's exit condition reads the length of a storage array (or a stored count) " +
			"that a path without an access check increases, such as a public function pushing " +
			"msg.sender. Any caller can grow it until one iteration over it, including the loop " +
			"solc generates to clear an array (arr = new T[](0), delete arr), needs more gas than " +
			"a block holds, and the function can never run again. Bound the work per " +
			"transaction (paginate), restrict who can grow the array, or use a mapping.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if ev.Op != JUMPI || !p.InLoop(ev) || abortBranch(p, ev.PC) {
				continue // outside a loop, or a check inside one (array bounds), not its exit test
			}
			var grow *Event
			for _, n := range loopBounds(ev.Args[1]) {
				if grow = openGrowth(p, n.Args[0]); grow != nil {
					break
				}
			}
			if grow == nil {
				continue
			}
			slot := slotName(grow.Args[0])
			at, what := ev, "loop"
			if site := clearSite(p, ev, grow.Args[0]); site != nil {
				at, what = site, "clearing the array (a loop over its old length)"
			}
			p.Report(at, what+" bound by the length in "+slot+", which any caller can increase at pc "+strconv.Itoa(grow.PC),
				map[string]string{"slot": slot, "growPC": strconv.Itoa(grow.PC), "loopPC": strconv.Itoa(ev.PC), "loopKind": what})
		}
		return nil
	},
}

// loopBounds returns the fixed-slot reads that bound a loop test cond: a
// read on one side of the comparison only. A length on both sides, as in
// the pointers of a loop copying into an element of an array, cancels
// out of the number of iterations.
func loopBounds(cond *Value) []*Value {
	core, _ := Normalize(cond, true)
	switch core.Op {
	case LT, GT, SLT, SGT, EQ:
	default:
		return nil
	}
	if len(core.Args) != 2 {
		return nil
	}
	a, b := boundReads(core.Args[0], 6, nil), boundReads(core.Args[1], 6, nil)
	in := func(v *Value, side []*Value) bool {
		return slices.ContainsFunc(side, func(w *Value) bool { return Same(v.Args[0], w.Args[0]) })
	}
	var out []*Value
	for _, v := range a {
		if !in(v, b) {
			out = append(out, v)
		}
	}
	for _, v := range b {
		if !in(v, a) {
			out = append(out, v)
		}
	}
	return out
}

// boundReads returns the reads of fixed storage slots that the value of
// v is computed from through arithmetic and comparisons, looking at most
// depth levels deep. Slots only used to address data (inside a hash or
// another read's key) do not bound anything.
func boundReads(v *Value, depth int, out []*Value) []*Value {
	if v == nil || v.IsConst() {
		return out
	}
	switch v.Op {
	case SLOAD:
		if len(v.Args) == 1 && v.Args[0].IsConst() {
			out = append(out, v)
		}
		return out
	case ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, NOT, SHL, SHR, LT, GT, SLT, SGT, EQ, ISZERO:
	default:
		return out
	}
	if depth == 0 {
		return out
	}
	for _, a := range v.Args {
		out = boundReads(a, depth-1, out)
	}
	return out
}

// openGrowth returns a write, on a path without an access check, that
// increases the value in slot k (an array push or length += n), or nil.
func openGrowth(p *Pass, k *Value) *Event {
	for _, w := range p.Events {
		if w.Op != SSTORE || !Same(w.Args[0], k) || p.Authorized(w) {
			continue
		}
		v := Strip(w.Args[1])
		if v.Op != ADD || len(v.Args) != 2 {
			continue
		}
		for i, a := range v.Args {
			a = Strip(a)
			if a.Op == SLOAD && Same(a.Args[0], k) && !isConstU(v.Args[1-i], 0) {
				return w
			}
		}
	}
	return nil
}

// clearSite locates the statement behind a loop solc generates to clear
// the array at length slot k (arr = new T[](0), delete arr, arr.length =
// n): the loop follows a write of the new length on the path, in a helper
// whose source range is the whole contract. When the helper has one call
// site, that jump, mapped to the statement, is returned; else nil.
func clearSite(p *Pass, loop *Event, k *Value) *Event {
	var w *Event
	for e := loop.Prev; e != nil && w == nil; e = e.Prev {
		if e.Op == SSTORE && Same(e.Args[0], k) {
			w = e
		}
	}
	if w == nil {
		return nil
	}
	b := p.CFG.Containing(w.PC)
	if b == nil || len(b.Preds) != 1 {
		return nil
	}
	caller := p.CFG.Block(b.Preds[0])
	if caller == nil {
		return nil
	}
	if i := p.Program.At(caller.End); i < 0 || p.Program.Instrs[i].Op != JUMP {
		return nil
	}
	return &Event{PC: caller.End, Selector: loop.Selector, InFunction: loop.InFunction}
}

// abortBranch reports whether one side of the JUMPI at pc goes straight
// to a block ending in REVERT or INVALID: a check such as an array bounds
// check inside a loop, not the loop's exit test.
func abortBranch(p *Pass, pc int) bool {
	b := p.CFG.Containing(pc)
	if b == nil {
		return false
	}
	for _, s := range b.Succs {
		t := p.CFG.Block(s)
		if t == nil {
			continue
		}
		if i := p.Program.At(t.End); i >= 0 && len(t.Succs) == 0 {
			if op := p.Program.Instrs[i].Op; op == REVERT || op == INVALID {
				return true
			}
		}
	}
	return false
}
