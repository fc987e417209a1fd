package compliance

import (
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// testStandard has one clause of each shape: ledger rules for Fabric
// only, node rules, a fact, and a manual clause.
const testStandard = `{
  "id": "test", "code": "TEST-1", "title": {"zh-CN": "测试标准", "en": "Test standard"},
  "kind": "test", "sources": ["https://example.org"], "wording": {"zh-CN": "测试", "en": "test"},
  "clauses": [
    {"number": "1", "title": {"zh-CN": "签名", "en": "Signatures"}, "confirmed": true, "source": "https://example.org",
     "checks": [{"source": "ledger", "rules": {"fabric": ["FAB-SIG-CREATOR", "FAB-PREV-HASH"]}}]},
    {"number": "2", "title": {"zh-CN": "节点", "en": "Nodes"}, "confirmed": false, "note": {"zh-CN": "未核实", "en": "unconfirmed"},
     "checks": [{"source": "nodes", "rules": {"fabric": ["NODE-TLS-EXPIRED"], "evm": ["NODE-TLS-EXPIRED"]}}, {"fact": "nodes-registered"}]},
    {"number": "3", "title": {"zh-CN": "国密", "en": "National crypto"}, "confirmed": true, "source": "https://example.org",
     "checks": [{"fact": "national-crypto"}]},
    {"number": "4", "title": {"zh-CN": "制度", "en": "Policies"}, "confirmed": true, "source": "https://example.org",
     "manual": {"zh-CN": "管理制度须人工核查", "en": "policies need a manual review"}},
    {"number": "5", "title": {"zh-CN": "记录", "en": "Records"}, "confirmed": true, "source": "https://example.org",
     "checks": [{"fact": "ledger-complete"}]}
  ]
}`

func finding(rule, id string, st ledger.Status, sev ledger.Severity) *ledger.Finding {
	return &ledger.Finding{ID: id, Rule: rule, Chain: "c1", Severity: sev, Status: st,
		Subject: ledger.Subject{Kind: "tx", Ref: id}, Message: rule + " on " + id}
}

func TestEvaluate(t *testing.T) {
	std, err := Decode([]byte(testStandard))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	base := Facts{Chain: ledger.Chain{ID: "c1", Kind: ledger.KindFabric, Crypto: ledger.CryptoGM},
		Ingested: true, Height: 100, Genesis: true, GenesisTime: now.AddDate(0, -7, 0),
		Verified: 100, VerifiedKnown: true, Nodes: 2, Probed: 2, Now: now}
	status := func(a Assessment) string {
		var b strings.Builder
		for _, c := range a.Clauses {
			b.WriteString(c.Number + "=" + string(c.Status) + " ")
		}
		return strings.TrimSpace(b.String())
	}
	for _, tc := range []struct {
		name  string
		facts func(f *Facts)
		want  string
	}{
		{"clean gm fabric", func(*Facts) {}, "1=pass 2=pass 3=pass 4=manual 5=pass"},
		{"open finding fails, resolved and false positive do not", func(f *Facts) {
			f.Findings = []*ledger.Finding{
				finding("FAB-PREV-HASH", "a", ledger.StatusOpen, ledger.Critical),
				finding("FAB-SIG-CREATOR", "b", ledger.StatusResolved, ledger.Critical),
				finding("NODE-TLS-EXPIRED", "c", ledger.StatusFalsePositive, ledger.Critical),
			}
		}, "1=fail 2=pass 3=pass 4=manual 5=pass"},
		{"accepted risk still fails", func(f *Facts) {
			f.Findings = []*ledger.Finding{finding("NODE-TLS-EXPIRED", "c", ledger.StatusAcceptedRisk, ledger.Critical)}
		}, "1=pass 2=fail 3=pass 4=manual 5=pass"},
		{"nothing verified, no probes, no genesis", func(f *Facts) {
			f.VerifiedKnown, f.Probed, f.Genesis = false, 0, false
		}, "1=not-evaluated 2=not-evaluated 3=pass 4=manual 5=not-evaluated"},
		{"no nodes registered fails the fact", func(f *Facts) { f.Nodes, f.Probed = 0, 0 }, "1=pass 2=fail 3=pass 4=manual 5=pass"},
		{"fisco: no rules apply", func(f *Facts) { f.Chain.Kind = ledger.KindFisco; f.Nodes = 0 }, "1=not-evaluated 2=fail 3=pass 4=manual 5=pass"},
		{"international crypto", func(f *Facts) { f.Chain.Crypto = ledger.CryptoIntl }, "1=pass 2=pass 3=fail 4=manual 5=pass"},
		{"gap", func(f *Facts) {
			f.Findings = []*ledger.Finding{finding("BRK-GAP", "g", ledger.StatusOpen, ledger.Critical)}
		}, "1=pass 2=pass 3=pass 4=manual 5=fail"},
		{"another chain's finding", func(f *Facts) {
			fd := finding("FAB-PREV-HASH", "x", ledger.StatusOpen, ledger.Critical)
			fd.Chain = "c2"
			f.Findings = []*ledger.Finding{fd}
		}, "1=pass 2=pass 3=pass 4=manual 5=pass"},
	} {
		f := base
		tc.facts(&f)
		a := Evaluate(std, f, "")
		if got := status(a); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		n := 0
		for _, v := range a.Summary {
			n += v
		}
		if n != len(std.Clauses) {
			t.Errorf("%s: summary %v counts %d clauses, want %d", tc.name, a.Summary, n, len(std.Clauses))
		}
		for _, c := range a.Clauses {
			if len(c.Reasons) == 0 {
				t.Errorf("%s: clause %s (%s) gives no reason", tc.name, c.Number, c.Status)
			}
		}
	}
}

// TestEvaluateEvidence lists the failing findings, most severe first, at
// most MaxEvidence, with the count of all of them; and speaks English on
// request.
func TestEvaluateEvidence(t *testing.T) {
	std, _ := Decode([]byte(testStandard))
	f := Facts{Chain: ledger.Chain{ID: "c1", Kind: ledger.KindFabric}, Ingested: true, Height: 9, Verified: 9, VerifiedKnown: true}
	f.Findings = append(f.Findings, finding("FAB-SIG-CREATOR", "low", ledger.StatusOpen, ledger.High))
	for i := range MaxEvidence + 5 {
		f.Findings = append(f.Findings, finding("FAB-PREV-HASH", "p"+string(rune('a'+i)), ledger.StatusOpen, ledger.Critical))
	}
	a := Evaluate(std, f, "en")
	c := a.Clauses[0]
	if c.Status != Fail || c.FindingCount != MaxEvidence+6 || len(c.Findings) != MaxEvidence {
		t.Fatalf("clause 1: %s with %d of %d findings, want fail with %d of %d", c.Status, len(c.Findings), c.FindingCount, MaxEvidence, MaxEvidence+6)
	}
	if c.Findings[0].Severity != "critical" {
		t.Errorf("first evidence is %s, want the critical ones first", c.Findings[0].Severity)
	}
	if a.Lang != "en" || c.Title != "Signatures" || !strings.Contains(c.Reasons[0], "not closed") {
		t.Errorf("English assessment: lang %s, title %q, reasons %q", a.Lang, c.Title, c.Reasons)
	}
	if a.Clauses[1].Note != "unconfirmed" || a.Clauses[1].Confirmed {
		t.Errorf("clause 2 note %q confirmed %v, want the catalogue's note", a.Clauses[1].Note, a.Clauses[1].Confirmed)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, edit, want string }{
		{"unknown field", `"kind": "test",`, `"kind": "test", "extra": 1,`},
		{"unknown fact", `{"fact": "national-crypto"}`, `{"fact": "no-such-fact"}`},
		{"unknown kind", `"evm": ["NODE-TLS-EXPIRED"]`, `"corda": ["NODE-TLS-EXPIRED"]`},
		{"bad source", `"source": "nodes"`, `"source": "disk"`},
		{"manual without reason", `"manual": {"zh-CN": "管理制度须人工核查", "en": "policies need a manual review"}`, `"manual": {}`},
		{"confirmed without source", `"confirmed": true, "source": "https://example.org",
     "checks": [{"fact": "national-crypto"}]`, `"confirmed": true,
     "checks": [{"fact": "national-crypto"}]`},
		{"unconfirmed without note", `"note": {"zh-CN": "未核实", "en": "unconfirmed"}`, `"note": {}`},
		{"duplicate number", `"number": "5"`, `"number": "4"`},
	} {
		b := strings.Replace(testStandard, tc.edit, tc.want, 1)
		if b == testStandard {
			t.Fatalf("%s: edit not applied", tc.name)
		}
		if _, err := Decode([]byte(b)); err == nil {
			t.Errorf("%s: Decode accepted it", tc.name)
		}
	}
}
