package main

import "github.com/lianjian/lianjian/api/report"

// rulesHeaders head the text catalogue of rules; the markdown catalogue
// (docs/rules.md) and the rule titles come from the declarations.
var rulesHeaders = map[lang][]string{
	report.LangZH: {"规则", "严重程度", "类别", "名称"},
	report.LangEN: {"ID", "SEVERITY", "CATEGORY", "TITLE"},
}
