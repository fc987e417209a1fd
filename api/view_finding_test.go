package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
)

// TestFindingRiskAndAdvice reads findings over a real server on loopback
// with the real rule catalogue: each carries its rule's title, advice and
// clauses, and says whether it is a risk shown beside a verification
// status (a replay risk) or a failed integrity check (a header hash).
func TestFindingRiskAndAdvice(t *testing.T) {
	db := openIndex(t, "")
	at := fixT0
	replay := ledger.NewFinding(evm.RuleUnprotected, evmChain, ledger.Subject{Kind: "tx", Ref: fixTxID("evm/1/0"), Height: 1}, at, "unprotected", nil)
	header := ledger.NewFinding(evm.RuleHeaderHash, evmChain, ledger.Subject{Kind: "block", Ref: "ab", Height: 2}, at, "header", nil)
	if err := db.PutFindings(context.Background(), []ledger.Finding{replay, header}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{RateLimit: -1}, Deps{Index: db}) // the registered rule catalogue
	if err != nil {
		t.Fatal(err)
	}
	call := loopback(t, s)
	for _, tc := range []struct {
		f    ledger.Finding
		rule *ledger.RuleInfo
		risk bool
	}{
		{replay, evm.RuleUnprotected, true},
		{header, evm.RuleHeaderHash, false},
	} {
		for _, path := range []string{"/findings/" + tc.f.ID, "/findings?chain=" + evmChain + "&rule=" + tc.f.Rule} {
			code, b := call("GET", Version+path, "")
			if code != http.StatusOK {
				t.Fatalf("GET %s = %d %s", path, code, b)
			}
			var v FindingView
			var page List[FindingView]
			if err := json.Unmarshal(b, &page); err == nil && len(page.Items) == 1 {
				v = page.Items[0]
			} else if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			if v.ID != tc.f.ID || v.Risk != tc.risk || v.Title != tc.rule.Title || v.Advice != tc.rule.Doc || !slices.Equal(v.Clauses, tc.rule.Clauses) {
				t.Errorf("GET %s = %+v; want risk %v with the title, advice and clauses of %s", path, v, tc.risk, tc.rule.ID)
			}
		}
	}
}
