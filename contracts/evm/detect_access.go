package evm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/ledger"
)

// SelfDestruct reports SELFDESTRUCT reachable without an access check.
var SelfDestruct = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-SELFDESTRUCT",
		Title:    "Unprotected SELFDESTRUCT",
		Severity: ledger.Critical,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-106"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-106"},
		Doc: "A path reaches SELFDESTRUCT without comparing msg.sender with a trusted address " +
			"(or the trusted address can be overwritten by anyone). Any caller can destroy the " +
			"contract and send its ether to an address of their choice. Restrict the function to " +
			"an owner set only by the constructor or an owner-only function, or remove it.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if ev.Op == SELFDESTRUCT && !p.Authorized(ev) {
				p.Report(ev, "SELFDESTRUCT is reachable by any caller", map[string]string{
					"beneficiary": describe(ev.Args[0]),
				})
			}
		}
		return nil
	},
}

// DelegateCall reports DELEGATECALL to an address the caller supplies.
var DelegateCall = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-DELEGATECALL",
		Title:    "Delegatecall to caller-controlled address",
		Severity: ledger.Critical,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-112"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-112"},
		Doc: "DELEGATECALL (or CALLCODE) runs code from an address taken from call data, or read " +
			"from a storage slot that a path without an access check lets any caller set, where the " +
			"transaction can succeed after the call. The callee runs with this contract's storage and " +
			"balance, so any caller can take it over. Delegate only to trusted, fixed or owner-set " +
			"addresses.",
	},
	Run: func(p *Pass) error {
		effective := effectiveCalls(p)
		for _, ev := range p.Events {
			if ev.Op != DELEGATECALL && ev.Op != CALLCODE {
				continue
			}
			addr := ev.Args[1]
			if p.Authorized(ev) || !effective[ev] || pinned(ev.Guards, addr) {
				continue
			}
			if addr.Taint.Has(TaintCalldata) {
				p.Report(ev, ev.Op.String()+" to an address supplied in call data", map[string]string{
					"target": describe(addr), "opcode": ev.Op.String(),
				})
				continue
			}
			if w := openSlotWrite(p, Strip(addr)); w != nil {
				slot := slotName(w.Args[0])
				p.Report(ev, ev.Op.String()+" to the address in "+slot+", which any caller can set at pc "+strconv.Itoa(w.PC),
					map[string]string{"target": describe(addr), "slot": slot, "writePC": strconv.Itoa(w.PC), "opcode": ev.Op.String()})
			}
		}
		return nil
	},
}

// openSlotWrite returns a write, on a path without an access check, of a
// caller-chosen address (call data or msg.sender) into the fixed storage
// slot that addr is read from, or nil.
func openSlotWrite(p *Pass, addr *Value) *Event {
	if addr.Op != SLOAD || len(addr.Args) != 1 || !addr.Args[0].IsConst() {
		return nil
	}
	for _, w := range p.Events {
		if w.Op != SSTORE || !Same(w.Args[0], addr.Args[0]) || p.Authorized(w) || initializer(w) {
			continue
		}
		if v := Strip(unpack(w.Args[1])); v.Taint.Has(TaintCalldata) || isEnv(v, CALLER) {
			return w
		}
	}
	return nil
}

// effectiveCalls finds call events after which some path still succeeds
// without requiring the call to have failed.
func effectiveCalls(p *Pass) map[*Event]bool {
	out := map[*Event]bool{}
	for _, last := range p.Paths {
		for e := last; e != nil; e = e.Prev {
			if !e.Op.IsCall() || out[e] {
				continue
			}
			failed := false
			for g := last.Guards; g != nil && !failed; g = g.Next {
				core, truth := Normalize(g.Cond, g.Taken)
				failed = core == e.Result && !truth
			}
			out[e] = !failed
		}
	}
	return out
}

// pinned reports whether a guard requires v to equal a value that does not
// come from call data, such as a whitelisted address.
func pinned(g *Guard, v *Value) bool {
	for ; g != nil; g = g.Next {
		core, truth := Normalize(g.Cond, g.Taken)
		if core.Op != EQ || !truth || len(core.Args) != 2 {
			continue
		}
		for i, a := range core.Args {
			if Same(Strip(a), Strip(v)) && !core.Args[1-i].Taint.Has(TaintCalldata) {
				return true
			}
		}
	}
	return false
}

// TxOrigin reports authorisation through tx.origin.
var TxOrigin = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-TX-ORIGIN",
		Title:    "Authorisation through tx.origin",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-115"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-115"},
		Doc: "A branch compares tx.origin (ORIGIN) with an address. A contract the owner calls can " +
			"call this one on the owner's behalf and pass the check (phishing). Compare msg.sender " +
			"instead; tx.origin == msg.sender as an externally-owned-account test is not reported.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if ev.Op != JUMPI {
				continue
			}
			core, _ := Normalize(ev.Args[1], true)
			if core.Op != EQ || len(core.Args) != 2 {
				continue
			}
			for i, a := range core.Args {
				o := core.Args[1-i]
				if isEnv(a, ORIGIN) && !isEnv(o, CALLER) && !isEnv(o, ORIGIN) {
					p.Report(ev, "branch compares tx.origin with "+describe(o), map[string]string{"compared": describe(o)})
				}
			}
		}
		return nil
	},
}

// EtherWithdrawal reports ether sent to an arbitrary caller without
// access control or per-caller accounting.
var EtherWithdrawal = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-ETHER-WITHDRAWAL",
		Title:    "Unprotected ether withdrawal",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-105"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-105"},
		Doc: "A successful path sends ether to msg.sender or to an address from call data, without " +
			"an access check, and the amount is neither the caller's own deposit (msg.value) nor " +
			"bounded by and debited from a balance kept for msg.sender. Intended payouts are not " +
			"reported: a path where the call failed (nothing was sent), a caller withdrawing the " +
			"balance recorded for them, a prize that requires the caller to pay a price or to " +
			"supply a value equal to a stored or computed answer. Any caller can drain the " +
			"contract. Check the caller's balance, debit it before sending, or restrict the function.",
	},
	Run: func(p *Pass) error {
		for _, last := range p.Paths {
			trace := Trace(last)
			for _, ev := range trace {
				if ev.Op != CALL || !sendsValue(ev) || p.Authorized(ev) || callFailed(last.Guards, ev) {
					continue
				}
				to, amount := Strip(ev.Args[1]), ev.Args[2]
				if !isEnv(to, CALLER) && !to.Taint.Has(TaintCalldata) {
					continue
				}
				if amount.Taint.Has(TaintCallValue) || accounted(trace, last.Guards, amount) || prize(ev.Guards) {
					continue
				}
				p.Report(ev, "any caller can withdraw ether: "+describe(amount)+" to "+describe(to),
					map[string]string{"amount": describe(amount), "recipient": describe(to)})
			}
		}
		return nil
	},
}

// callFailed reports whether the path with guards g went the way taken
// when call ev failed: that path transferred nothing.
func callFailed(g *Guard, ev *Event) bool {
	for ; g != nil; g = g.Next {
		if core, truth := Normalize(g.Cond, g.Taken); core == ev.Result && !truth {
			return true
		}
	}
	return false
}

// prize reports whether a path is a game's or sale's payout to a winner
// rather than free ether: it requires the caller to pay a price (msg.value
// equal to or at least an amount) or a guess (call data, or a value
// stored earlier) to equal an answer the contract stored, hashed or drew
// from the block. Comparisons with constants and with the caller are
// state and access checks, not guesses.
func prize(g *Guard) bool {
	for ; g != nil; g = g.Next {
		core, truth := Normalize(g.Cond, g.Taken)
		if _, ok := selectorCheck(g.Cond, g.Taken); ok {
			continue
		}
		if paysIn(core, truth) || answerTest(g) {
			return true
		}
		if core.Op != EQ || !truth || len(core.Args) != 2 {
			continue
		}
		a, b := core.Args[0], core.Args[1]
		if a.IsConst() || b.IsConst() || isAuthCond(g.Cond, g.Taken) || isEnv(a, CALLER) || isEnv(b, CALLER) {
			continue // a state or access check, not a guess
		}
		guess, answer := TaintCalldata|TaintStorage, TaintStorage|TaintBlock|TaintKeccak
		if a.Taint.Has(guess) && b.Taint.Has(answer) || b.Taint.Has(guess) && a.Taint.Has(answer) {
			return true
		}
	}
	return false
}

// paysIn reports whether the branch condition core (true when truth)
// implies that the caller paid a price: msg.value equals a non-zero
// amount or is at least a price. Any non-zero msg.value is no price: a
// wei buys the whole balance.
func paysIn(core *Value, truth bool) bool {
	cv := func(v *Value) bool { return isEnv(v, CALLVALUE) }
	switch {
	case len(core.Args) != 2 || !cv(core.Args[0]) && !cv(core.Args[1]):
		return false
	case core.Op == EQ:
		for _, a := range core.Args {
			if a.IsConst() {
				return truth != a.Const.IsZero()
			}
		}
		return truth
	case core.Op == LT || core.Op == GT:
		// msg.value >= price, msg.value > price, price <= msg.value.
		lower := core.Op == LT && cv(core.Args[0]) && !truth || core.Op == GT && cv(core.Args[0]) && truth ||
			core.Op == LT && cv(core.Args[1]) && truth || core.Op == GT && cv(core.Args[1]) && !truth
		return lower && !isConstU(core.Args[0], 0) && !isConstU(core.Args[1], 0) && !isConstU(core.Args[0], 1) && !isConstU(core.Args[1], 1)
	}
	return false
}

// accounted reports whether the path debits a balance kept for msg.sender
// and the amount is bounded by that balance.
func accounted(trace []*Event, guards *Guard, amount *Value) bool {
	var bal []*Value
	debits := false
	for _, e := range trace {
		switch {
		case e.Op == SLOAD && callerEntry(e.Args[0]):
			bal = append(bal, e.Result)
		case e.Op == SSTORE && callerEntry(e.Args[0]):
			debits = true
		}
	}
	if !debits {
		return false
	}
	for _, b := range bal {
		if Same(amount, b) {
			return true
		}
		for g := guards; g != nil; g = g.Next {
			if atMost(g, amount, b) {
				return true
			}
		}
	}
	return false
}

// callerEntry reports whether storage key k is msg.sender's entry of a
// mapping, or a field of it (acc = accounts[msg.sender]; acc.balance).
func callerEntry(k *Value) bool {
	if isCallerSlot(k) {
		return true
	}
	return k.Op == ADD && len(k.Args) == 2 && (k.Args[0].IsConst() && isCallerSlot(k.Args[1]) || k.Args[1].IsConst() && isCallerSlot(k.Args[0]))
}

// OwnerOverwrite reports access-control state any caller can overwrite.
var OwnerOverwrite = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-OWNER-OVERWRITE",
		Title:    "Access-control state writable by anyone",
		Severity: ledger.High,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-105", "SWC-118"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-118"},
		Doc: "The contract compares msg.sender with an address (or a caller-keyed flag) held in a " +
			"storage slot, and a path without any access check writes that slot. Any caller can " +
			"make themselves owner, typically through a misnamed constructor or a forgotten " +
			"initialiser. Set the owner in the constructor and guard every write to it.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if ev.Op != SSTORE {
				continue
			}
			s := slotName(ev.Args[0])
			if !p.weak[s] || !grants(s, ev.Args[1]) || isCallerSlot(ev.Args[0]) || guarded(ev.Guards) || initializer(ev) {
				continue
			}
			if entry, ok := constructorLike(p, ev); ok {
				fn := Function{Selector: ev.Selector, Name: p.names[ev.Selector]}.Label()
				p.Report(&Event{PC: entry, Selector: ev.Selector, InFunction: true},
					fn+" makes any caller the owner in access-control "+s+" (a misnamed constructor or unguarded initialiser)",
					map[string]string{"writePC": strconv.Itoa(ev.PC), "slot": s})
				continue
			}
			p.Report(ev, "any caller can overwrite access-control "+s, map[string]string{"slot": s})
		}
		return nil
	},
}

// constructorLike reports whether the owner write ev is what a constructor
// does (msg.sender stored in a fixed slot) inside a public function, and
// returns the function's entry pc: the function is what needs fixing, by
// renaming it into the constructor or guarding it.
func constructorLike(p *Pass, ev *Event) (int, bool) {
	if !ev.InFunction || !ev.Args[0].IsConst() || !isEnv(unpack(ev.Args[1]), CALLER) {
		return 0, false
	}
	for _, f := range p.Functions {
		if f.Selector == ev.Selector {
			return f.Entry, true
		}
	}
	return 0, false
}

// Proxy reports upgradeable and minimal proxies.
var Proxy = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-PROXY",
		Title:    "Upgradeable or delegating proxy",
		Severity: ledger.Info,
		Category: ledger.CatContract,
		Sources:  []string{"https://eips.ethereum.org/EIPS/eip-1967", "https://eips.ethereum.org/EIPS/eip-1167"},
		Doc: "The contract delegates calls to an implementation address kept in storage (EIP-1967 " +
			"implementation or beacon slot, or another slot) or to a fixed address (EIP-1167 minimal " +
			"proxy). Its behaviour is the implementation's and may change on upgrade: review who can " +
			"upgrade it and scan the implementation too.",
	},
	Run: func(p *Pass) error {
		for _, ev := range p.Events {
			if ev.Op != DELEGATECALL {
				continue
			}
			addr := Strip(ev.Args[1])
			switch {
			case addr.Op == SLOAD && addr.Args[0].IsConst():
				slot := addr.Args[0].Const.Hex()
				kind := "storage slot " + slot
				proxyKind := "delegates to the address in a storage slot"
				if role := p.known.slots[slot]; role == "implementation" || role == "beacon" {
					kind = "EIP-1967 " + role + " slot"
					proxyKind = "delegates to the address in the " + kind
				}
				p.Report(ev, "delegates to the address in the "+kind, map[string]string{"slot": slot, "proxyKind": proxyKind})
			case addr.IsConst():
				p.Report(ev, "delegates to fixed address "+addr.Const.Hex(),
					map[string]string{"implementation": addr.Const.Hex(), "proxyKind": "delegates to a fixed address"})
			}
		}
		for _, ev := range p.Events {
			if ev.Op != SLOAD || !ev.Args[0].IsConst() {
				continue
			}
			if slot := ev.Args[0].Const.Hex(); p.known.slots[slot] == "admin" {
				p.Report(ev, "reads the EIP-1967 admin slot", map[string]string{"slot": slot, "proxyKind": "reads the EIP-1967 admin slot"})
			}
		}
		return nil
	},
}

// AccessControl reports which functions are restricted to an owner.
var AccessControl = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-ACCESS-CONTROL",
		Title:    "Owner or role restricted functions",
		Severity: ledger.Info,
		Category: ledger.CatContract,
		Doc: "Lists the access checks found: functions that compare msg.sender with a stored " +
			"owner/admin address, a hard-coded address or a caller-keyed role mapping. It is an " +
			"inventory for reviewers of privileged functions and centralisation risk, not a flaw.",
	},
	Run: func(p *Pass) error {
		bySlot := map[string]map[string]bool{} // keyed by "<caller> against <slot>"
		first := map[string]*Event{}
		for _, ev := range p.Events {
			for g := ev.Guards; g != nil; g = g.Next {
				slot, ok := p.auth[g]
				if !ok {
					continue
				}
				s := guardCaller(g) + " against " + slot
				if bySlot[s] == nil {
					bySlot[s] = map[string]bool{}
				}
				if f := first[s]; f == nil || g.PC < f.PC {
					first[s] = &Event{PC: g.PC, Selector: ev.Selector, InFunction: ev.InFunction}
				}
				fn := "fallback"
				if ev.InFunction {
					fn = Function{Selector: ev.Selector, Name: p.names[ev.Selector]}.Label()
				}
				bySlot[s][fn] = true
			}
		}
		for _, s := range sortedKeys(first) {
			fns := sortedKeys(bySlot[s])
			who, slot, _ := strings.Cut(s, " against ")
			p.Report(first[s], fmt.Sprintf("%d function(s) check %s against %s: %s", len(fns), who, slot, strings.Join(fns, ", ")),
				map[string]string{"slot": slot, "caller": who, "functions": strconv.Itoa(len(fns)), "functionList": strings.Join(fns, ", ")})
		}
		return nil
	},
}

// guardCaller names the caller identity an access check compares:
// tx.origin when the comparison reads ORIGIN, msg.sender otherwise.
func guardCaller(g *Guard) string {
	core, _ := Normalize(g.Cond, g.Taken)
	if core.Op == EQ {
		for _, a := range core.Args {
			if isEnv(a, ORIGIN) {
				return "tx.origin"
			}
		}
	}
	return "msg.sender"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// describe renders a value briefly for messages.
func describe(v *Value) string {
	v = Strip(v)
	switch {
	case v.IsConst():
		return v.Const.Hex()
	case v.Op == CALLER:
		return "msg.sender"
	case v.Op == ORIGIN:
		return "tx.origin"
	case v.Op == CALLVALUE:
		return "msg.value"
	case v.Op == CALLDATALOAD:
		return "call data"
	case v.Op == SELFBALANCE || (v.Op == BALANCE && len(v.Args) == 1 && isEnv(v.Args[0], ADDRESS)):
		return "the contract balance"
	case v.Op == SLOAD && len(v.Args) == 1:
		return "storage " + slotName(v.Args[0])
	case v.Taint.Has(TaintCalldata):
		return "a value from call data"
	case v.Taint.Has(TaintStorage):
		return "a value from storage"
	}
	return "a computed value"
}
