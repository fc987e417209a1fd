package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/compliance"
)

// TestComplianceCatalogueRules holds the clause catalogue to the rule
// catalogue: every rule a clause's check names is registered, under a
// chain kind it applies to by its id.
func TestComplianceCatalogueRules(t *testing.T) {
	registered := map[string]bool{}
	for _, r := range ledger.Rules() {
		registered[r.ID] = true
	}
	for _, s := range compliance.Standards() {
		for _, c := range s.Clauses {
			for _, k := range c.Checks {
				for kind, ids := range k.Rules {
					for _, id := range ids {
						if !registered[id] {
							t.Errorf("%s clause %s names rule %s (for %s), which no package registers", s.ID, c.Number, id, kind)
						}
					}
				}
			}
		}
	}
}

// TestReportStandard assesses real Fabric ledgers (the national-crypto
// SM2 fork and upstream) as a user would: ingest, audit, then report
// --standard, as JSON and as a printable page.
func TestReportStandard(t *testing.T) {
	needFixtures(t)
	dir := t.TempDir()
	for _, c := range []struct{ fixture, chain string }{{"fabric-gm-sm2/peer", "gm"}, {"fabric-2.5.9/peer", "up"}} {
		if _, stderr, err := runCmd(t, "ingest", "--data-dir", dir, "--fabric-dir", filepath.Join(sharedFixtures, c.fixture), "--chain", c.chain, "--progress", "never"); err != nil {
			t.Fatalf("ingest %s: %v\n%s", c.fixture, err, stderr)
		}
		if _, stderr, err := runCmd(t, "audit", "--data-dir", dir, "--chain", c.chain+"-mychannel", "--from", "0"); err != nil {
			t.Fatalf("audit %s: %v\n%s", c.chain, err, stderr)
		}
	}
	std, _ := compliance.Lookup("gmt0111")
	status := func(a compliance.Assessment, fact string) compliance.Status {
		for _, c := range a.Clauses {
			for _, k := range c.Checks {
				if k.Check == "fact:"+fact {
					return k.Status
				}
			}
		}
		return ""
	}
	for _, tc := range []struct {
		chain string
		gm    compliance.Status
	}{{"gm-mychannel", compliance.Pass}, {"up-mychannel", compliance.Fail}} {
		out, stderr, err := runCmd(t, "report", "--data-dir", dir, "--standard", "gmt0111", "--chain", tc.chain, "--format", "json")
		if err != nil {
			t.Fatalf("report --standard gmt0111 --chain %s: %v\n%s", tc.chain, err, stderr)
		}
		var a compliance.Assessment
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("report --standard: %v\n%s", err, out)
		}
		if len(a.Clauses) != len(std.Clauses) || a.Lang != "zh-CN" || a.Chain != tc.chain {
			t.Errorf("%s: %d clauses in %s for %s, want %d in zh-CN", tc.chain, len(a.Clauses), a.Lang, a.Chain, len(std.Clauses))
		}
		if got := status(a, compliance.FactNationalCrypto); got != tc.gm {
			t.Errorf("%s: national-crypto check %q, want %q", tc.chain, got, tc.gm)
		}
		for _, f := range []string{compliance.FactAudited, compliance.FactLedgerComplete} {
			if got := status(a, f); got != compliance.Pass {
				t.Errorf("%s: %s check %q after a full ingest and audit, want pass", tc.chain, f, got)
			}
		}
		if got := status(a, compliance.FactNodesRegistered); got != compliance.Fail {
			t.Errorf("%s: nodes-registered %q with no node registered, want fail", tc.chain, got)
		}
	}

	// The printable page, written to a file, with a Chinese summary line.
	page := filepath.Join(t.TempDir(), "gm.html")
	_, stderr, err := runCmd(t, "report", "--data-dir", dir, "--standard", "jrt0193", "--chain", "gm-mychannel", "--out", page)
	if err != nil {
		t.Fatalf("report --standard jrt0193 --out: %v\n%s", err, stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, "合规评估报告") || !strings.Contains(s, "JR/T 0193-2020") || !strings.Contains(s, "监管支撑") {
		t.Errorf("printable assessment lacks its title, standard or the 监管支撑 clause:\n%.2000s", s)
	}
	if !strings.Contains(stderr, "合规评估：JR/T 0193-2020") || !strings.Contains(stderr, page) {
		t.Errorf("report --out printed %q, want the Chinese summary naming the file", stderr)
	}

	for _, args := range [][]string{
		{"report", "--data-dir", dir, "--standard", "iso27001", "--chain", "gm-mychannel"},
		{"report", "--data-dir", dir, "--standard", "gmt0111"},
		{"report", "--data-dir", dir, "--standard", "gmt0111", "--chain", "gm-mychannel", "--format", "csv"},
	} {
		if _, _, err := runCmd(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("%v = %v, want a usage error", args, err)
		}
	}
	if _, _, err := runCmd(t, "report", "--data-dir", dir, "--standard", "gmt0111", "--chain", "nope"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("report --standard on an unknown chain = %v, want not found", err)
	}
}
