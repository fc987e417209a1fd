package report

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/compliance"
	"github.com/lianjian/lianjian/ledger/record"
)

// assessSource adds to memSource what an assessment reads: chains by id,
// the genesis block, audit heights, scans and probes.
type assessSource struct {
	*memSource
	audit  map[string]uint64
	scans  []*record.ContractScan
	probed map[string]bool // org/node
	// ingested, when set, gives the ingest checkpoint of every chain in
	// place of memSource's.
	ingested map[string]uint64
}

func (a assessSource) Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error) {
	if a.ingested == nil {
		return a.memSource.Checkpoint(ctx, chain)
	}
	h, ok := a.ingested[chain]
	if !ok {
		return ledger.Checkpoint{}, ledger.ErrNotFound
	}
	return ledger.Checkpoint{Height: h}, nil
}

func (a assessSource) Chain(_ context.Context, id string) (ledger.Chain, error) {
	for _, c := range a.chains {
		if c.ID == id {
			return c, nil
		}
	}
	return ledger.Chain{}, ledger.ErrNotFound
}

func (a assessSource) Block(_ context.Context, chain string, height uint64) (*ledger.Block, error) {
	if height == 0 && chain == "evm-dev" {
		return &ledger.Block{Chain: chain, Time: t0.AddDate(-1, 0, 0)}, nil
	}
	return nil, ledger.ErrNotFound
}

func (a assessSource) AuditHeight(_ context.Context, chain string) (uint64, bool, error) {
	h, ok := a.audit[chain]
	return h, ok, nil
}

func (a assessSource) ContractScans(_ context.Context, chain, _ string, _ ledger.Page) ([]*record.ContractScan, string, error) {
	var out []*record.ContractScan
	for _, s := range a.scans {
		if s.Chain == chain {
			out = append(out, s)
		}
	}
	return out, "", nil
}

func (a assessSource) Probes(_ context.Context, org, node string, _ int) ([]record.ProbeRecord, error) {
	if a.probed[org+"/"+node] {
		return []record.ProbeRecord{{Org: org, Node: node}}, nil
	}
	return nil, nil
}

// TestAssess assesses the EVM test chain against every standard: each
// clause has an outcome with a reason, the summary counts them, the
// international-crypto chain fails the national-crypto clauses, an
// unknown standard or chain is refused, and both renderings hold the
// clauses in the asked language.
func TestAssess(t *testing.T) {
	src := assessSource{memSource: source(), probed: map[string]bool{"Ops/geth-1": true}}
	ctx := context.Background()
	for _, std := range compliance.Standards() {
		for _, lang := range []string{LangZH, LangEN} {
			a, err := Assess(ctx, src, AssessOptions{Chain: "evm-dev", Standard: std.ID, Lang: lang, Nodes: registered, Now: t0})
			if err != nil {
				t.Fatalf("%s %s: %v", std.ID, lang, err)
			}
			n := 0
			for _, c := range a.Clauses {
				n++
				if len(c.Reasons) == 0 {
					t.Errorf("%s %s clause %s (%s): no reason", std.ID, lang, c.Number, c.Status)
				}
				// Every word the reader sees is in the asked language.
				for _, s := range append([]string{c.Title}, c.Reasons...) {
					if han := hanRE.MatchString(s); han != (lang == LangZH) {
						t.Errorf("%s %s clause %s: %q is not in %s", std.ID, lang, c.Number, s, lang)
					}
				}
			}
			if n != len(std.Clauses) || a.Summary[compliance.Pass]+a.Summary[compliance.Fail]+a.Summary[compliance.NotEvaluated]+a.Summary[compliance.Manual] != n {
				t.Errorf("%s: %d clauses, summary %v; want %d", std.ID, n, a.Summary, len(std.Clauses))
			}
			for _, format := range []string{FormatHTML, FormatJSON} {
				var buf bytes.Buffer
				if err := RenderAssessment(&buf, a, format); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(buf.String(), a.Clauses[0].Title) {
					t.Errorf("%s %s %s: rendering lacks the first clause's title %q", std.ID, lang, format, a.Clauses[0].Title)
				}
			}
		}
	}
	a, err := Assess(ctx, src, AssessOptions{Chain: "evm-dev", Standard: "gmt0111", Nodes: registered, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	var gm *compliance.ClauseResult
	for i, c := range a.Clauses {
		for _, k := range c.Checks {
			if k.Check == "fact:"+compliance.FactNationalCrypto {
				gm = &a.Clauses[i]
			}
		}
	}
	if gm == nil || gm.Status != compliance.Fail {
		t.Errorf("GM/T 0111 national-crypto clause on an international chain: %+v, want fail", gm)
	}
	if _, err := Assess(ctx, src, AssessOptions{Chain: "evm-dev", Standard: "iso27001"}); !errors.Is(err, ErrOptions) {
		t.Errorf("unknown standard: %v, want ErrOptions", err)
	}
	if _, err := Assess(ctx, src, AssessOptions{Chain: "nope", Standard: "gbt42570"}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown chain: %v, want ErrNotFound", err)
	}
}

var hanRE = regexp.MustCompile(`\p{Han}`)

// TestAssessEvidence: a real rule's open finding fails the clauses whose
// checks name it, with the finding as evidence; once resolved they pass.
func TestAssessEvidence(t *testing.T) {
	src := assessSource{memSource: source(), probed: map[string]bool{}, audit: map[string]uint64{"evm-dev": 42}}
	rule := &ledger.RuleInfo{ID: "EVM-TX-ROOT", Title: "x", Doc: "x", Severity: ledger.Critical, Category: ledger.CatIntegrity}
	f := ledger.NewFinding(rule, "evm-dev", ledger.Subject{Kind: "block", Ref: "9", Height: 9}, t0, "transactions root mismatch", map[string]string{"block": "0x09"})
	src.findings = append(src.findings, &f)
	a, err := Assess(context.Background(), src, AssessOptions{Chain: "evm-dev", Standard: "jrt0193", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, c := range a.Clauses {
		for _, e := range c.Findings {
			if e.ID == f.ID {
				failed++
				if c.Status != compliance.Fail {
					t.Errorf("clause %s lists the finding but is %s", c.Number, c.Status)
				}
			}
		}
	}
	if failed == 0 {
		t.Fatal("no JR/T 0193 clause failed on an open EVM-TX-ROOT finding")
	}
	f.Status = ledger.StatusResolved
	a, _ = Assess(context.Background(), src, AssessOptions{Chain: "evm-dev", Standard: "jrt0193", Now: t0})
	for _, c := range a.Clauses {
		if len(c.Findings) > 0 || c.Status == compliance.Fail && c.FindingCount > 0 {
			t.Errorf("clause %s (%s) still lists %d findings after the only one was resolved", c.Number, c.Status, len(c.Findings))
		}
	}
}

// TestAssessVerifiedIsAudited: every kind of chain counts as verified as
// far as its audit checkpoint, never as far as ingest: a chain ingested
// to block 42 and never audited, or audited to block 10 only (an audit
// that lags or keeps failing), is not reported as audited, and its
// ledger rules are not judged until the audit ran.
func TestAssessVerifiedIsAudited(t *testing.T) {
	std, _ := compliance.Lookup("gmt0111")
	status := func(a *compliance.Assessment, check string) (compliance.Status, string) {
		for _, c := range a.Clauses {
			for _, k := range c.Checks {
				if k.Check == check && k.Applies {
					return k.Status, k.Reason
				}
			}
		}
		return "", ""
	}
	for _, chain := range []string{"evm-dev", "fisco-gm", "fab-gm"} {
		for _, tc := range []struct {
			name   string
			audit  map[string]uint64
			want   compliance.Status
			reason string // in the audited fact's reason
			ledger compliance.Status
		}{
			{"never audited", nil, compliance.NotEvaluated, "re-verified yet", compliance.NotEvaluated},
			{"audit behind", map[string]uint64{chain: 10}, compliance.NotEvaluated, "up to block 10 of 42", compliance.Pass},
			{"audit at the ingested height", map[string]uint64{chain: 42}, compliance.Pass, "up to block 42", compliance.Pass},
		} {
			src := assessSource{memSource: source(), audit: tc.audit, ingested: map[string]uint64{chain: 42}}
			src.findings = nil
			a, err := Assess(context.Background(), src, AssessOptions{Chain: chain, Standard: std.ID, Lang: LangEN, Now: t0})
			if err != nil {
				t.Fatalf("%s %s: %v", chain, tc.name, err)
			}
			if got, why := status(a, "fact:"+compliance.FactAudited); got != tc.want || !strings.Contains(why, tc.reason) {
				t.Errorf("%s %s: audited = %s (%q), want %s (%q)", chain, tc.name, got, why, tc.want, tc.reason)
			}
			if got, why := status(a, "rules:"+compliance.SourceLedger); got != "" && got != tc.ledger {
				t.Errorf("%s %s: ledger rules = %s (%q), want %s", chain, tc.name, got, why, tc.ledger)
			}
		}
	}
}
