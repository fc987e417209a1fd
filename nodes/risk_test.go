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
		{"node/rpc1", 80, "critical", "NODE-EVM-ADMIN-API"},
		{"node/rpc2", 0, "none", ""},
		{"org/c/Ops", 80, "critical", "NODE-EVM-ADMIN-API"},
		{"org/c/Org2", 8, "low", "CONS-NODEOUS-DISABLED"},
		{"chain/c", 91, "critical", "NODE-EVM-ADMIN-API"},
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
