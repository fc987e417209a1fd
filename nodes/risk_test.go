package nodes

import (
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

func TestScores(t *testing.T) {
	at := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	f := func(rule *ledger.RuleInfo, chain, kind, ref, org string) ledger.Finding {
		return ledger.NewFinding(rule, chain, ledger.Subject{Kind: kind, Ref: ref, Org: org}, at, rule.Title, nil)
	}
	fs := []ledger.Finding{
		f(RuleEVMAdminAPI, "c", "node", "rpc1", "Ops"),
		f(RuleEVMCORS, "c", "node", "rpc1", "Ops"),
		f(RuleAdvisory, "c", "node", "rpc1#GHSA-x", "Ops"),
		f(RuleAdvisory, "c", "node", "rpc1#GHSA-x", "Ops"), // the same finding twice counts once
		f(RuleNodeOUs, "c", "config", "ch:nodeous:Org2", "Org2"),
		f(RuleCFTOnly, "c", "config", "ch:orderer-type", ""),
	}
	nodes := []Node{{ID: "rpc1", Chain: "c", Org: "Ops"}, {ID: "rpc2", Chain: "c", Org: "Ops"}}
	got := map[string]Score{}
	for _, s := range Scores(nodes, []string{"c"}, fs, at) {
		got[s.Subject] = s
	}
	for _, c := range []struct {
		subject string
		score   int
		level   string
		first   string
	}{
		// critical band 70 + half the weight of the others (high 20, high 20)
		{"node/Ops/rpc1", 90, "critical", "NODE-EVM-ADMIN-API"},
		{"node/Ops/rpc2", 0, "none", ""},
		{"org/c/Ops", 90, "critical", "NODE-EVM-ADMIN-API"},
		// one medium finding: the medium band's floor, labelled medium
		{"org/c/Org2", 20, "medium", "CONS-NODEOUS-DISABLED"},
		{"chain/c", 95, "critical", "NODE-EVM-ADMIN-API"},
	} {
		s, ok := got[c.subject]
		if !ok {
			t.Errorf("Scores lacks %s", c.subject)
			continue
		}
		if s.Score != c.score || s.Level != c.level {
			t.Errorf("Score(%s) = %d %s, want %d %s", c.subject, s.Score, s.Level, c.score, c.level)
		}
		if c.first != "" && (len(s.Contributors) == 0 || s.Contributors[0].Rule != c.first || !strings.Contains(s.Explanation, c.first)) {
			t.Errorf("Score(%s) explanation %q, contributors %v; want %s first", c.subject, s.Explanation, s.Contributors, c.first)
		}
	}
	if len(got) != 5 {
		t.Errorf("Scores = %d subjects, want 5", len(got))
	}
}

func TestScoreCap(t *testing.T) {
	var fs []ledger.Finding
	for i := range 5 {
		fs = append(fs, ledger.NewFinding(RuleCAExpired, "c", ledger.Subject{Kind: "config", Ref: string(rune('a' + i))}, time.Now(), "expired", nil))
	}
	if s := NewScore(SubjectChain, "c", "c", fs, time.Now()); s.Score != 100 || !strings.Contains(s.Explanation, "And 2 more") {
		t.Errorf("NewScore(5 critical) = %d %q, want 100 and a shortened explanation", s.Score, s.Explanation)
	}
}

// TestScoreRanks checks that scores rank what a regulator should look at
// first: the level is the worst open finding's severity, and a subject
// with a worse finding always scores above one without, however many
// lesser findings that one has. Closed findings do not count.
func TestScoreRanks(t *testing.T) {
	at := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	many := func(rule *ledger.RuleInfo, n int, status ledger.Status) []ledger.Finding {
		var fs []ledger.Finding
		for i := range n {
			f := ledger.NewFinding(rule, "c", ledger.Subject{Kind: "config", Ref: rule.ID + string(status) + string(rune('a'+i))}, at, rule.Title, nil)
			f.Status = status
			fs = append(fs, f)
		}
		return fs
	}
	// The dashboard of issue 19: a Fabric chain with many high and
	// medium posture findings and no critical one, a geth chain with two
	// critical findings.
	fabric := NewScore(SubjectChain, "fab", "fab", append(many(RuleCFTOnly, 8, ledger.StatusOpen), append(many(RuleNodeOUs, 12, ledger.StatusOpen), many(RulePolicySingleOrg, 9, ledger.StatusOpen)...)...), at)
	geth := NewScore(SubjectChain, "geth", "geth", many(RuleEVMAdminAPI, 2, ledger.StatusOpen), at)
	closed := NewScore(SubjectChain, "old", "old", append(many(RuleCAExpired, 3, ledger.StatusResolved), append(many(RuleCAExpired, 1, ledger.StatusFalsePositive), many(RuleNodeOUs, 1, ledger.StatusAcknowledged)...)...), at)
	for _, tc := range []struct {
		s     Score
		level string
		lo    int
		hi    int
	}{
		{fabric, "high", 45, 69},
		{geth, "critical", 70, 100},
		{closed, "medium", 20, 44}, // only the acknowledged medium finding is open
	} {
		if tc.s.Level != tc.level || tc.s.Score < tc.lo || tc.s.Score > tc.hi {
			t.Errorf("NewScore(%s) = %d %s, want %s in [%d, %d]: %s", tc.s.Ref, tc.s.Score, tc.s.Level, tc.level, tc.lo, tc.hi, tc.s.Explanation)
		}
	}
	if geth.Score <= fabric.Score {
		t.Errorf("geth with 2 critical findings scores %d, the Fabric chain without one %d; want geth first", geth.Score, fabric.Score)
	}
	if closed.Counts[ledger.Critical] != 0 || len(closed.Contributors) != 1 {
		t.Errorf("NewScore counts closed findings: %+v", closed)
	}
	// Whatever the mix, the band follows the worst severity.
	top := map[ledger.Severity]int{ledger.Critical: 100, ledger.High: 69, ledger.Medium: 44, ledger.Low: 19}
	for _, sev := range []ledger.Severity{ledger.Critical, ledger.High, ledger.Medium, ledger.Low} {
		rule := &ledger.RuleInfo{ID: "TEST-" + strings.ToUpper(string(sev)), Title: "t", Doc: "d", Severity: sev, Category: ledger.CatNode}
		one := NewScore(SubjectNode, "c", "n", many(rule, 1, ledger.StatusOpen), at)
		lots := NewScore(SubjectNode, "c", "n", many(rule, 20, ledger.StatusOpen), at)
		if one.Level != string(sev) || lots.Level != string(sev) || one.Score > lots.Score || lots.Score != top[sev] {
			t.Errorf("%s: one finding %d %s, twenty %d %s; want level %s, rising to the band top %d", sev, one.Score, one.Level, lots.Score, lots.Level, sev, top[sev])
		}
	}
}

// TestExplainLanguages: the explanation of a score is written in the
// asked language, naming severities with the words reports use, and each
// contributor in the words message gives it.
func TestExplainLanguages(t *testing.T) {
	f := ledger.Finding{ID: "f1", Rule: "NODE-TLS-EXPIRED", Chain: "c", Severity: ledger.High, Status: ledger.StatusOpen,
		Subject: ledger.Subject{Kind: SubjectNode, Ref: "peer0", Org: "Org1MSP"}, Message: "TLS certificate expired"}
	s := NewScore(SubjectNode, "c", "peer0", []ledger.Finding{f}, time.Unix(0, 0))
	s.Org = "Org1MSP"
	zh := Explain(s, "zh-CN", func(Contributor) string { return "TLS 证书已过期" })
	for _, want := range []string{"节点 Org1MSP/peer0", "“高”级", "TLS 证书已过期"} {
		if !strings.Contains(zh, want) {
			t.Errorf("zh-CN explanation %q lacks %q", zh, want)
		}
	}
	if en := Explain(s, "en", nil); !strings.Contains(en, "node Org1MSP/peer0 scores") || !strings.Contains(en, "TLS certificate expired") {
		t.Errorf("English explanation = %q", en)
	}
}
