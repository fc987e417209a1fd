package evm

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/ledger"
)

// Detector is an EVM bytecode rule: a declared value run over one Pass.
type Detector = contracts.Rule[*Pass]

// DefaultMaxSteps bounds the instructions the path explorer executes per
// contract, keeping a scan within tens of milliseconds.
const DefaultMaxSteps = 400_000

// Options tunes a scan. The zero value runs every detector with the
// built-in signature table on a Keccak-256 chain.
type Options struct {
	// Hash is the chain's selector and topic hash: "" or HashKeccak256,
	// or HashSM3 for FISCO BCOS national-crypto (GM) chains. Selector
	// names and the constants detectors match (Panic(uint256), EIP-1967
	// slots) are derived with it.
	Hash Hash
	// Signatures names function selectors, e.g. from ParseABI; the
	// built-in table of common signatures is consulted after it. Under a
	// Hash other than Keccak-256 its text signatures are hashed again, so
	// one table serves every chain.
	Signatures Signatures
	// Detectors to run; nil runs All(), an empty slice none (exploration
	// and the CFG only).
	Detectors []*Detector
	// MaxSteps bounds path exploration; 0 means DefaultMaxSteps.
	MaxSteps int
	// Constructor says the code is creation bytecode: the constructor,
	// which runs once for the deployer and returns the runtime code. Only
	// the detectors of ConstructorDetectors apply (the others model any
	// caller calling a deployed contract); findings name the function
	// "constructor".
	Constructor bool
}

// Validate checks the options; Scan calls it.
func (o Options) Validate() error { return o.Hash.Validate() }

// Function is one public entry point found in the dispatcher.
type Function struct {
	Selector uint32
	Name     string // text signature when known, else ""
	Entry    int    // pc the dispatcher jumps to
}

// Label returns the signature when known, else the 0x selector.
func (f Function) Label() string {
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprintf("0x%08x", f.Selector)
}

// Result is the outcome of scanning one contract's runtime bytecode.
type Result struct {
	Program   *Program   // empty for WASM code
	CFG       *CFG       // empty for WASM code
	Functions []Function // sorted by selector
	Findings  []contracts.Finding
	// Hash is the selector hash the scan used, never "".
	Hash Hash
	// WASM reports WebAssembly code (a FISCO BCOS liquid contract): it
	// was not analysed, Program and CFG are empty, Findings holds only a
	// RuleWASM finding and Complete is false.
	WASM bool
	// Complete is false when path exploration hit MaxSteps, so some paths
	// were not analysed.
	Complete bool
	Steps    int // instructions executed by the explorer
}

// Pass is what a detector sees: the program, its graph and the events
// the path explorer recorded.
type Pass struct {
	Program   *Program
	CFG       *CFG
	Functions []Function
	// Hash is the chain's selector and topic hash: derive selectors and
	// event topics with Hash.Selector and Hash.Sum rather than matching
	// Keccak-256 constants.
	Hash Hash
	// Events are every recorded instruction on every explored path.
	Events []*Event
	// Paths holds the last event of each path that ended successfully
	// (STOP, RETURN or SELFDESTRUCT), or that reached an explored state
	// from which a path ended successfully (its last event is then a
	// JUMPDEST at that state, carrying the path's guards); follow Prev
	// for the path's events.
	Paths []*Event

	names    map[uint32]string
	known    *known // constants derived with Hash
	inLoop   map[int]bool
	rule     *Detector
	found    []contracts.Finding
	seen     map[string]bool
	authMemo map[*Guard]bool
	// constructor is set when the code is creation bytecode.
	constructor bool
	auth        map[*Guard]string // access-check guards and the slot each trusts
	weak        map[string]bool
}

// InLoop reports whether the instruction of ev ran inside a loop body on
// some explored path.
func (p *Pass) InLoop(ev *Event) bool { return p.inLoop[ev.PC] }

// Report records a finding of the running detector at ev's instruction.
// Reports at the same pc by the same rule are merged.
func (p *Pass) Report(ev *Event, msg string, evidence map[string]string) {
	key := p.rule.Info.ID + "@" + strconv.Itoa(ev.PC)
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	f := contracts.Finding{
		Rule:     p.rule.Info.ID,
		Severity: p.rule.Info.Severity,
		SWC:      contracts.SWC(&p.rule.Info),
		Message:  msg,
		Evidence: evidence,
		Location: contracts.Location{Bytecode: &contracts.Bytecode{PC: ev.PC}},
	}
	switch {
	case p.constructor:
		f.Location.Function = "constructor"
	case ev.InFunction:
		f.Location.Bytecode.Selector = fmt.Sprintf("0x%08x", ev.Selector)
		f.Location.Function = Function{Selector: ev.Selector, Name: p.names[ev.Selector]}.Label()
	}
	p.found = append(p.found, f)
}

// Scan disassembles runtime bytecode, explores its paths and runs the
// detectors. WebAssembly code is not analysed: the result has WASM set
// and a RuleWASM finding. Scan fails only on empty code, invalid options
// or a detector error.
func Scan(code []byte, opts Options) (*Result, error) {
	if len(code) == 0 {
		return nil, ErrEmptyCode
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	hash := Hash(opts.Hash.String())
	if IsWASM(code) {
		return wasmResult(code, hash), nil
	}
	prog := Disassemble(code)
	maxSteps := opts.MaxSteps
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}
	x := newExplorer(prog, maxSteps)
	x.run()
	res := &Result{Program: prog, CFG: buildCFG(prog, x), Hash: hash, Complete: x.complete, Steps: x.steps}
	sigs := opts.Signatures.rekey(hash)
	names := map[uint32]string{}
	for sel, entry := range x.funcs {
		fn := Function{Selector: sel, Name: sigs.lookup(sel, hash), Entry: entry}
		names[sel] = fn.Name
		res.Functions = append(res.Functions, fn)
	}
	slices.SortFunc(res.Functions, func(a, b Function) int { return int(int64(a.Selector) - int64(b.Selector)) })
	pass := &Pass{
		Program: prog, CFG: res.CFG, Functions: res.Functions, Hash: hash, Events: x.events, Paths: x.paths,
		names: names, known: hash.known(), inLoop: x.inLoop, seen: map[string]bool{}, authMemo: map[*Guard]bool{},
		constructor: opts.Constructor,
	}
	pass.auth = authGuards(pass)
	pass.weak = weakSlots(pass)
	ds := opts.Detectors
	if ds == nil {
		ds = All()
	}
	if opts.Constructor {
		ds = slices.DeleteFunc(slices.Clone(ds), func(d *Detector) bool { return !slices.Contains(ConstructorDetectors(), d) })
	}
	for _, d := range ds {
		pass.rule = d
		if err := d.Run(pass); err != nil {
			return nil, fmt.Errorf("detector %s: %w", d.Info.ID, err)
		}
	}
	res.Findings = pass.found
	contracts.Sort(res.Findings)
	return res, nil
}

// All returns every EVM detector, in catalogue order.
func All() []*Detector {
	return []*Detector{
		SelfDestruct, DelegateCall, TxOrigin, UncheckedCall, FailedCallDoS, Reentrancy, Timestamp,
		WeakRandomness, EtherWithdrawal, ArbitraryJump, ArbitraryStorage, IntegerOverflow, UnboundedLoop, TxOrder, ShortAddress,
		HardcodedGas, OwnerOverwrite, Proxy, AccessControl,
	}
}

// ConstructorDetectors returns the detectors that apply to constructor
// code. A constructor runs once, for the deployer, before the contract
// has code: access control, withdrawals, reentrancy (a callee calling
// back finds no code) and caller-supplied targets do not arise there, but
// unchecked calls, calls that must succeed in a loop, block values used
// as randomness or as a clock, unchecked arithmetic on stored values and
// fixed gas amounts do.
func ConstructorDetectors() []*Detector {
	return []*Detector{UncheckedCall, FailedCallDoS, Timestamp, WeakRandomness, IntegerOverflow, HardcodedGas}
}

func init() {
	for _, d := range All() {
		if err := d.Validate(); err != nil {
			panic(err)
		}
		ledger.Register(&d.Info)
	}
}
