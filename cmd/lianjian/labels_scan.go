package main

import (
	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/chaincode"
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

// chaincodeLabels are the words of scan's Go coverage summary.
type chaincodeLabels struct {
	summary    string            // files analysed, generated files skipped, declarations not analysed
	complete   string            // how to complete the analysis: %s is the fixes
	sep        string            // between fixes
	fixes      map[string]string // chaincode.Fixes in the reader's words
	fixCompile string            // when no listed fix applies
}

// chaincodeTexts are the words of the Go coverage summary per language.
var chaincodeTexts = map[lang]chaincodeLabels{
	report.LangZH: {
		summary:  "Go 链码：已分析 %d 个文件，跳过 %d 个生成文件，%d 处声明未分析（CC-NOT-ANALYSED）",
		complete: "补全分析：%s，然后重新扫描",
		sep:      "；",
		fixes: map[string]string{
			chaincode.FixDownload: "在模块目录中运行 `go mod download` 下载依赖",
			chaincode.FixModule:   "添加 go.mod（`go mod init`，再 `go mod tidy`）",
			chaincode.FixSiblings: "扫描包含该包全部文件的目录",
		},
		fixCompile: "修正未通过类型检查的代码",
	},
	report.LangEN: {
		summary:  "Go chaincode: %d files analysed, %d generated files skipped, %d declarations not analysed (CC-NOT-ANALYSED)",
		complete: "To complete the analysis: %s, then scan again",
		sep:      "; ",
		fixes: map[string]string{
			chaincode.FixDownload: "run `go mod download` in the module directory",
			chaincode.FixModule:   "add a go.mod (`go mod init`, then `go mod tidy`)",
			chaincode.FixSiblings: "scan the directory holding all the files of the package",
		},
		fixCompile: "fix the code that does not type-check",
	},
}
