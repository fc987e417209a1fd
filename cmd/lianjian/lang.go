package main

import (
	"cmp"
	"flag"
	"fmt"
	"regexp"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco"
)

// lang is the language of what a command prints for people: zh-CN, the
// default, or en (report.LangZH, report.LangEN). Each command keeps its
// words in a map[lang] table in its labels_*.go file; machine formats
// (JSON, SARIF, tab-separated lists) are not translated.
type lang string

// langFlag registers --lang on fs.
func langFlag(fs *flag.FlagSet) *lang {
	l := lang(report.LangZH)
	fs.Var(&l, "lang", "language of the summary and messages: zh-CN or en")
	return &l
}

func (l *lang) String() string { return string(*l) }

// Set accepts zh-CN or en.
func (l *lang) Set(s string) error {
	if s != report.LangZH && s != report.LangEN {
		return fmt.Errorf("%q is not zh-CN or en", s)
	}
	*l = lang(s)
	return nil
}

// The words several commands share. English writes the identifiers
// themselves.
var (
	severityNames = map[lang]map[ledger.Severity]string{
		report.LangZH: {ledger.Critical: "严重", ledger.High: "高", ledger.Medium: "中", ledger.Low: "低", ledger.Info: "提示"},
	}
	categoryNames = map[lang]map[ledger.Category]string{
		report.LangZH: {ledger.CatCrypto: "密码", ledger.CatIntegrity: "完整性", ledger.CatNode: "节点",
			ledger.CatConsortium: "联盟治理", ledger.CatContract: "合约"},
	}
	suiteNames = map[lang]map[fisco.Suite]string{
		report.LangZH: {fisco.SuiteGM: "国密 SM2/SM3", fisco.SuiteStandard: "国际算法 secp256k1/Keccak-256"},
	}
	yesNo = map[lang]map[bool]string{
		report.LangZH: {true: "是", false: "否"},
		report.LangEN: {true: "true", false: "false"},
	}
)

// severity names s in l.
func (l lang) severity(s ledger.Severity) string { return cmp.Or(severityNames[l][s], string(s)) }

// category names c in l.
func (l lang) category(c ledger.Category) string { return cmp.Or(categoryNames[l][c], string(c)) }

// suite names a FISCO BCOS crypto suite in l.
func (l lang) suite(s fisco.Suite) string { return cmp.Or(suiteNames[l][s], s.String()) }

// countNoun is a count followed by a plural noun in an English label,
// perhaps with an adjective between: "1 findings", "1 standalone items",
// "3 problem(s)".
var countNoun = regexp.MustCompile(`\b(\d+) (\w+ )?(finding|block|tx|channel|problem|checkpoint|file|record|signature|declaration|verification|item|entr)(\(s\)|(?:ies|s)\b)`)

// sprintf formats a label of l. In English each count agrees with its
// noun ("1 finding", "2 findings"); Chinese has no plural.
func (l lang) sprintf(format string, a ...any) string {
	s := fmt.Sprintf(format, a...)
	if l != report.LangEN {
		return s
	}
	return countNoun.ReplaceAllStringFunc(s, func(m string) string {
		p := countNoun.FindStringSubmatch(m)
		n, adj, noun := p[1], p[2], p[3]
		switch {
		case n == "1" && noun == "entr":
			noun += "y"
		case n == "1":
		case p[4] == "(s)":
			noun += "s"
		default:
			noun += p[4]
		}
		return n + " " + adj + noun
	})
}
