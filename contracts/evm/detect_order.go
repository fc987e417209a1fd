package evm

import (
	"slices"
	"strconv"

	"github.com/lianjian/lianjian/ledger"
)

// TxOrder reports outcomes that depend on the order of pending
// transactions (front-running).
var TxOrder = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-TX-ORDER",
		Title:    "Transaction-order dependence (front-running)",
		Severity: ledger.Medium,
		Category: ledger.CatContract,
		Clauses:  []string{"SWC-114"},
		Sources:  []string{"https://swcregistry.io/docs/SWC-114", "https://eips.ethereum.org/EIPS/eip-20"},
		Doc: "Pending transactions are public and block producers order them, so a result that " +
			"depends on which of two transactions runs first can be taken by whoever sees the " +
			"other one. Reported: (1) an ERC-20 style approve that overwrites " +
			"allowance[msg.sender][spender] with a new amount without requiring the old one to be " +
			"zero, so the spender can spend the old and the new allowance by front-running the " +
			"change, in a token that offers no increase/decrease alternative; (2) ether paid to msg.sender when call data matches a stored or hashed answer " +
			"(a puzzle or guess), which anyone can copy from the pending transaction; (3) ether " +
			"paid in an amount read from a storage slot that a transaction sets to its own " +
			"msg.value or call data (a reward or price), which can change between sending and " +
			"inclusion. Use increase/decrease allowance or require a zero allowance first, " +
			"commit-reveal schemes, and let callers pass the amount they expect.",
	},
	Run: func(p *Pass) error {
		adjusted := allowanceAdjusters(p)
		for _, ev := range p.Events {
			if ev.Op == SSTORE && allowanceOverwrite(ev) && !adjusted[slotName(ev.Args[0].Args[1])] {
				evidence := entry(p, ev)
				if evidence == nil {
					evidence = map[string]string{}
				}
				evidence["orderIssue"] = "approve overwrites the allowance"
				p.Report(ev, "approve overwrites allowance[msg.sender][spender] without requiring it to be zero first", evidence)
			}
		}
		for _, ev := range p.Events {
			if ev.Op != CALL || !sendsValue(ev) {
				continue
			}
			if isEnv(ev.Args[1], CALLER) {
				if g := answerGuard(ev.Guards); g != nil {
					p.Report(&Event{PC: g.PC, Selector: ev.Selector, InFunction: ev.InFunction},
						"call data matching an answer wins the ether sent at pc "+strconv.Itoa(ev.PC)+"; anyone can copy it from the pending transaction",
						map[string]string{"callPC": strconv.Itoa(ev.PC), "orderIssue": "answer can be copied from the pending transaction"})
				}
			}
			if w := amountSetter(p, ev.Args[2]); w != nil && isEnv(ev.Args[1], CALLER) {
				evidence := map[string]string{"writePC": strconv.Itoa(w.PC), "orderIssue": "amount set by another transaction", "slot": slotName(w.Args[0])}
				if e := entry(p, w); e != nil {
					evidence["setterEntryPC"] = e["entryPC"]
				}
				p.Report(ev, "ether sent to the caller in an amount from "+slotName(w.Args[0])+", which a transaction sets at pc "+strconv.Itoa(w.PC), evidence)
			}
		}
		return nil
	},
}

// allowanceOverwrite reports whether ev writes a call-data amount to
// m[msg.sender][x], x from call data, and no branch on its path reads
// the old value or requires the new one to be zero.
func allowanceOverwrite(ev *Event) bool {
	k := ev.Args[0]
	if k.Op != KECCAK256 || len(k.Args) != 2 || !k.Args[0].Taint.Has(TaintCalldata) || !isCallerSlot(k.Args[1]) {
		return false
	}
	v := Strip(ev.Args[1])
	if v.Op != CALLDATALOAD {
		return false
	}
	for g := ev.Guards; g != nil; g = g.Next {
		if Contains(g.Cond, 6, func(n *Value) bool { return n == v || n.Op == SLOAD && len(n.Args) == 1 && Same(n.Args[0], k) }) {
			return false
		}
	}
	return true
}

// allowanceAdjusters returns the allowance mappings (named by the slot of
// their msg.sender row, as slotName renders it) that a function adds to
// or subtracts from, as increaseAllowance and decreaseAllowance do: the
// token offers race-free alternatives to approve.
func allowanceAdjusters(p *Pass) map[string]bool {
	out := map[string]bool{}
	for _, ev := range p.Events {
		k := ev.Args
		if ev.Op != SSTORE || k[0].Op != KECCAK256 || len(k[0].Args) != 2 || !isCallerSlot(k[0].Args[1]) {
			continue
		}
		v := Strip(ev.Args[1])
		if (v.Op == ADD || v.Op == SUB) && len(v.Args) == 2 && slices.ContainsFunc(v.Args, func(a *Value) bool {
			a = Strip(a)
			return a.Op == SLOAD && Same(a.Args[0], k[0])
		}) {
			out[slotName(k[0].Args[1])] = true
		}
	}
	return out
}

// answerGuard returns the branch on a path that requires call data, or a
// hash of it, to equal a value the contract keeps (a stored or constant
// answer), or nil.
func answerGuard(g *Guard) *Guard {
	for ; g != nil; g = g.Next {
		if answerTest(g) {
			return g
		}
	}
	return nil
}

// answerTest reports whether branch g requires call data, or a hash of
// it, to equal a stored answer, or a hash of it to equal a constant.
func answerTest(g *Guard) bool {
	core, truth := Normalize(g.Cond, g.Taken)
	if core.Op != EQ || !truth || len(core.Args) != 2 {
		return false
	}
	if _, ok := selectorCheck(g.Cond, g.Taken); ok {
		return false
	}
	for i, a := range core.Args {
		o := Strip(core.Args[1-i])
		if !a.Taint.Has(TaintCalldata) || o.Taint.Has(TaintUser) || isEnv(o, CALLER) {
			continue
		}
		if Strip(a).Op == KECCAK256 && (o.IsConst() || o.Op == SLOAD) || !o.IsConst() && o.Taint.Has(TaintStorage|TaintKeccak) {
			return true
		}
	}
	return false
}

// amountSetter returns a write that sets the fixed slot amount is read
// from to a transaction's msg.value or call data, or nil.
func amountSetter(p *Pass, amount *Value) *Event {
	a := Strip(amount)
	if a.Op != SLOAD || len(a.Args) != 1 || !a.Args[0].IsConst() {
		return nil
	}
	for _, w := range p.Events {
		if w.Op != SSTORE || !Same(w.Args[0], a.Args[0]) {
			continue
		}
		if v := Strip(unpack(w.Args[1])); isEnv(v, CALLVALUE) || v.Op == CALLDATALOAD {
			return w
		}
	}
	return nil
}

// entry returns evidence naming the entry pc of the public function ev
// runs in, whose source range is the function's declaration, or nil.
func entry(p *Pass, ev *Event) map[string]string {
	if !ev.InFunction {
		return nil
	}
	for _, f := range p.Functions {
		if f.Selector == ev.Selector {
			return map[string]string{"entryPC": strconv.Itoa(f.Entry)}
		}
	}
	return nil
}

// ShortAddress reports token transfers that accept call data shorter
// than their arguments.
var ShortAddress = &Detector{
	Info: ledger.RuleInfo{
		ID:       "EVM-SHORT-ADDRESS",
		Title:    "Short address: call data length not checked",
		Severity: ledger.Low,
		Category: ledger.CatContract,
		Sources:  []string{"https://docs.soliditylang.org/en/latest/security-considerations.html"},
		Doc: "A public function takes an address followed by an amount, credits or sends the " +
			"amount to that address, and no branch checks the call-data length (code from " +
			"solc before 0.5, whose ABI decoder does not, and without an onlyPayloadSize check). " +
			"A client that encodes an address missing its last bytes shifts the amount left, so " +
			"the EVM's zero padding multiplies it by 256 per missing byte. Compile with solc 0.5 " +
			"or later, or require msg.data.length to cover every argument.",
	},
	Run: func(p *Pass) error {
		if major, minor, _, ok := p.Program.Metadata.Version(); ok && (major > 0 || minor >= 5) {
			return nil // the ABI decoder checks the length
		}
		for _, ev := range p.Events {
			if !ev.InFunction || !shortAddressSink(ev) || lengthChecked(ev.Guards) {
				continue
			}
			e := entry(p, ev)
			if e == nil {
				continue
			}
			pc, _ := strconv.Atoi(e["entryPC"])
			p.Report(&Event{PC: pc, Selector: ev.Selector, InFunction: true},
				"the amount argument reaches the "+ev.Op.String()+" at pc "+strconv.Itoa(ev.PC)+" but the call-data length is never checked",
				map[string]string{"usePC": strconv.Itoa(ev.PC), "use": ev.Op.String()})
		}
		return nil
	},
}

// shortAddressSink reports whether ev moves the second argument (call
// data at 0x24) to the address in the first (at 4): the amount added to
// the entry of a mapping keyed by that address (balances[to] += amount),
// or ether sent to it.
func shortAddressSink(ev *Event) bool {
	amount := func(v *Value) bool { return v.Op == CALLDATALOAD && len(v.Args) == 1 && isConstU(v.Args[0], 0x24) }
	addr := func(v *Value) bool {
		v = Strip(v)
		return v != nil && v.Op == CALLDATALOAD && len(v.Args) == 1 && isConstU(v.Args[0], 4)
	}
	isAddr := func(v *Value) bool { // address(calldata[4:36]): masked to 160 bits
		return v.Op == AND && len(v.Args) == 2 && slices.ContainsFunc(v.Args, func(m *Value) bool { return isMask(m) && m.Const.BitLen() == 160 }) &&
			slices.ContainsFunc(v.Args, addr)
	}
	switch ev.Op {
	case SSTORE:
		k, v := ev.Args[0], Strip(ev.Args[1])
		if k.Op != KECCAK256 || len(k.Args) != 2 || !k.Args[1].IsConst() || !Contains(k.Args[0], 3, isAddr) || v.Op != ADD {
			return false
		}
		return slices.ContainsFunc(v.Args, func(a *Value) bool { a = Strip(a); return a.Op == SLOAD && Same(a.Args[0], k) }) &&
			flowsAny(v, amount)
	case CALL:
		return Contains(ev.Args[1], 3, isAddr) && flowsAny(ev.Args[2], amount)
	}
	return false
}

// flowsAny reports whether x computes its number from a value pred
// matches, through arithmetic (see flowsFrom).
func flowsAny(x *Value, pred func(*Value) bool) bool {
	found := false
	Contains(x, 6, func(v *Value) bool {
		if !found && pred(v) && flowsFrom(x, v, 6) {
			found = true
		}
		return found
	})
	return found
}

// lengthChecked reports whether a branch on the path compares the call
// data length with a bound beyond the 4-byte selector (solc 0.5+'s ABI
// decoder, an onlyPayloadSize modifier).
func lengthChecked(g *Guard) bool {
	for ; g != nil; g = g.Next {
		if Contains(g.Cond, 4, func(v *Value) bool { return v.Op == CALLDATASIZE }) &&
			Contains(g.Cond, 4, func(v *Value) bool { c, ok := v.Uint64(); return ok && c > 4 }) {
			return true
		}
	}
	return false
}
