package report

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ruletext"
	"github.com/lianjian/lianjian/ledger/supervise"
	"github.com/lianjian/lianjian/nodes"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata")

// memSource is an in-memory Source.
type memSource struct {
	chains    []ledger.Chain
	findings  []*ledger.Finding
	states    map[string]supervise.State
	contracts map[string][]*ledger.Contract
}

func (m *memSource) Chains(context.Context) ([]ledger.Chain, error) { return m.chains, nil }
func (m *memSource) Checkpoint(_ context.Context, chain string) (ledger.Checkpoint, error) {
	if chain == "evm-dev" {
		return ledger.Checkpoint{Height: 42}, nil
	}
	return ledger.Checkpoint{}, ledger.ErrNotFound
}
func (m *memSource) Contracts(_ context.Context, chain string, _ ledger.Page) ([]*ledger.Contract, string, error) {
	return m.contracts[chain], "", nil
}
func (m *memSource) Findings(_ context.Context, q ledger.FindingFilter, _ ledger.Page) ([]*ledger.Finding, string, error) {
	var out []*ledger.Finding
	for _, f := range m.findings {
		if q.Match(f) {
			out = append(out, f)
		}
	}
	return out, "", nil
}

// memNodes is an in-memory NodeLister that filters like the registry.
type memNodes []nodes.Revision

func (m memNodes) List(_ context.Context, f nodes.Filter) ([]nodes.Revision, error) {
	var out []nodes.Revision
	for _, n := range m {
		if (f.Chain != "" && n.Chain != f.Chain) || (f.Org != "" && n.Org != f.Org) || (n.Retired && !f.Retired) {
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

// registered are the nodes of the reports: two active, one retired.
var registered = memNodes{
	{Node: nodes.Node{ID: "peer0-org1", Chain: "fab-gm", Org: "Org1MSP", Kind: nodes.FabricPeer, Endpoint: "127.0.0.1:7051", Version: "2.5.9", TLSCA: "x"}, Rev: 1},
	{Node: nodes.Node{ID: "geth-1", Chain: "evm-dev", Org: "Ops", Kind: nodes.EVMRPC, Endpoint: "http://127.0.0.1:8545"}, Rev: 1},
	{Node: nodes.Node{ID: "peer9-org2", Chain: "fab-gm", Org: "Org2MSP", Kind: nodes.FabricPeer, Endpoint: "127.0.0.1:9051", Retired: true}, Rev: 2},
}

func (m *memSource) FindingState(_ context.Context, id string) (supervise.State, error) {
	return m.states[id], nil
}

var (
	t0    = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	rules = []*ledger.RuleInfo{
		{ID: "CRY-WEAK-ALGO", Title: "Non-GM signature on a GM chain", Doc: "Use SM2 certificates issued by the GM CA.", Severity: ledger.High, Category: ledger.CatCrypto, Clauses: []string{"GM/T 0111-2021 6.2"}, Risk: true},
		{ID: "INT-HEADER-HASH", Title: "Block header hash mismatch", Doc: "Re-sync the peer from a trusted orderer.", Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{"GB/T 42570-2023 7.3"}},
	}
)

func source() *memSource {
	f1 := ledger.NewFinding(rules[1], "evm-dev", ledger.Subject{Kind: "block", Ref: "0xabc", Height: 7}, t0, "header hash differs", map[string]string{"have": "0x01", "want": "0x02"})
	f2 := ledger.NewFinding(rules[0], "fab-gm", ledger.Subject{Kind: "identity", Ref: "ab12", Org: "Org1MSP"}, t0.Add(time.Hour), "ECDSA creator <script>", nil)
	f2.Status = ledger.StatusRectifying
	f3 := ledger.NewFinding(rules[0], "fab-gm", ledger.Subject{Kind: "identity", Ref: "cd34", Org: "Org2MSP"}, t0.Add(2*time.Hour), "=cmd|' /C calc'!A0", nil)
	f3.Status = ledger.StatusResolved
	return &memSource{
		chains: []ledger.Chain{
			{ID: "evm-dev", Kind: ledger.KindEVM, Crypto: ledger.CryptoIntl},
			{ID: "fab-gm", Kind: ledger.KindFabric, Network: "gmnet", Channel: "mychannel", Crypto: ledger.CryptoGM},
			{ID: "fisco-gm", Kind: ledger.KindFisco, Name: "FISCO BCOS 3.x", Crypto: ledger.CryptoGM, Group: "group0"},
		},
		findings: []*ledger.Finding{&f1, &f2, &f3},
		states: map[string]supervise.State{
			f2.ID: {Seq: 2, Deadline: t0.Add(24 * time.Hour)},
			f3.ID: {Seq: 3, Confirmed: true},
		},
		contracts: map[string][]*ledger.Contract{"fab-gm": {{Chain: "fab-gm", Address: "basic", Version: "1.0", Sequence: 2, Height: 5}}},
	}
}

func TestReportGolden(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	for _, tc := range []struct {
		name, format string
		o            Options
	}{
		{"all-zh.html", FormatHTML, Options{}},
		{"all-en.html", FormatHTML, Options{Lang: LangEN}},
		{"org1.json", FormatJSON, Options{Chain: "fab-gm", Org: "Org1MSP"}},
		{"all-en.csv", FormatCSV, Options{Lang: LangEN}},
		{"all-zh.csv", FormatCSV, Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Now = now
			tc.o.Rules = func() []*ledger.RuleInfo { return rules }
			tc.o.Nodes = registered
			r, err := Build(context.Background(), source(), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := r.Render(&buf, tc.format); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", tc.name)
			if *update {
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("report %s differs from %s:\n%s", tc.name, file, buf.Bytes())
			}
		})
	}
}

func TestReportContent(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	r, err := Build(context.Background(), source(), Options{Now: now, Rules: func() []*ledger.RuleInfo { return rules }, Nodes: registered})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Total != 3 || r.Summary.Critical != 1 || r.Progress.Closed != 1 || r.Progress.Percent != 33 ||
		r.Progress.Overdue != 1 || r.Progress.Confirmed != 1 || r.Findings[0].Rule != "INT-HEADER-HASH" {
		t.Errorf("report = %+v %+v, first %s", r.Summary, r.Progress, r.Findings[0].Rule)
	}
	if r.Findings[0].Recommendation != rules[1].Doc || r.Basis[0].Findings != 2 || r.Scope.Chains[0].Height != 42 || len(r.Scope.Nodes) != 2 {
		t.Errorf("rows, basis or scope wrong: %+v %+v %+v", r.Findings[0], r.Basis, r.Scope.Chains)
	}
	// A failed integrity check and a risk beside the verification status,
	// as the API and the console tell them apart.
	for _, row := range r.Findings {
		if want := row.Rule == "CRY-WEAK-ALGO"; row.Risk != want {
			t.Errorf("row %s risk = %v, want %v", row.Rule, row.Risk, want)
		}
	}
	var html, csv bytes.Buffer
	_ = r.Render(&html, FormatHTML)
	_ = r.Render(&csv, FormatCSV)
	for _, bad := range []string{"<script", "src=", "href=", "@import", "url("} {
		if strings.Contains(html.String(), bad) {
			t.Errorf("HTML report contains %q: not self-contained or not escaped", bad)
		}
	}
	if !strings.Contains(html.String(), `lang="zh-CN"`) || !strings.Contains(html.String(), "整改进度") {
		t.Error("HTML report is not Chinese by default")
	}
	if !strings.Contains(csv.String(), `'=cmd`) {
		t.Errorf("CSV does not defuse a formula:\n%s", csv.String())
	}
	for _, tc := range []struct {
		o    Options
		want error
	}{
		{Options{Chain: "nope"}, ledger.ErrUnknownChain},
		{Options{Lang: "fr"}, ErrOptions},
		{Options{From: now, To: t0}, ErrOptions},
	} {
		if _, err := Build(context.Background(), source(), tc.o); !errors.Is(err, tc.want) {
			t.Errorf("Build(%+v) = %v, want %v", tc.o, err, tc.want)
		}
	}
	if err := r.Render(&html, "pdf"); !errors.Is(err, ErrOptions) {
		t.Errorf("Render(pdf) = %v", err)
	}
}

// TestReportRuleTexts builds a report over a finding of a catalogued rule
// in each language: its title, recommendation and basis title come from
// ledger/ruletext, and the HTML shows the recommendation.
func TestReportRuleTexts(t *testing.T) {
	replay := &ledger.RuleInfo{ID: "EVM-REPLAY-UNPROTECTED", Title: "Transaction without EIP-155 replay protection", Doc: "English doc.",
		Severity: ledger.Medium, Category: ledger.CatIntegrity, Clauses: []string{"EIP-155"}, Risk: true}
	src := source()
	f := ledger.NewFinding(replay, "evm-dev", ledger.Subject{Kind: "tx", Ref: "0xdef", Height: 3}, t0, "legacy tx", nil)
	src.findings = []*ledger.Finding{&f}
	for _, lang := range []string{LangZH, LangEN} {
		want, ok := ruletext.For(replay.ID, lang)
		if !ok {
			t.Fatalf("ruletext.For(%s, %s) = false", replay.ID, lang)
		}
		r, err := Build(context.Background(), src, Options{Lang: lang, Now: t0.Add(time.Hour), Rules: func() []*ledger.RuleInfo { return []*ledger.RuleInfo{replay} }})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Findings) != 1 || r.Findings[0].Title != want.Title || r.Findings[0].Recommendation != want.Advice || r.Basis[0].Title != want.Title {
			t.Errorf("Build(lang %s) = findings %+v, basis %+v; want title %q and recommendation %q", lang, r.Findings, r.Basis, want.Title, want.Advice)
		}
		var html bytes.Buffer
		if err := r.Render(&html, FormatHTML); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html.String(), template.HTMLEscapeString(want.Advice)) {
			t.Errorf("HTML report (%s) lacks the recommendation %q", lang, want.Advice)
		}
	}
}
