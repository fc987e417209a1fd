package evm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/holiman/uint256"
)

// Normalize peels ISZERO wrappers off a branch condition. It returns the
// core expression and whether the branch taken implies the core is true
// (non-zero).
func Normalize(cond *Value, taken bool) (core *Value, truth bool) {
	core, truth = cond, taken
	for range 16 {
		s := Strip(core)
		if s.Op != ISZERO || len(s.Args) != 1 {
			return s, truth
		}
		core, truth = s.Args[0], !truth
	}
	return core, truth
}

func isEnv(v *Value, op Op) bool { v = Strip(v); return v.Op == op && len(v.Args) == 0 }

// callerKeyed reports whether v is a storage read of a mapping entry keyed
// by msg.sender, such as balances[msg.sender].
func callerKeyed(v *Value) bool {
	v = Strip(v)
	return v.Op == SLOAD && len(v.Args) == 1 && isCallerSlot(v.Args[0])
}

func isCallerSlot(k *Value) bool {
	return k.Op == KECCAK256 && len(k.Args) > 0 && isEnv(k.Args[0], CALLER)
}

// authSlot describes the trusted value an access check compares the
// caller with: "slot:<n>" for a stored address, "map:<n>" for a mapping
// keyed by the caller, "const" for a hard-coded address.
func authSlot(core *Value, truth bool) (string, bool) {
	if core.Op == EQ && len(core.Args) == 2 && !truth {
		// require(roles[msg.sender] != 0)
		for i, a := range core.Args {
			if isConstU(a, 0) && callerKeyed(core.Args[1-i]) {
				return slotName(Strip(core.Args[1-i]).Args[0]), true
			}
		}
	}
	if !truth {
		return "", false
	}
	if core.Op == EQ && len(core.Args) == 2 {
		for i, a := range core.Args {
			o := Strip(core.Args[1-i])
			if !isEnv(a, CALLER) && !isEnv(a, ORIGIN) {
				continue
			}
			switch {
			case o.IsConst():
				return "const", true
			case o.Op == SLOAD && len(o.Args) == 1:
				return slotName(o.Args[0]), true
			case o.Taint.Has(TaintCalldata | TaintCaller | TaintOrigin):
				return "", false
			default:
				return "other", true
			}
		}
		return "", false
	}
	if callerKeyed(core) {
		return slotName(Strip(core).Args[0]), true
	}
	return "", false
}

// slotName names a storage key: a constant slot or a mapping's base slot.
func slotName(k *Value) string {
	if c, ok := k.Uint64(); ok {
		return fmt.Sprintf("slot:%d", c)
	}
	if k.IsConst() {
		return "slot:" + k.Const.Hex()
	}
	if k.Op == KECCAK256 && len(k.Args) >= 2 {
		if c, ok := k.Args[len(k.Args)-1].Uint64(); ok {
			return fmt.Sprintf("map:%d", c)
		}
		if base := k.Args[len(k.Args)-1]; base.IsConst() {
			return "map:" + base.Const.Hex()
		}
	}
	return "dynamic"
}

func isAuthCond(cond *Value, taken bool) bool {
	_, ok := authSlot(Normalize(cond, taken))
	return ok
}

// authGuards returns every distinct guard on an explored path that is an
// access check, with the slot it trusts.
func authGuards(p *Pass) map[*Guard]string {
	out := map[*Guard]string{}
	seen := map[*Guard]bool{}
	for _, ev := range p.Events {
		for g := ev.Guards; g != nil && !seen[g]; g = g.Next {
			seen[g] = true
			if s, ok := authSlot(Normalize(g.Cond, g.Taken)); ok {
				out[g] = s
			}
		}
	}
	return out
}

// weakSlots finds access-control slots that a path without any access
// check can overwrite, so that anyone can make themselves the owner. For a
// caller-keyed role mapping only writes to another account's entry count:
// writing one's own entry is self-registration.
func weakSlots(p *Pass) map[string]bool {
	auth := map[string]bool{}
	for _, s := range authGuards(p) {
		if s != "const" && s != "other" && s != "dynamic" {
			auth[s] = true
		}
	}
	weak := map[string]bool{}
	if len(auth) == 0 {
		return weak
	}
	for _, ev := range p.Events {
		if ev.Op != SSTORE || isCallerSlot(ev.Args[0]) {
			continue
		}
		if s := slotName(ev.Args[0]); auth[s] && grants(s, ev.Args[1]) && !guarded(ev.Guards) && !initializer(ev) {
			weak[s] = true
		}
	}
	return weak
}

// grants reports whether writing v into the access-control slot s can
// hand out control: any value for a plain owner slot except an update of
// another field packed beside the address, and for a role mapping a
// caller-chosen address or flag rather than bookkeeping derived from
// storage.
func grants(s string, v *Value) bool {
	if !strings.HasPrefix(s, "map:") {
		return !keepsAddress(v)
	}
	v = Strip(unpack(v))
	switch {
	case v.IsConst():
		return !v.Const.IsZero()
	case isEnv(v, CALLER):
		return true
	}
	return v.Taint.Has(TaintCalldata) && !v.Taint.Has(TaintStorage)
}

// keepsAddress reports whether v is a packed storage update
// OR(AND(SLOAD(k), keepMask), field) whose mask keeps the low 160 bits,
// where solc places an address declared before the field: writing a
// flag beside the owner (bool claimed) does not change the owner.
func keepsAddress(v *Value) bool {
	if v.Op != OR || len(v.Args) != 2 {
		return false
	}
	low160 := new(uint256.Int).Sub(new(uint256.Int).Lsh(uint256.NewInt(1), 160), uint256.NewInt(1))
	for _, a := range v.Args {
		if a.Op != AND || len(a.Args) != 2 {
			continue
		}
		for i, m := range a.Args {
			if m.IsConst() && Strip(a.Args[1-i]).Op == SLOAD && new(uint256.Int).And(m.Const, low160).Eq(low160) {
				return true
			}
		}
	}
	return false
}

// unpack returns the field written by a packed storage update
// OR(AND(SLOAD(k), keepMask), field), as solc emits for values narrower
// than a slot.
func unpack(v *Value) *Value {
	if v.Op != OR || len(v.Args) != 2 {
		return v
	}
	for i, a := range v.Args {
		if a.Op == AND && len(a.Args) == 2 && (a.Args[0].IsConst() || a.Args[1].IsConst()) &&
			(Strip(a.Args[0]).Op == SLOAD || Strip(a.Args[1]).Op == SLOAD) {
			return v.Args[1-i]
		}
	}
	return v
}

// initializer reports whether the path to ev passed a one-shot latch: a
// branch on a storage flag that the path then sets before ev, as in
// OpenZeppelin's initializer modifier.
func initializer(ev *Event) bool {
	for e := ev.Prev; e != nil; e = e.Prev {
		if e.Op != SSTORE || !e.Args[0].IsConst() {
			continue
		}
		for g := e.Guards; g != nil; g = g.Next {
			if Contains(g.Cond, 8, func(v *Value) bool { return v.Op == SLOAD && Same(v.Args[0], e.Args[0]) }) {
				return true
			}
		}
	}
	return false
}

func guarded(g *Guard) bool {
	for ; g != nil; g = g.Next {
		if isAuthCond(g.Cond, g.Taken) {
			return true
		}
	}
	return false
}

// Authorized reports whether the path to ev passed an access check on the
// caller against a value that only an authorised caller can change.
func (p *Pass) Authorized(ev *Event) bool {
	for g := ev.Guards; g != nil; g = g.Next {
		ok, done := p.authMemo[g]
		if !done {
			s, isAuth := authSlot(Normalize(g.Cond, g.Taken))
			ok = isAuth && !p.weak[s]
			p.authMemo[g] = ok
		}
		if ok {
			return true
		}
	}
	return false
}

// WeakOwner reports whether access checks read the named slot although
// any caller can overwrite it.
func (p *Pass) WeakOwner(slot string) bool { return p.weak[slot] }

// Trace returns the events of the path ending at last, first to last.
func Trace(last *Event) []*Event {
	return trace(last, 0)
}

// maxJoins bounds the joins one trace follows.
const maxJoins = 64

// trace lists the events of the path ending at last, first to last; a
// path cut at a join continues with the events of the successful path it
// joined, after the point where that path entered the joined state.
func trace(last *Event, depth int) []*Event {
	n := 0
	for e := last; e != nil; e = e.Prev {
		n++
	}
	out := make([]*Event, n)
	for e := last; e != nil; e = e.Prev {
		n--
		out[n] = e
	}
	if last == nil || last.Cont == nil || depth >= maxJoins {
		return out
	}
	rest := trace(last.Cont, depth+1)
	start := 0
	if last.ContFrom != nil {
		start = slices.Index(rest, last.ContFrom) + 1
		if start == 0 {
			return out // the joined path does not pass there: keep the cut
		}
	}
	return append(out, rest[start:]...)
}

// atMost reports whether guard g implies a <= b (or a < b).
func atMost(g *Guard, a, b *Value) bool {
	core, truth := Normalize(g.Cond, g.Taken)
	if len(core.Args) != 2 {
		return false
	}
	x, y := core.Args[0], core.Args[1]
	switch {
	case (core.Op == LT || core.Op == SLT) && truth: // x < y
		return Same(x, a) && Same(y, b)
	case (core.Op == LT || core.Op == SLT) && !truth: // x >= y
		return Same(x, b) && Same(y, a)
	case (core.Op == GT || core.Op == SGT) && truth: // x > y
		return Same(x, b) && Same(y, a)
	case (core.Op == GT || core.Op == SGT) && !truth: // x <= y
		return Same(x, a) && Same(y, b)
	}
	return false
}

// compares reports whether guard g compares a with b in either order.
func compares(g *Guard, a, b *Value) bool {
	core, _ := Normalize(g.Cond, g.Taken)
	if len(core.Args) != 2 || !(core.Op == LT || core.Op == GT || core.Op == SLT || core.Op == SGT || core.Op == EQ) {
		return false
	}
	x, y := Strip(core.Args[0]), Strip(core.Args[1])
	a, b = Strip(a), Strip(b)
	return (Same(x, a) && Same(y, b)) || (Same(x, b) && Same(y, a))
}

// nonZero reports whether guard g implies v != 0.
func nonZero(g *Guard, v *Value) bool {
	core, truth := Normalize(g.Cond, g.Taken)
	switch {
	case Same(Strip(core), Strip(v)):
		return truth
	case len(core.Args) != 2:
		return false
	case core.Op == EQ && !truth:
		return (Same(core.Args[0], v) && isConstU(core.Args[1], 0)) || (Same(core.Args[1], v) && isConstU(core.Args[0], 0))
	case core.Op == LT && truth: // 0 < v, or c < v
		return Same(core.Args[1], v) && core.Args[0].IsConst()
	case core.Op == GT && truth: // v > c
		return Same(core.Args[0], v) && core.Args[1].IsConst()
	}
	return false
}

// sendsValue reports whether ev is a call that may transfer ether.
func sendsValue(ev *Event) bool {
	switch ev.Op {
	case CALL, CALLCODE:
		return !isConstU(ev.Args[2], 0)
	case SELFDESTRUCT:
		return true
	}
	return false
}

// forwardsGas reports whether a call passes enough gas for the callee to
// call back: all remaining gas, or a constant above the 2300 stipend.
func forwardsGas(ev *Event) bool {
	if !ev.Op.IsCall() || ev.Op == STATICCALL || isPrecompile(ev.Args[1]) {
		return false
	}
	if g, ok := ev.Args[0].Uint64(); ok {
		return g > 2300
	}
	return ev.Args[0].Taint.Has(TaintGas)
}
