package evm

import (
	"strconv"

	"github.com/lianjian/lianjian/ledger"
)

// Timestamp reports block time or number deciding who is paid, matched
// exactly, converted into time, or used as the only entropy.
var Timestamp = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-TIMESTAMP",
		Title:    "Block timestamp or number decides an outcome",
		Severity: ledger.Low,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-116"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-116"},
		Doc: "Block producers can shift block.timestamp by seconds and block times vary. Reported " +
			"where that shift changes an outcome: (1) a branch comparing block.timestamp or " +
			"block.number with a contract-wide bound decides whether any caller, racing for it, is " +
			"sent ether, or whether the last caller recorded in storage is (a round that ends at a " +
			"time and pays whoever calls or invested last); (2) a branch " +
			"requires the block time or number to equal a value; (3) block.number is scaled by a " +
			"constant, using an assumed block time as a clock; (4) block.timestamp or block.number, " +
			"hashed or reduced modulo, is the only entropy of a branch, store or transfer (reported " +
			"at its source, as EVM-WEAK-RANDOMNESS also does). Not reported, as the clock is then " +
			"coarse enough: a deadline that merely ends a phase (opening, closing, state writes), a " +
			"time lock on the caller's own funds or commitment, payouts to a fixed or access-checked " +
			"recipient, and forwarding msg.value. Use timestamps only for coarse deadlines and " +
			"never to choose a winner; measure time in seconds, not blocks.",
	},
	Run: func(p *Pass) error {
		for _, last := range p.Paths {
			trace := Trace(last)
			for _, ev := range trace {
				if !sendsValue(ev) && ev.Op != SSTORE {
					continue
				}
				race := ev.Op == CALL && racedPayout(p, ev, last, trace)
				for g := ev.Guards; g != nil; g = g.Next {
					core, truth := Normalize(g.Cond, g.Taken)
					if !core.Taint.Has(TaintTimestamp|TaintNumber) || randomish(g.Cond) || !timeComparison(g.Cond) {
						continue
					}
					at := &Event{PC: g.PC, Selector: ev.Selector, InFunction: ev.InFunction}
					switch {
					case core.Op == EQ && truth && exactTime(core):
						p.Report(at, "block timestamp/number must equal a value for a later "+ev.Op.String(),
							map[string]string{"timeUse": "must equal an exact value", "use": ev.Op.String()})
					case race && !ownClock(core):
						p.Report(at, "block timestamp/number decides whether "+describe(ev.Args[1])+" is paid "+describe(ev.Args[2]),
							map[string]string{"timeUse": "decides a payment", "use": ev.Op.String(), "recipient": describe(ev.Args[1]), "amount": describe(ev.Args[2])})
					}
				}
			}
		}
		for _, ev := range p.Events {
			var v *Value
			switch {
			case ev.Op == SSTORE || ev.Op == JUMPI:
				v = ev.Args[1]
			case sendsValue(ev) && ev.Op != SELFDESTRUCT:
				v = ev.Args[2]
			}
			if v != nil && randomish(v) {
				if src := randomSource(v); src != nil && (src.Op == TIMESTAMP || src.Op == NUMBER) {
					p.Report(&Event{PC: src.PC, Selector: ev.Selector, InFunction: ev.InFunction},
						src.Op.String()+" is the only entropy of the "+ev.Op.String()+" at pc "+strconv.Itoa(ev.PC),
						map[string]string{"usePC": strconv.Itoa(ev.PC), "timeUse": "only source of entropy", "use": ev.Op.String(), "blockValue": src.Op.String()})
				}
				continue
			}
			if n := blockClock(v); n != nil {
				p.Report(&Event{PC: n.PC, Selector: ev.Selector, InFunction: ev.InFunction},
					"block.number scaled by a constant is used as a clock",
					map[string]string{"usePC": strconv.Itoa(ev.PC), "timeUse": "block number scaled by a constant used as a clock", "use": ev.Op.String(), "blockValue": n.Op.String()})
			}
		}
		return nil
	},
}

// racedPayout reports whether the transfer ev on the path ending at last
// pays whoever wins a race: ether to msg.sender, or to the address in a
// slot any caller sets to themselves (the last investor), on a path
// without an access check of any kind, that is not the caller's own
// recorded balance nor their own deposit.
func racedPayout(p *Pass, ev, last *Event, trace []*Event) bool {
	if ev.Args[2].Taint.Has(TaintCallValue) || guarded(ev.Guards) || callFailed(last.Guards, ev) {
		return false
	}
	if !isEnv(ev.Args[1], CALLER) {
		w := openSlotWrite(p, Strip(ev.Args[1]))
		return w != nil && isEnv(unpack(w.Args[1]), CALLER)
	}
	return !accounted(trace, last.Guards, ev.Args[2])
}

// exactTime reports whether the equality core compares a block time or
// number itself, not the boolean outcome of a comparison (switch gt(…)).
func exactTime(core *Value) bool {
	for _, a := range core.Args {
		switch Strip(a).Op {
		case LT, GT, SLT, SGT, EQ, ISZERO:
			continue
		}
		if a.Taint.Has(TaintTimestamp | TaintNumber) {
			return true
		}
	}
	return false
}

// ownClock reports whether a time comparison measures against a bound
// kept for the caller (a lock or commitment of msg.sender's own), which
// a shifted clock only moves for the caller.
func ownClock(core *Value) bool {
	return Contains(core, 6, func(v *Value) bool { return v.Op == SLOAD && len(v.Args) == 1 && Contains(v.Args[0], 4, isCallerSlot) })
}

// blockClock returns the first operation in v that scales block.number by
// a constant (number * c, number / c, or number ± x / c): block counts
// converted to or from time with an assumed block interval.
func blockClock(v *Value) *Value {
	if v == nil {
		return nil
	}
	scaled := func(x *Value) bool {
		return (x.Op == MUL || x.Op == DIV) && len(x.Args) == 2 && (x.Args[0].IsConst() || x.Args[1].IsConst()) && !isConstU(x.Args[0], 1) && !isConstU(x.Args[1], 1)
	}
	var found *Value
	Contains(v, 8, func(n *Value) bool {
		if found != nil || len(n.Args) != 2 {
			return found != nil
		}
		for i, a := range n.Args {
			if !isEnv(a, NUMBER) {
				continue
			}
			switch {
			case scaled(n):
				found = n
			case (n.Op == ADD || n.Op == SUB) && scaled(n.Args[1-i]):
				found = n
			}
		}
		return found != nil
	})
	return found
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
				p.Report(ev, "block-derived value used as randomness in "+ev.Op.String(), map[string]string{"use": ev.Op.String()})
				continue
			}
			p.Report(&Event{PC: src.PC, Selector: ev.Selector, InFunction: ev.InFunction},
				src.Op.String()+" used as randomness in the "+ev.Op.String()+" at pc "+strconv.Itoa(ev.PC),
				map[string]string{"usePC": strconv.Itoa(ev.PC), "use": ev.Op.String(), "blockValue": src.Op.String()})
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
				p.Report(ev, "jump destination depends on "+describe(ev.Args[0]), map[string]string{"dependsOn": describe(ev.Args[0])})
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
				p.Report(ev, "storage write at a caller-chosen index that is not bounded", map[string]string{"bound": "none"})
			case userLen:
				p.Report(ev, "storage write at a caller-chosen index bounded by an array length any caller can change",
					map[string]string{"bound": "an array length any caller can change"})
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
