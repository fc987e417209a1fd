package evm

import (
	"slices"
	"strconv"

	"github.com/lianjian/lianjian/ledger"
)

// UncheckedCall reports external calls whose success flag is ignored.
var UncheckedCall = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-UNCHECKED-CALL",
		Title:    "Unchecked call return value",
		Severity: ledger.Medium,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-104"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-104"},
		Doc: "The success flag of CALL, CALLCODE or DELEGATECALL is never tested by a branch, " +
			"stored or returned. A failed send or call then goes unnoticed and the contract " +
			"carries on as if the ether or message had been delivered. Check the result " +
			"(require(success)) or use a call that reverts on failure.",
	},
	Run: func(p *Pass) error {
		used := map[*Value]bool{}
		mark := func(v *Value) {
			Contains(v, 8, func(n *Value) bool {
				if n.Op.IsCall() {
					used[n] = true
				}
				return false
			})
		}
		for _, ev := range p.Events {
			switch ev.Op {
			case JUMPI:
				mark(ev.Args[1])
			case SSTORE, TSTORE, MSTORE:
				mark(ev.Args[1])
			}
		}
		checked := map[int]bool{}
		var calls []*Event
		for _, ev := range p.Events {
			if ev.Op == CALL || ev.Op == CALLCODE || ev.Op == DELEGATECALL {
				if isPrecompile(ev.Args[1]) {
					continue
				}
				checked[ev.PC] = checked[ev.PC] || used[ev.Result]
				calls = append(calls, ev)
			}
		}
		for _, ev := range calls {
			if !checked[ev.PC] {
				p.Report(ev, "return value of "+ev.Op.String()+" to "+describe(ev.Args[1])+" is not checked",
					map[string]string{"opcode": ev.Op.String(), "target": describe(ev.Args[1])})
			}
		}
		return nil
	},
}

// FailedCallDoS reports calls whose failure reverts the whole
// transaction although a recipient can make them fail.
var FailedCallDoS = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-FAILED-CALL-DOS",
		Title:    "Denial of service by a call that must succeed",
		Severity: ledger.Medium,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-113"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-113"},
		Doc: "Every successful path requires an external call to succeed (require(send), transfer) " +
			"and the recipient can make it fail: the call runs inside a loop over recipients, or it " +
			"sends ether to an address read from a storage slot that any caller can set (the last " +
			"bidder, the current leader). One recipient that rejects the call (a contract whose " +
			"fallback reverts, or one that runs out of gas) then blocks the function forever. Let " +
			"recipients withdraw (pull payments) or skip and record failures instead of reverting.",
	},
	Run: func(p *Pass) error {
		required, seen := map[int]bool{}, map[int]bool{}
		for _, last := range p.Paths {
			for e := last; e != nil; e = e.Prev {
				if (e.Op != CALL && e.Op != CALLCODE) || isPrecompile(e.Args[1]) {
					continue
				}
				asserted := false
				for g := last.Guards; g != nil && !asserted; g = g.Next {
					core, truth := Normalize(g.Cond, g.Taken)
					asserted = core == e.Result && truth
				}
				required[e.PC] = (!seen[e.PC] || required[e.PC]) && asserted
				seen[e.PC] = true
			}
		}
		for _, ev := range p.Events {
			if !required[ev.PC] {
				continue
			}
			if p.InLoop(ev) {
				p.Report(ev, ev.Op.String()+" in a loop must succeed for the transaction to succeed",
					map[string]string{"opcode": ev.Op.String(), "context": "in a loop"})
				continue
			}
			if !sendsValue(ev) || guarded(ev.Guards) {
				continue // a caller checked against the recipient blocks only themselves
			}
			if w := openSlotWrite(p, Strip(ev.Args[1])); w != nil {
				slot := slotName(w.Args[0])
				p.Report(ev, ev.Op.String()+" to the address in "+slot+", which any caller can set at pc "+
					strconv.Itoa(w.PC)+", must succeed for the transaction to succeed",
					map[string]string{"slot": slot, "writePC": strconv.Itoa(w.PC), "opcode": ev.Op.String()})
			}
		}
		return nil
	},
}

// Reentrancy reports an external call that forwards gas between a read
// and a later write of the same storage slot. The finding sits at the call,
// where the fix goes; the evidence names the write.
var Reentrancy = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-REENTRANCY",
		Title:    "State change after external call (reentrancy)",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-107"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-107"},
		Doc: "A successful path reads a storage slot, then makes an external call that forwards " +
			"enough gas for the callee to call back, then writes the same slot. The callee can " +
			"re-enter while the slot still holds the old value (the DAO attack). Follow " +
			"checks-effects-interactions: update state before the call, or use a reentrancy guard.",
	},
	Run: func(p *Pass) error {
		for _, last := range p.Paths {
			var call *Event
			var before []*Value
			for _, ev := range Trace(last) {
				switch {
				case call == nil && ev.Op == SLOAD:
					before = append(before, ev.Args[0])
				case call == nil && forwardsGas(ev) && !Strip(ev.Args[1]).IsConst():
					call = ev
				case call != nil && ev.Op == SSTORE && slices.ContainsFunc(before, func(k *Value) bool { return Same(k, ev.Args[0]) }):
					slot := slotName(ev.Args[0])
					p.Report(call, call.Op.String()+" to "+describe(call.Args[1])+" is followed by a write at pc "+
						strconv.Itoa(ev.PC)+" to "+slot+", read before the call",
						map[string]string{"writePC": strconv.Itoa(ev.PC), "slot": slot, "opcode": call.Op.String(), "target": describe(call.Args[1])})
				}
			}
		}
		return nil
	},
}

// HardcodedGas reports calls with a fixed gas amount.
var HardcodedGas = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-HARDCODED-GAS",
		Title:    "Call with hard-coded gas amount",
		Severity: ledger.Low,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-134"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-134"},
		Doc: "An external call passes a constant gas amount other than the 0/2300 stipend of " +
			"transfer and send. Gas costs change between forks (EIP-1884, EIP-2929), so a fixed " +
			"amount can make the call fail later. Forward all gas and guard against reentrancy.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if !ev.Op.IsCall() || isPrecompile(ev.Args[1]) {
				continue
			}
			if g, ok := ev.Args[0].Uint64(); ok && g != 0 && g != 2300 {
				p.Report(ev, ev.Op.String()+" with fixed gas "+strconv.FormatUint(g, 10),
					map[string]string{"opcode": ev.Op.String(), "gas": strconv.FormatUint(g, 10)})
			}
		}
		return nil
	},
}
