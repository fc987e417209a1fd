package evm

import (
	"github.com/holiman/uint256"
)

// Guard is a branch condition on an explored path: JUMPI at PC went the
// way Taken says. Guards form a list from the most recent backwards.
type Guard struct {
	PC    int
	Cond  *Value
	Taken bool // true when the jump was taken (Cond was non-zero)
	Next  *Guard
}

// Event is one instruction of interest executed on one explored path:
// storage access, calls, jumps, arithmetic on untrusted data and halts.
// Events of a path link backwards through Prev.
type Event struct {
	PC       int
	Op       Op
	Args     []*Value // operands, top of stack first
	Result   *Value   // value pushed, nil when none
	Selector uint32   // function the path runs, valid when InFunction
	// InFunction reports that the path passed a dispatcher selector check.
	InFunction bool
	Guards     *Guard // branch conditions on the path to this event
	Prev       *Event // previous event on the same path
	// Cont is set on the event closing a path cut where it met a state
	// explored before (a join): the last event of a successful path
	// through that state, whose events after ContFrom (the event before
	// it entered the state, nil for the start) continue this path.
	Cont, ContFrom *Event
}

type memWord struct {
	off uint64
	v   *Value
}

type pathState struct {
	i      int
	stack  []*Value
	mem    []memWord
	guards *Guard
	last   *Event
	sel    uint32
	inFn   bool
	called bool // an external call happened on this path
	auth   bool // a caller comparison guards this path
	hist   *visitNode
}

// visitNode records a block entry on a path: the state key and the last
// event at that moment, so that a loop back to it can be recognised.
type visitNode struct {
	key  uint64
	last *Event
	next *visitNode
}

func (s *pathState) fork() *pathState {
	n := *s
	n.stack = append(make([]*Value, 0, len(s.stack)+4), s.stack...)
	n.mem = append(make([]memWord, 0, len(s.mem)+2), s.mem...)
	return &n
}

// explorer walks the paths of a program with an abstract stack, recording
// events, resolved jump edges and completed paths.
type explorer struct {
	p        *Program
	steps    int
	maxSteps int
	seen     map[uint64]struct{}
	events   []*Event
	paths    []*Event // last event of every path that halted successfully
	edges    map[int]map[int]struct{}
	dynJumps map[int]struct{} // jumps whose target was not a constant
	funcs    map[uint32]int   // dispatcher selector -> entry pc
	inLoop   map[int]bool     // pcs of events executed inside a loop body
	// ok holds the state keys some path passed through on its way to a
	// successful halt; joins are paths cut at an explored state, which
	// succeed when that state does (see resolveJoins).
	ok       map[uint64]okRef
	joins    []join
	complete bool
}

// join is a path cut where it reached a state explored before: its
// continuation is the earlier path's, so it ends successfully when that
// one does.
type join struct {
	key  uint64
	last *Event // a JUMPDEST event closing the path, carrying its guards
	hist *visitNode
}

func newExplorer(p *Program, maxSteps int) *explorer {
	return &explorer{
		p: p, maxSteps: maxSteps, seen: map[uint64]struct{}{},
		edges: map[int]map[int]struct{}{}, dynJumps: map[int]struct{}{}, funcs: map[uint32]int{}, inLoop: map[int]bool{},
		ok: map[uint64]okRef{}, complete: true,
	}
}

func (x *explorer) run() {
	if len(x.p.Instrs) == 0 {
		return
	}
	defer x.resolveJoins()
	work := []*pathState{{}}
	for len(work) > 0 {
		s := work[len(work)-1]
		work = work[:len(work)-1]
		work = x.step(s, work)
		if x.steps >= x.maxSteps {
			x.complete = false
			return
		}
	}
}

// okRef is a successful path through a state: its last event, and its
// event before it entered the state.
type okRef struct{ last, from *Event }

// succeeded marks every state on the path with history h and last event
// last as leading to a successful halt.
func (x *explorer) succeeded(h *visitNode, last *Event) {
	for ; h != nil; h = h.next {
		if _, ok := x.ok[h.key]; ok {
			return
		}
		x.ok[h.key] = okRef{last: last, from: h.last}
	}
}

// resolveJoins turns the paths cut at an explored state into successful
// paths when that state leads to a successful halt. Without them only
// the first path through a merge point (such as the end of an if whose
// two branches meet again) would be a path, and a write made on the other
// branch, after an external call, would never be seen on a successful
// path.
func (x *explorer) resolveJoins() {
	for changed := true; changed; {
		changed = false
		for i := range x.joins {
			j := &x.joins[i]
			ref, ok := x.ok[j.key]
			if j.last == nil || !ok {
				continue
			}
			j.last.Cont, j.last.ContFrom = ref.last, ref.from
			x.paths = append(x.paths, j.last)
			x.succeeded(j.hist, j.last)
			j.last, changed = nil, true
		}
	}
}

func (x *explorer) addEdge(from, to int) {
	m := x.edges[from]
	if m == nil {
		m = map[int]struct{}{}
		x.edges[from] = m
	}
	m[to] = struct{}{}
}

// visit reports whether a path entering the block at pc with this state
// is new; equivalent states are explored once.
func (x *explorer) visit(pc int, s *pathState) bool {
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h ^= v; h *= 1099511628211 }
	mix(uint64(pc))
	mix(uint64(len(s.stack)))
	for i, v := range s.stack {
		if u, ok := v.Uint64(); ok && u < uint64(len(x.p.Code)) && x.p.IsJumpDest(int(u)) {
			mix(uint64(i)<<32 | u)
		}
	}
	// A condition left on the stack, as a short-circuit a && b leaves a
	// or b where its branches meet, is part of the state: merging would
	// keep only the first operand's path through the test that follows.
	if n := len(s.stack); n > 0 {
		switch top := s.stack[n-1]; top.Op {
		case LT, GT, SLT, SGT, EQ, ISZERO:
			mix(uint64(top.PC)<<8 | 1)
		}
	}
	mix(uint64(s.sel))
	var f uint64
	if s.inFn {
		f |= 1
	}
	if s.called {
		f |= 2
	}
	if s.auth {
		f |= 4
	}
	mix(f)
	if _, ok := x.seen[h]; ok {
		x.markLoop(s, h)
		if s.last != nil && !x.looped(s, h) {
			end := &Event{PC: pc, Op: JUMPDEST, Selector: s.sel, InFunction: s.inFn, Guards: s.guards, Prev: s.last}
			x.joins = append(x.joins, join{key: h, last: end, hist: s.hist})
		}
		return false
	}
	x.seen[h] = struct{}{}
	s.hist = &visitNode{key: h, last: s.last, next: s.hist}
	return true
}

// looped reports whether the path of s already passed through state key:
// a loop back edge, whose continuation the path itself is exploring.
func (x *explorer) looped(s *pathState, key uint64) bool {
	n := 0
	for v := s.hist; v != nil && n < 512; v, n = v.next, n+1 {
		if v.key == key {
			return true
		}
	}
	return false
}

// markLoop handles a path that returns to a state it already passed
// through: the events recorded since then form a loop body.
func (x *explorer) markLoop(s *pathState, key uint64) {
	n := 0
	for v := s.hist; v != nil && n < 512; v, n = v.next, n+1 {
		if v.key != key {
			continue
		}
		for e := s.last; e != nil && e != v.last; e = e.Prev {
			x.inLoop[e.PC] = true
		}
		return
	}
}

func (x *explorer) record(s *pathState, in Instruction, args []*Value, res *Value) *Event {
	ev := &Event{PC: in.PC, Op: in.Op, Args: args, Result: res, Selector: s.sel, InFunction: s.inFn, Guards: s.guards, Prev: s.last}
	s.last = ev
	x.events = append(x.events, ev)
	return ev
}

func (s *pathState) pop(n int) ([]*Value, bool) {
	if len(s.stack) < n {
		return nil, false
	}
	args := make([]*Value, n)
	for i := range n {
		args[i] = s.stack[len(s.stack)-1-i]
	}
	s.stack = s.stack[:len(s.stack)-n]
	return args, true
}

func (s *pathState) mload(pc int, off *Value) *Value {
	if o, ok := off.Uint64(); ok {
		for i := len(s.mem) - 1; i >= 0; i-- {
			if s.mem[i].off == o {
				return s.mem[i].v
			}
		}
		if o == 0x40 {
			return constU64(pc, 0x80)
		}
	}
	return symbol(MLOAD, pc, TaintMemory, off)
}

func (s *pathState) mstore(off uint64, v *Value) {
	out := s.mem[:0:0]
	for _, w := range s.mem {
		if w.off+32 <= off || off+32 <= w.off {
			out = append(out, w)
		}
	}
	s.mem = append(out, memWord{off, v})
}

// step executes the path from s.i until it branches, halts or is cut,
// returning the work list with any new paths appended.
func (x *explorer) step(s *pathState, work []*pathState) []*pathState {
	ins := x.p.Instrs
	if !x.visit(ins[s.i].PC, s) {
		return work
	}
	for s.i < len(ins) {
		x.steps++
		if x.steps >= x.maxSteps {
			return work
		}
		in := ins[s.i]
		op := in.Op
		pop, push := op.StackEffect()
		args, ok := s.pop(pop)
		if !ok || !op.Defined() || len(s.stack)+push > 1024 {
			return work // stack underflow or overflow, undefined opcode: the path reverts
		}
		switch {
		case op.IsPush():
			var v uint256.Int
			v.SetBytes(in.Arg)
			if in.Truncated() {
				v.Lsh(&v, uint(8*(op.ImmediateSize()-len(in.Arg))))
			}
			s.stack = append(s.stack, constVal(in.PC, &v))
		case op >= DUP1 && op <= DUP16:
			for i := len(args) - 1; i >= 0; i-- {
				s.stack = append(s.stack, args[i])
			}
			s.stack = append(s.stack, args[len(args)-1])
		case op >= SWAP1 && op <= SWAP16:
			args[0], args[len(args)-1] = args[len(args)-1], args[0]
			for i := len(args) - 1; i >= 0; i-- {
				s.stack = append(s.stack, args[i])
			}
		case op == JUMP:
			t, ok := args[0].Uint64()
			if !ok {
				x.record(s, in, args, nil)
				x.dynJumps[in.PC] = struct{}{}
				return work
			}
			if !x.p.IsJumpDest(int(t)) {
				return work
			}
			x.addEdge(in.PC, int(t))
			s.i = x.p.At(int(t))
			if !x.visit(int(t), s) {
				return work
			}
			continue
		case op == JUMPI:
			return x.branch(s, in, args, work)
		case op.Halts():
			ev := x.record(s, in, args, nil)
			if op == STOP || op == RETURN || op == SELFDESTRUCT {
				x.paths = append(x.paths, ev)
				x.succeeded(s.hist, ev)
			}
			return work
		default:
			if v := x.effect(s, in, args, push); push == 1 {
				s.stack = append(s.stack, v)
			}
		}
		s.i++
		if s.i < len(ins) && ins[s.i].Op == JUMPDEST {
			x.addEdge(in.PC, ins[s.i].PC)
			if !x.visit(ins[s.i].PC, s) {
				return work
			}
		}
	}
	return work
}

func (x *explorer) branch(s *pathState, in Instruction, args []*Value, work []*pathState) []*pathState {
	x.record(s, in, args, nil)
	dest, cond := args[0], args[1]
	next := x.p.At(in.PC + 1)
	if in.PC+1 >= len(x.p.Code) {
		next = -1
	}
	t, okT := dest.Uint64()
	if !okT {
		x.dynJumps[in.PC] = struct{}{}
	}
	canJump := okT && x.p.IsJumpDest(int(t))
	if known, ok := decided(s.guards, cond); ok {
		cond = boolVal(in.PC, known) // the path already branched on this very value
	}
	if cond.IsConst() {
		if cond.Const.IsZero() {
			if next >= 0 {
				s.i = next
				x.addEdge(in.PC, in.PC+1)
				return append(work, s)
			}
			return work
		}
		if canJump {
			x.addEdge(in.PC, int(t))
			s.i = x.p.At(int(t))
			return append(work, s)
		}
		return work
	}
	if next >= 0 {
		f := s.fork()
		f.i = next
		f.guards = &Guard{PC: in.PC, Cond: cond, Taken: false, Next: s.guards}
		f.auth = f.auth || isAuthCond(cond, false)
		if sel, ok := selectorCheck(cond, false); ok {
			f.sel, f.inFn = sel, true
			x.funcs[sel] = in.PC + 1
		}
		x.addEdge(in.PC, in.PC+1)
		work = append(work, f)
	}
	if canJump {
		s.guards = &Guard{PC: in.PC, Cond: cond, Taken: true, Next: s.guards}
		s.auth = s.auth || isAuthCond(cond, true)
		if sel, ok := selectorCheck(cond, true); ok {
			s.sel, s.inFn = sel, true
			x.funcs[sel] = int(t)
		}
		x.addEdge(in.PC, int(t))
		s.i = x.p.At(int(t))
		work = append(work, s)
	}
	return work
}

// decided reports whether an earlier branch on the path tested the same
// value cond tests (the same expression object, not merely an equal one:
// storage may have changed in between), and if so whether cond is then
// non-zero. A short-circuit a && b leaves a on the stack for the if that
// follows, which must not take the way a's own test excluded.
func decided(g *Guard, cond *Value) (bool, bool) {
	core, truth := Normalize(cond, true)
	for n := 0; g != nil && n < 64; g, n = g.Next, n+1 {
		if gc, gt := Normalize(g.Cond, g.Taken); gc == core {
			return gt == truth, true
		}
	}
	return false, false
}

// effect computes the value an ordinary instruction pushes and records it
// when it matters to a detector.
func (x *explorer) effect(s *pathState, in Instruction, args []*Value, push int) *Value {
	op, pc := in.Op, in.PC
	var res *Value
	switch op {
	case CALLER:
		res = symbol(op, pc, TaintCaller)
	case ORIGIN:
		res = symbol(op, pc, TaintOrigin)
	case CALLVALUE:
		res = symbol(op, pc, TaintCallValue)
	case CALLDATALOAD:
		res = symbol(op, pc, TaintCalldata, args...)
	case CALLDATASIZE:
		res = symbol(op, pc, TaintCalldata)
	case TIMESTAMP:
		res = symbol(op, pc, TaintTimestamp)
	case NUMBER:
		res = symbol(op, pc, TaintNumber)
	case BLOCKHASH:
		res = symbol(op, pc, TaintBlockHash, args...)
	case COINBASE:
		res = symbol(op, pc, TaintCoinbase)
	case PREVRANDAO:
		res = symbol(op, pc, TaintPrevRandao)
	case GASLIMIT:
		res = symbol(op, pc, TaintGasLimit)
	case BALANCE, SELFBALANCE:
		res = symbol(op, pc, TaintBalance, args...)
	case GAS:
		res = symbol(op, pc, TaintGas)
	case RETURNDATASIZE:
		res = symbol(op, pc, TaintReturnData)
	case PC:
		res = constU64(pc, uint64(pc))
	case CODESIZE:
		res = constU64(pc, uint64(len(x.p.Code)))
	case SLOAD, TLOAD:
		res = symbol(op, pc, TaintStorage, args...)
		x.record(s, in, args, res)
	case MLOAD:
		res = s.mload(pc, args[0])
	case MSTORE:
		if o, ok := args[0].Uint64(); ok {
			s.mstore(o, args[1])
		}
		if args[1].Taint.Has(TaintCallResult) {
			x.record(s, in, args, nil)
		}
	case CALLDATACOPY, CODECOPY, RETURNDATACOPY, EXTCODECOPY, MCOPY:
		x.copyInto(s, in, args)
	case KECCAK256:
		res = x.keccak(s, pc, args)
	case SSTORE, TSTORE:
		x.record(s, in, args, nil)
	case CALL, CALLCODE, DELEGATECALL, STATICCALL:
		res = symbol(op, pc, TaintCallResult)
		x.record(s, in, args, res)
		if op != STATICCALL && !isPrecompile(args[1]) {
			s.called = true
		}
	case CREATE, CREATE2:
		res = symbol(op, pc, TaintCallResult, args...)
		x.record(s, in, args, res)
		s.called = true
	case LOG0, LOG0 + 1, LOG0 + 2, LOG0 + 3, LOG4, POP, JUMPDEST, MSTORE8:
	case ADD, SUB, MUL:
		res = apply(op, pc, args...)
		// An operation folded to one of its operands (x+0, x*1: storage
		// packing at offset 0) computes nothing and cannot overflow.
		if !res.IsConst() && res != args[0] && res != args[1] && res.Taint.Has(TaintUser|TaintStorage) {
			x.record(s, in, args, res)
		}
	default:
		if push == 1 {
			res = apply(op, pc, args...)
		}
	}
	if push == 1 && res == nil {
		res = symbol(op, pc, 0, args...)
	}
	return res
}

func (x *explorer) copyInto(s *pathState, in Instruction, args []*Value) {
	dstArg := args[0]
	if in.Op == EXTCODECOPY {
		dstArg = args[1]
	}
	dst, ok := dstArg.Uint64()
	if !ok {
		return
	}
	t := Taint(0)
	switch in.Op {
	case CALLDATACOPY:
		t = TaintCalldata
	case RETURNDATACOPY:
		t = TaintReturnData
	case MCOPY:
		t = TaintMemory
	}
	n := uint64(64)
	if l, ok := args[len(args)-1].Uint64(); ok && l <= 256 {
		n = l
	}
	for o := dst; o < dst+n; o += 32 {
		s.mstore(o, symbol(in.Op, in.PC, t))
	}
}

func (x *explorer) keccak(s *pathState, pc int, args []*Value) *Value {
	off, ok1 := args[0].Uint64()
	n, ok2 := args[1].Uint64()
	if !ok1 || !ok2 || n > 256 || n%32 != 0 {
		return symbol(KECCAK256, pc, TaintKeccak, args...)
	}
	words := make([]*Value, 0, n/32)
	for o := off; o < off+n; o += 32 {
		words = append(words, s.mload(pc, constU64(pc, o)))
	}
	return symbol(KECCAK256, pc, TaintKeccak, words...)
}

func isPrecompile(addr *Value) bool {
	a, ok := Strip(addr).Uint64()
	return ok && a > 0 && a <= 0x11
}

// selectorCheck recognises a dispatcher branch that is taken (or not)
// exactly when the call data's first four bytes equal a constant
// selector: EQ as solc emits it, or XOR/SUB as vyper and serpent do.
func selectorCheck(cond *Value, taken bool) (uint32, bool) {
	core, truth := Normalize(cond, taken)
	if len(core.Args) != 2 || !(core.Op == EQ && truth || (core.Op == XOR || core.Op == SUB) && !truth) {
		return 0, false
	}
	for i, a := range core.Args {
		o := core.Args[1-i]
		if c, ok := a.Uint64(); ok && c <= 0xffffffff && !o.IsConst() && Contains(o, 6, isCalldataAt0) {
			return uint32(c), true
		}
	}
	return 0, false
}

func isCalldataAt0(v *Value) bool {
	return v.Op == CALLDATALOAD && len(v.Args) == 1 && isConstU(v.Args[0], 0)
}
