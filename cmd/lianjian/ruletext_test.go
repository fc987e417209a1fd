package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ruletext"
)

// TestRuleTexts walks every rule the linked packages register (the same
// catalogue 'lianjian rules' prints) and holds ledger/ruletext to it: each
// rule has a Chinese title, description, advice and finding message
// template that are Chinese (the template's evidence keys labelled in
// both languages), and
// English advice and the declared English title; the advice in each
// language cites every clause the rule serves; and neither catalogue names
// a rule nobody registers.
func TestRuleTexts(t *testing.T) {
	rules := ledger.Rules()
	if len(rules) < 100 {
		t.Fatalf("ledger.Rules() = %d rules; want the whole catalogue linked into the command", len(rules))
	}
	registered := map[string]bool{}
	for _, r := range rules {
		registered[r.ID] = true
		zh, okZH := ruletext.Exact(r.ID, ruletext.ZH)
		en, okEN := ruletext.Exact(r.ID, ruletext.EN)
		var problems []string
		switch {
		case !okZH:
			problems = append(problems, "no zh-CN text")
		default:
			for _, f := range []struct{ name, s string }{{"title", zh.Title}, {"description", zh.Description}, {"advice", zh.Advice}} {
				switch {
				case strings.TrimSpace(f.s) == "":
					problems = append(problems, "no zh-CN "+f.name)
				case !hasHan(f.s):
					problems = append(problems, "zh-CN "+f.name+" is not Chinese: "+f.s)
				}
			}
			for _, c := range r.Clauses {
				if c := ruletext.Clause(c, ruletext.ZH); !strings.Contains(zh.Advice, c) {
					problems = append(problems, "zh-CN advice does not cite "+c)
				}
			}
			// The finding message: a Chinese template whose evidence
			// keys are labelled in both languages.
			names, ok := ruletext.TemplateNames(r.ID, ruletext.ZH)
			switch {
			case !ok:
				problems = append(problems, "no zh-CN message template")
			case !hasHan(zh.Message):
				problems = append(problems, "zh-CN message is not Chinese: "+zh.Message)
			}
			for _, n := range names {
				if ruletext.Builtin(n) {
					continue
				}
				for _, l := range []string{ruletext.ZH, ruletext.EN} {
					if !ruletext.Labelled(n, l) {
						problems = append(problems, "evidence key "+n+" of the message has no "+l+" label")
					}
				}
			}
		}
		switch {
		case !okEN:
			problems = append(problems, "no en text")
		default:
			if strings.TrimSpace(en.Advice) == "" {
				problems = append(problems, "no en advice")
			}
			if en.Title != r.Title {
				// The declaration changed: docs/rules.md shows its title,
				// so the texts (both languages) need a look too.
				problems = append(problems, "en title "+strconv.Quote(en.Title)+" is not the declared "+strconv.Quote(r.Title))
			}
			for _, c := range r.Clauses {
				if !strings.Contains(en.Advice, c) {
					problems = append(problems, "en advice does not cite "+c)
				}
			}
		}
		if len(problems) > 0 {
			t.Errorf("rule %s: %s", r.ID, strings.Join(problems, "; "))
		}
	}
	for _, lang := range []string{ruletext.ZH, ruletext.EN} {
		for _, id := range ruletext.IDs(lang) {
			if !registered[id] {
				t.Errorf("ruletext %s.json holds %s, which no rule registers", lang, id)
			}
		}
	}
}

// TestRulesCommandLanguages prints the catalogue as 'lianjian rules' does:
// Chinese titles by default, English ones with --lang en.
func TestRulesCommandLanguages(t *testing.T) {
	const id = "EVM-REENTRANCY"
	for _, tc := range []struct {
		args []string
		lang string
	}{
		{[]string{"rules"}, ruletext.ZH},
		{[]string{"rules", "--lang", "en"}, ruletext.EN},
	} {
		out, _, err := runCmd(t, tc.args...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		want, _ := ruletext.For(id, tc.lang)
		var line string
		for l := range strings.SplitSeq(out, "\n") {
			if strings.HasPrefix(l, id+" ") {
				line = l
			}
		}
		if !strings.HasSuffix(line, " "+want.Title) {
			t.Errorf("%v: line of %s = %q, want it to end with %q", tc.args, id, line, want.Title)
		}
		if n := strings.Count(out, "\n"); n != len(ledger.Rules())+1 {
			t.Errorf("%v printed %d lines, want a header and %d rules", tc.args, n, len(ledger.Rules()))
		}
	}
}
