package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/ruletext"
)

// TestFindingRiskAndAdvice reads findings over a real server on loopback
// with the real rule catalogue: each carries its rule's title,
// description and advice in the request's language (Chinese by default),
// its clauses, and whether it is a risk shown beside a verification status
// (a replay risk) or a failed integrity check (a header hash).
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
		for _, lang := range []struct{ query, want string }{{"", ruletext.ZH}, {"&lang=zh-CN", ruletext.ZH}, {"&lang=en", ruletext.EN}} {
			text, ok := ruletext.For(tc.rule.ID, lang.want)
			if !ok || text.Advice == "" || text.Description == "" {
				t.Fatalf("ruletext.For(%s, %s) = %+v, %v; want the rule's texts", tc.rule.ID, lang.want, text, ok)
			}
			var names []string
			for _, c := range tc.rule.Clauses {
				names = append(names, ruletext.Clause(c, lang.want))
			}
			for _, path := range []string{"/findings/" + tc.f.ID + "?x=1" + lang.query, "/findings?chain=" + evmChain + "&rule=" + tc.f.Rule + lang.query} {
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
				if v.ID != tc.f.ID || v.Risk != tc.risk || v.Title != text.Title || v.Description != text.Description || v.Advice != text.Advice ||
					!slices.Equal(v.Clauses, tc.rule.Clauses) || !slices.Equal(v.ClauseNames, names) {
					t.Errorf("GET %s = %+v; want risk %v with the %s title, description, advice and clauses of %s", path, v, tc.risk, lang.want, tc.rule.ID)
				}
				if hanned := hasHanText(v.Title + v.Description + v.Advice); hanned != (lang.want == ruletext.ZH) {
					t.Errorf("GET %s: title, description and advice hold Chinese = %v, want %v", path, hanned, lang.want == ruletext.ZH)
				}
			}
		}
	}
	if code, b := call("GET", Version+"/findings/"+replay.ID+"?lang=fr", ""); code != http.StatusBadRequest {
		t.Errorf("GET /findings/%s?lang=fr = %d %s, want 400", replay.ID, code, b)
	}
	// The catalogue speaks the request's language too; doc stays English.
	for _, lang := range []string{ruletext.ZH, ruletext.EN} {
		code, b := call("GET", Version+"/rules?lang="+lang, "")
		var page List[RuleView]
		if err := json.Unmarshal(b, &page); code != http.StatusOK || err != nil {
			t.Fatalf("GET /rules?lang=%s = %d %s", lang, code, b)
		}
		want, _ := ruletext.For(evm.RuleUnprotected.ID, lang)
		i := slices.IndexFunc(page.Items, func(r RuleView) bool { return r.ID == evm.RuleUnprotected.ID })
		if i < 0 || page.Items[i].Title != want.Title || page.Items[i].Advice != want.Advice || page.Items[i].Doc != evm.RuleUnprotected.Doc {
			t.Errorf("GET /rules?lang=%s: %s = %+v, want title %q and advice %q", lang, evm.RuleUnprotected.ID, page.Items, want.Title, want.Advice)
		}
	}
}

// hasHanText reports whether s holds a Chinese character.
func hasHanText(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}
