package watch

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/lianjian/lianjian/contracts"
	// The chaincode rules register themselves; Attach accepts their
	// findings.
	_ "github.com/lianjian/lianjian/contracts/chaincode"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// AttachStore is the part of the index Attach reads and writes.
type AttachStore interface {
	ChaincodeHistory(ctx context.Context, chain, name string) ([]ledger.Contract, error)
	PutContractScan(ctx context.Context, s record.ContractScan, fs []ledger.Finding) error
}

// Attachment is an auditor's scan of chaincode source, to be attached to
// one chaincode definition.
type Attachment struct {
	Chain    string
	Name     string
	Version  string // must match the definition's when set
	Sequence uint64
	// Tool names the scanner, Source what was scanned (a path, a
	// repository and commit, a package digest).
	Tool     string
	Source   string
	Findings []contracts.Finding
	At       time.Time
}

// Attach stores an auditor's source scan against the chaincode definition
// (name, sequence) of a chain, with its findings about the chaincode. It
// fails with ledger.ErrNotFound when no such definition was indexed and
// with ErrVersion when the version differs from the definition's.
func Attach(ctx context.Context, store AttachStore, a Attachment) (*record.ContractScan, error) {
	if a.Name == "" || a.Sequence == 0 {
		return nil, fmt.Errorf("%w: attach needs a chaincode name and sequence", ledger.ErrInvalid)
	}
	defs, err := store.ChaincodeHistory(ctx, a.Chain, a.Name)
	if err != nil {
		return nil, fmt.Errorf("attach to %s: %w", a.Name, err)
	}
	var def *ledger.Contract
	for i := range defs {
		if defs[i].Sequence == a.Sequence {
			def = &defs[i]
		}
	}
	if def == nil {
		return nil, fmt.Errorf("attach to %s: sequence %d: %w", a.Name, a.Sequence, ledger.ErrNotFound)
	}
	if a.Version != "" && a.Version != def.Version {
		return nil, fmt.Errorf("%w: %w: have %q want %q", ledger.ErrInvalid, ErrVersion, a.Version, def.Version)
	}
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	s := record.ContractScan{
		Chain: a.Chain, Kind: record.ScanKindChaincode, Ref: a.Name, Version: def.Version, Sequence: def.Sequence,
		DeployTx: def.DeployTx, Deployer: def.Creator, Height: def.Height, Status: record.ScanDone,
		By: record.ScanByAuditor, Tool: cmp.Or(a.Tool, "lianjian"), Source: a.Source, Time: at,
		Counts: contracts.Counts(a.Findings),
	}
	subject := ledger.Subject{Kind: "chaincode", Ref: a.Name, Height: def.Height}
	fs := make([]ledger.Finding, 0, len(a.Findings))
	for i := range a.Findings {
		f := &a.Findings[i]
		if err := validFinding(f); err != nil {
			return nil, err
		}
		lf := f.Ledger(a.Chain, subject, at)
		lf.Evidence["version"] = def.Version
		lf.Evidence["sequence"] = strconv.FormatUint(def.Sequence, 10)
		if def.DeployTx != "" {
			lf.Evidence["deployTx"] = def.DeployTx
		}
		if a.Source != "" {
			lf.Evidence["source"] = a.Source
		}
		fs = append(fs, lf)
		s.Findings = append(s.Findings, lf.ID)
	}
	if err := store.PutContractScan(ctx, s, fs); err != nil {
		return nil, fmt.Errorf("attach to %s#%d: %w", a.Name, a.Sequence, err)
	}
	return &s, nil
}

// validFinding checks a submitted finding: it names a registered contract
// rule, and its severity is that rule's unless it is a known severity.
func validFinding(f *contracts.Finding) error {
	r, ok := ledger.LookupRule(f.Rule)
	if !ok || r.Category != ledger.CatContract {
		return fmt.Errorf("%w: %q is not a contract rule", ledger.ErrInvalid, f.Rule)
	}
	if f.Severity.Rank() < 0 {
		f.Severity = r.Severity
	}
	return nil
}

// SourceFindings converts the findings of a scan of source or bytecode
// that is not tied to a deployed contract (a `lianjian scan` run) into
// stored findings about the scanned source on chain. It rejects findings
// of unknown rules.
func SourceFindings(chain, source string, fs []contracts.Finding, at time.Time) ([]ledger.Finding, error) {
	if !ledger.ValidChainID(chain) || source == "" {
		return nil, fmt.Errorf("%w: source scan needs a chain id and a source name", ledger.ErrInvalid)
	}
	subject := ledger.Subject{Kind: "source", Ref: source}
	out := make([]ledger.Finding, 0, len(fs))
	for i := range fs {
		f := fs[i]
		if err := validFinding(&f); err != nil {
			return nil, err
		}
		lf := f.Ledger(chain, subject, at)
		lf.Evidence["source"] = source
		out = append(out, lf)
	}
	return out, nil
}

// FindingWriter stores findings.
type FindingWriter interface {
	PutFindings(ctx context.Context, fs []ledger.Finding) error
}

// Submit stores the findings of a source or bytecode scan that is not tied
// to a deployed contract (see SourceFindings) and returns their ids.
func Submit(ctx context.Context, w FindingWriter, chain, source string, fs []contracts.Finding, at time.Time) ([]string, error) {
	lfs, err := SourceFindings(chain, source, fs, at)
	if err != nil {
		return nil, err
	}
	if err := w.PutFindings(ctx, lfs); err != nil {
		return nil, fmt.Errorf("store scan of %s: %w", source, err)
	}
	ids := make([]string, len(lfs))
	for i := range lfs {
		ids[i] = lfs[i].ID
	}
	return ids, nil
}
