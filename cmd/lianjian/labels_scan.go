package main

import (
	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/contracts"
)

// scanTexts are the words of scan's text report; the zero labels are
// English. JSON and SARIF are not translated.
var scanTexts = map[lang]contracts.TextLabels{
	report.LangZH: {
		Unnamed: "（未命名）", Severity: "严重程度", Rule: "规则", Where: "位置", Function: "函数", Message: "描述",
		Line: "第 %d 行", Total: "共 %d 个问题：%s", Count: "%[2]s %[1]d", Sep: "，",
		Severities: severityNames[report.LangZH],
	},
	report.LangEN: {},
}
