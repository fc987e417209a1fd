package evm

import (
	"strconv"

	"github.com/lianjian/lianjian/ledger"
)

// Timestamp reports block time or number deciding a state change or
// value transfer.
var Timestamp = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-TIMESTAMP",
		Title:    "Block timestamp or number guards a state change",
		Severity: ledger.Low,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-116"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-116"},
		Doc: "A branch on block.timestamp or block.number decides whether a successful path later " +
			"transfers ether or writes storage. Block producers can shift the timestamp by " +
			"seconds and block times vary, so such deadlines are approximate. Do not rely on " +
			"them for fine-grained timing or value decisions.",
	},
	Run: func(p *Pass) error {
		for _, last := range p.Paths {
			for _, ev := range Trace(last) {
				if !sendsValue(ev) && ev.Op != SSTORE {
					continue
				}
				for g := ev.Guards; g != nil; g = g.Next {
					if g.Cond.Taint.Has(TaintTimestamp|TaintNumber) && !randomish(g.Cond) && timeComparison(g.Cond) {
						p.Report(&Event{PC: g.PC, Selector: ev.Selector, InFunction: ev.InFunction},
							"block timestamp/number decides a later "+ev.Op.String(), nil)
					}
				}
			}
		}
		return nil
	},
}

// timeComparison reports whether v compares block time or number with a
// bound the contract chose. A deadline from call data is the caller's own
// protection (permit, swaps) and is not reported.
func timeComparison(v *Value) bool {
	core, _ := Normalize(v, true)
	switch core.Op {
	case LT, GT, SLT, SGT, EQ:
	default:
		return false
	}
	for i, a := range core.Args {
		if a.Taint.Has(TaintTimestamp|TaintNumber) && !core.Args[1-i].Taint.Has(TaintCalldata) {
			return true
		}
	}
	return false
}

// randomish reports whether v is derived from a value used as randomness:
// a block hash, PREVRANDAO, the coinbase, or a hash or modulus of block
// values.
func randomish(v *Value) bool {
	return Contains(v, 10, func(n *Value) bool {
		switch n.Op {
		case BLOCKHASH, PREVRANDAO, COINBASE:
			return len(n.Args) <= 1
		case KECCAK256, MOD, ADDMOD, MULMOD:
			return n.Taint.Has(TaintBlock)
		}
		return false
	})
}

// randomSource returns the block-value instruction randomness v is drawn
// from: a BLOCKHASH, PREVRANDAO or COINBASE if v has one, else the first
// block value hashed or reduced modulo, or nil when none is found.
func randomSource(v *Value) *Value {
	var direct, hashed *Value
	var walk func(n *Value, depth int, mixed bool)
	walk = func(n *Value, depth int, mixed bool) {
		if n == nil || direct != nil || n.IsConst() {
			return
		}
		switch n.Op {
		case BLOCKHASH, PREVRANDAO, COINBASE:
			if len(n.Args) <= 1 {
				direct = n
				return
			}
		case TIMESTAMP, NUMBER, GASLIMIT:
			if mixed && hashed == nil && len(n.Args) == 0 {
				hashed = n
			}
			return
		case KECCAK256, MOD, ADDMOD, MULMOD:
			mixed = mixed || n.Taint.Has(TaintBlock)
		}
		if depth == 0 {
			return
		}
		for _, a := range n.Args {
			walk(a, depth-1, mixed)
		}
	}
	walk(v, 10, false)
	if direct != nil {
		return direct
	}
	return hashed
}

// WeakRandomness reports block values used as a source of randomness at
// the instruction that reads the block value; the evidence names the use
// (usePC).
var WeakRandomness = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-WEAK-RANDOMNESS",
		Title:    "Randomness from block values",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-120"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-120"},
		Doc: "A blockhash, PREVRANDAO, coinbase, or a hash or modulus of block values decides a " +
			"branch, is stored, or chooses the recipient or amount of a transfer. Block producers " +
			"and other contracts in the same block can predict or influence these values. Use a " +
			"commit-reveal scheme or a verifiable random function oracle.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			var v *Value
			switch {
			case ev.Op == JUMPI:
				v = ev.Args[1]
			case ev.Op == SSTORE:
				v = ev.Args[1]
			case sendsValue(ev) && ev.Op != SELFDESTRUCT:
				if randomish(ev.Args[1]) {
					v = ev.Args[1]
				} else {
					v = ev.Args[2]
				}
			}
			if v == nil || !randomish(v) {
				continue
			}
			src := randomSource(v)
			if src == nil {
				p.Report(ev, "block-derived value used as randomness in "+ev.Op.String(), nil)
				continue
			}
			p.Report(&Event{PC: src.PC, Selector: ev.Selector, InFunction: ev.InFunction},
				src.Op.String()+" used as randomness in the "+ev.Op.String()+" at pc "+strconv.Itoa(ev.PC),
				map[string]string{"usePC": strconv.Itoa(ev.PC), "use": ev.Op.String()})
		}
		return nil
	},
}

// ArbitraryJump reports jumps to a destination the caller controls.
var ArbitraryJump = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-ARBITRARY-JUMP",
		Title:    "Jump to caller-controlled destination",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-127"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-127"},
		Doc: "A JUMP or JUMPI destination depends on call data or msg.value, usually through an " +
			"internal function-type variable changed with assembly. A caller can divert control to " +
			"any JUMPDEST and skip checks. Avoid arithmetic on function pointers.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if (ev.Op == JUMP || ev.Op == JUMPI) && !ev.Args[0].IsConst() && ev.Args[0].Taint.Has(TaintUser) {
				p.Report(ev, "jump destination depends on "+describe(ev.Args[0]), nil)
			}
		}
		return nil
	},
}

// ArbitraryStorage reports storage writes at a caller-chosen slot.
var ArbitraryStorage = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-ARBITRARY-STORAGE",
		Title:    "Write to arbitrary storage location",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-124"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-124"},
		Doc: "SSTORE writes to a slot computed from a caller-supplied index into a dynamic array " +
			"whose bound the caller controls: an argument used as index without any check, or a " +
			"bound by an array length that can be " +
			"set from call data or decremented below zero. The caller can then overwrite any slot, " +
			"including the owner. Bound indices and never let the length underflow.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if ev.Op != SSTORE {
				continue
			}
			base, idx, ok := arraySlot(ev.Args[0])
			if !ok || !idx.Taint.Has(TaintCalldata) {
				continue
			}
			direct := Strip(idx).Op == CALLDATALOAD && Strip(idx).Args[0].IsConst()
			bounded, userLen := false, false
			for g := ev.Guards; g != nil; g = g.Next {
				core, _ := Normalize(g.Cond, g.Taken)
				if len(core.Args) != 2 || !compares(g, idx, core.Args[0]) && !compares(g, idx, core.Args[1]) {
					continue
				}
				for _, b := range core.Args {
					b = Strip(b)
					switch {
					case Same(b, Strip(idx)):
					case b.IsConst():
						bounded = true
					case b.Op == SLOAD && Same(b.Args[0], base):
						bounded = true
						userLen = userLen || lengthControllable(p, base)
					}
				}
			}
			switch {
			case !bounded && direct:
				p.Report(ev, "storage write at a caller-chosen index that is not bounded", nil)
			case userLen:
				p.Report(ev, "storage write at a caller-chosen index bounded by an array length any caller can change", nil)
			}
		}
		return nil
	},
}

// arraySlot matches keccak(base) + index, the slot of a dynamic array
// element, and returns the length slot and the index.
func arraySlot(k *Value) (base, idx *Value, ok bool) {
	if k.Op != ADD || len(k.Args) != 2 {
		return nil, nil, false
	}
	for i, a := range k.Args {
		if a.Op == KECCAK256 && len(a.Args) == 1 && a.Args[0].IsConst() {
			idx = k.Args[1-i]
			for idx.Op == MUL && len(idx.Args) == 2 && (idx.Args[0].IsConst() || idx.Args[1].IsConst()) {
				if idx.Args[0].IsConst() {
					idx = idx.Args[1]
				} else {
					idx = idx.Args[0]
				}
			}
			return a.Args[0], idx, true
		}
	}
	return nil, nil, false
}

// lengthControllable reports whether any path sets the array length at
// slot base from call data, or decrements it without first requiring it
// to be non-zero.
func lengthControllable(p *Pass, base *Value) bool {
	for _, ev := range p.Events {
		if ev.Op != SSTORE || !Same(ev.Args[0], base) {
			continue
		}
		v := ev.Args[1]
		if v.Taint.Has(TaintCalldata) {
			return true
		}
		if v.Op == SUB && len(v.Args) == 2 && v.Args[1].IsConst() && Strip(v.Args[0]).Op == SLOAD && Same(Strip(v.Args[0]).Args[0], base) {
			checked := false
			for g := ev.Guards; g != nil && !checked; g = g.Next {
				checked = nonZero(g, v.Args[0])
			}
			if !checked {
				return true
			}
		}
	}
	return false
}
