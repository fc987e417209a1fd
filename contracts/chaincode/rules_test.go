package chaincode

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/lianjian/lianjian/ledger"
)

func TestRules(t *testing.T) {
	tests := []struct {
		rule *Rule
		pkg  string
	}{
		{GlobalState, "globalstate"},
		{MapOrder, "maporder"},
		{Goroutine, "goroutine"},
		{Random, "random"},
		{SystemTime, "systemtime"},
		{ExternalAccess, "external"},
		{ExternalAccess, "startup"},
		{NonStandardLib, "nonstd"},
		{Pointer, "pointer"},
		{PhantomRead, "phantomread"},
		{ReadYourWrite, "readyourwrite"},
		{ReadYourWrite, "localstub"},
		{CrossChannel, "crosschannel"},
		{ChaincodeField, "field"},
	}
	for _, tt := range tests {
		t.Run(tt.rule.ID+"/"+tt.pkg, func(t *testing.T) {
			analysistest.Run(t, analysistest.TestData(), tt.rule.Analyzer, tt.pkg)
		})
	}
}

func TestRulesRegistered(t *testing.T) {
	if err := analysis.Validate(Analyzers()); err != nil {
		t.Fatalf("Validate(Analyzers()) = %v", err)
	}
	for _, r := range Rules() {
		got, ok := ledger.LookupRule(r.ID)
		if !ok || got != &r.RuleInfo {
			t.Errorf("LookupRule(%s) = %v, %v, want the declared rule", r.ID, got, ok)
		}
		if r.Category != ledger.CatContract || len(r.Clauses) == 0 || r.Analyzer == nil {
			t.Errorf("rule %s: category %q, clauses %v, analyzer %v", r.ID, r.Category, r.Clauses, r.Analyzer)
		}
	}
}
