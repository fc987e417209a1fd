package ruletext

import (
	"strings"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	for _, tc := range []struct{ tmpl, err string }{
		{"区块 {height} 的签名无效", ""},
		{"交易 {subject}[（MSP：{msp}）][：{error}]", ""},
		{"{kind} {subject}[，组织 {org}]", ""},
		{"签名者 {signer} 无效", "{signer} may be empty"},
		{"组织 {org}", "{org} may be empty"},
		{"[a [b {x}]]", "nested ["},
		{"a ] b", "] without ["},
		{"[a {x}", "not closed"},
		{"{x", "not closed"},
		{"a } b", "} without {"},
		{"[固定文字]", "holds no {name}"},
		{"{ x }", "bad name"},
	} {
		_, err := parseTemplate(tc.tmpl)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("parseTemplate(%q) = %v, want no error", tc.tmpl, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseTemplate(%q) = %v, want an error containing %q", tc.tmpl, err, tc.err)
		}
	}
}

// TestRender fills templates: built-ins always, an optional segment only
// when all its names have values, evidence values translated from the
// language's value table, long values cut and whitespace folded.
func TestRender(t *testing.T) {
	zh := catalogues()[ZH]
	zh.Values["testReason"] = map[string]string{"expired": "已过期"}
	t.Cleanup(func() { delete(zh.Values, "testReason") })
	v := Values{Subject: "abc", Kind: "tx", Height: 7, Chain: "c1",
		Evidence: map[string]string{"msp": "Org1MSP", "testReason": "expired", "long": strings.Repeat("x", 400), "multi": "a\n  b"}}
	for _, tc := range []struct{ tmpl, want string }{
		{"{kind} {subject} 在区块 {height}（链 {chain}）", Kind("tx", ZH) + " abc 在区块 7（链 c1）"},
		{"签名无效[（MSP：{msp}）][：{error}]", "签名无效（MSP：Org1MSP）"},
		{"[组织 {org}，]原因：[{testReason}]", "原因：已过期"},
		{"[{msp}/{missing}]结束", "结束"},
		{"[{multi}]", "a b"},
	} {
		ps, err := parseTemplate(tc.tmpl)
		if err != nil {
			t.Fatalf("parseTemplate(%q): %v", tc.tmpl, err)
		}
		if got := render(ps, v, ZH); got != tc.want {
			t.Errorf("render(%q) = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
	ps, _ := parseTemplate("[{long}]")
	if got := render(ps, v, ZH); len([]rune(got)) != maxValueRunes || !strings.HasSuffix(got, "…") {
		t.Errorf("a 400-rune value renders as %d runes (%q…), want %d ending in …", len([]rune(got)), got[:10], maxValueRunes)
	}
}

// TestMessage: English returns the recorded message, Chinese the rule's
// template, and a rule without a template its recorded message.
func TestMessage(t *testing.T) {
	const id = "TEST-MESSAGE"
	tm := templates()
	ps, err := parseTemplate("区块 {height} 的交易 {subject} 无效[：{error}]")
	if err != nil {
		t.Fatal(err)
	}
	tm[ZH][id] = ps
	t.Cleanup(func() { delete(tm[ZH], id) })
	v := Values{Subject: "t1", Kind: "tx", Height: 3, Evidence: map[string]string{"error": "bad r"}}
	if got := Message(id, "en", "tx t1 is invalid: bad r", v); got != "tx t1 is invalid: bad r" {
		t.Errorf("Message(en) = %q, want the recorded message", got)
	}
	if got := Message(id, "", "recorded", v); got != "区块 3 的交易 t1 无效：bad r" {
		t.Errorf("Message(zh-CN) = %q", got)
	}
	if got := Message("NO-SUCH-RULE", ZH, "recorded", v); got != "recorded" {
		t.Errorf("Message(no template) = %q, want the recorded message", got)
	}
}
