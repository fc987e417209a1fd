package ruletext

import (
	"strings"
	"testing"
)

func TestLang(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ZH}, {"zh-CN", ZH}, {"zh", ZH}, {"fr", ZH}, {"en", EN}, {"en-US", EN}, {"EN-gb", EN}, {"EN", EN},
	} {
		if got := Lang(tc.in); got != tc.want {
			t.Errorf("Lang(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFor reads one rule in each language: Chinese by default, English on
// request, and nothing for an id neither file holds.
func TestFor(t *testing.T) {
	const id = "EVM-REENTRANCY"
	for _, tc := range []struct {
		lang, title, advice string
	}{
		{"", "外部调用后修改状态（重入）", "SWC-107"},
		{ZH, "外部调用后修改状态（重入）", "检查—生效—交互"},
		{EN, "State change after external call (reentrancy)", "checks-effects-interactions"},
	} {
		got, ok := For(id, tc.lang)
		if !ok || got.Title != tc.title || !strings.Contains(got.Advice, tc.advice) || got.Description == "" {
			t.Errorf("For(%s, %q) = %+v, %v; want title %q and advice citing %q", id, tc.lang, got, ok, tc.title, tc.advice)
		}
	}
	if got, ok := For("NO-SUCH-RULE", ZH); ok {
		t.Errorf("For(NO-SUCH-RULE) = %+v, true; want false", got)
	}
}

// TestForFallsBackToEnglish fills a field the language lacks from English.
func TestForFallsBackToEnglish(t *testing.T) {
	const id = "TEST-PARTIAL"
	zh, en := catalogues()[ZH], catalogues()[EN]
	zh.Rules[id] = Text{Title: "中文标题"}
	en.Rules[id] = Text{Title: "English title", Description: "English description", Advice: "English advice"}
	t.Cleanup(func() { delete(zh.Rules, id); delete(en.Rules, id) })
	got, ok := For(id, ZH)
	want := Text{Title: "中文标题", Description: "English description", Advice: "English advice"}
	if !ok || got != want {
		t.Errorf("For(%s, zh-CN) = %+v, %v; want %+v", id, got, ok, want)
	}
	if got, ok := Exact(id, ZH); !ok || got.Advice != "" {
		t.Errorf("Exact(%s, zh-CN) = %+v, %v; want the zh-CN entry as written", id, got, ok)
	}
}

func TestClause(t *testing.T) {
	for _, tc := range []struct{ clause, lang, want string }{
		{"GB/T 42570-2023 (data integrity)", ZH, "GB/T 42570-2023（数据完整性）"},
		{"GB/T 42570-2023 (data integrity)", EN, "GB/T 42570-2023 (data integrity)"},
		{"SWC-107", ZH, "SWC-107"},
	} {
		if got := Clause(tc.clause, tc.lang); got != tc.want {
			t.Errorf("Clause(%q, %q) = %q, want %q", tc.clause, tc.lang, got, tc.want)
		}
	}
}
