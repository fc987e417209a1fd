package contracts

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Finding is one problem a contract scanner found.
type Finding struct {
	Rule     string            `json:"rule"`
	Severity ledger.Severity   `json:"severity"`
	SWC      string            `json:"swc,omitempty"`
	Message  string            `json:"message"`
	Location Location          `json:"location"`
	Evidence map[string]string `json:"evidence,omitempty"`
}

// Location places a finding in an artifact and, when known, in source.
type Location struct {
	// Path is the artifact, relative to the scan root with forward
	// slashes: a .sol, .go or bytecode file, or a contract address.
	Path     string    `json:"path,omitempty"`
	Contract string    `json:"contract,omitempty"` // contract or chaincode name
	Function string    `json:"function,omitempty"` // name or signature, when known
	Line     int       `json:"line,omitempty"`     // 1-based, 0 when unknown
	EndLine  int       `json:"endLine,omitempty"`
	Column   int       `json:"column,omitempty"` // 1-based, 0 when unknown
	Bytecode *Bytecode `json:"bytecode,omitempty"`
}

// Bytecode places a finding in EVM bytecode.
type Bytecode struct {
	PC       int    `json:"pc"`
	Selector string `json:"selector,omitempty"` // 0x-prefixed 4-byte selector
}

// Sort orders findings by path, line, pc, severity (most urgent first) and
// rule, so that output is stable.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.Contract, b.Location.Contract),
			cmp.Compare(a.Location.Line, b.Location.Line),
			cmp.Compare(pcOf(a), pcOf(b)),
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
}

func pcOf(f Finding) int {
	if f.Location.Bytecode == nil {
		return -1
	}
	return f.Location.Bytecode.PC
}

// place is the part of a finding's location that tells two findings of one
// rule in one subject apart.
func (f *Finding) place() string {
	l := f.Location
	s := l.Path + "|" + l.Contract + "|" + l.Function
	if l.Bytecode != nil {
		return s + "|pc" + strconv.Itoa(l.Bytecode.PC)
	}
	return s + "|L" + strconv.Itoa(l.Line)
}

// Ledger converts f into a stored finding about subject on chain, seen at
// at. The finding id is derived from the rule, the subject and the place
// in the contract, so rescanning the same code updates, not duplicates.
func (f *Finding) Ledger(chain string, subject ledger.Subject, at time.Time) ledger.Finding {
	ev := make(map[string]string, len(f.Evidence)+8)
	for k, v := range f.Evidence {
		ev[k] = v
	}
	set := func(k, v string) {
		if v != "" {
			ev[k] = v
		}
	}
	l := f.Location
	set("swc", f.SWC)
	set("path", l.Path)
	set("contract", l.Contract)
	set("function", l.Function)
	if l.Line > 0 {
		set("line", strconv.Itoa(l.Line))
	}
	if l.Bytecode != nil {
		set("pc", strconv.Itoa(l.Bytecode.PC))
		set("selector", l.Bytecode.Selector)
	}
	info := &ledger.RuleInfo{ID: f.Rule, Severity: f.Severity, Category: ledger.CatContract}
	out := ledger.NewFinding(info, chain, subject, at, f.Message, ev)
	out.ID = ledger.FindingID(f.Rule, chain, ledger.Subject{Kind: subject.Kind, Ref: subject.Ref + "#" + f.place()})
	return out
}
