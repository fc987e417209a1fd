package chaincode

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

func TestAnalyze(t *testing.T) {
	got, err := Analyze(context.Background(), filepath.Join("testdata", "mod", "asset"))
	if err != nil {
		t.Fatalf("Analyze(asset) error = %v", err)
	}
	want := []struct {
		rule, file string
		line       int
		sev        ledger.Severity
	}{
		{ruleTime, "lib/lib.go", 7, ledger.Medium},
		{ruleField, "main.go", 14, ledger.Medium},
		{ruleTime, "main.go", 20, ledger.Medium},
		{ruleMapOrder, "main.go", 29, ledger.High},
	}
	if len(got) != len(want) {
		t.Fatalf("Analyze(asset) = %d findings %v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Rule != w.rule || g.File != w.file || g.Line != w.line || g.Severity != w.sev || g.Column == 0 || g.Message == "" {
			t.Errorf("finding %d = %v (%s), want %s at %s:%d (%s)", i, g, g.Severity, w.rule, w.file, w.line, w.sev)
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	tests := []struct {
		name, dir string
		want      error
		mention   string
	}{
		{"not Go", filepath.Join("testdata", "mod", "asset", "go.mod"), ErrNoPackages, "not a directory or .go file"},
		{"no such directory", filepath.Join("testdata", "mod", "nowhere"), nil, "nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Analyze(context.Background(), tt.dir)
			if err == nil {
				t.Fatalf("Analyze(%s) = %v, want error", tt.dir, got)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Analyze(%s) error = %v, want %v", tt.dir, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Analyze(%s) error = %v, want it to mention %q", tt.dir, err, tt.mention)
			}
		})
	}
}

func TestFindingLedger(t *testing.T) {
	at := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	a := Finding{Rule: ruleTime, Severity: ledger.Medium, Package: "p", File: "a.go", Line: 3, Column: 2, Message: "m"}
	b := a
	b.Line = 4
	la, err := a.Ledger("ch1", "basic", at)
	if err != nil {
		t.Fatalf("Ledger() error = %v", err)
	}
	lb, _ := b.Ledger("ch1", "basic", at)
	if la.Rule != ruleTime || la.Category != ledger.CatContract || la.Severity != ledger.Medium ||
		la.Subject.Kind != "contract" || la.Subject.Ref != "basic" || la.Evidence["line"] != "3" ||
		la.Status != ledger.StatusOpen || !la.FirstSeen.Equal(at) {
		t.Errorf("Ledger() = %+v", la)
	}
	if la.ID == lb.ID {
		t.Errorf("Ledger() ids of findings on lines 3 and 4 are both %s, want distinct", la.ID)
	}
	if _, err := (Finding{Rule: "CC-NOPE"}).Ledger("ch1", "basic", at); !errors.Is(err, ledger.ErrInvalidRule) {
		t.Errorf("Ledger(unknown rule) error = %v, want ErrInvalidRule", err)
	}
}
