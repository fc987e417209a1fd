package main

import "github.com/lianjian/lianjian/api/report"

// reportWritten is the line report prints when it wrote a file: findings,
// path. The report itself is localised by api/report.
var reportWritten = map[lang]string{
	report.LangZH: "报告：%d 个问题已写入 %s\n",
	report.LangEN: "report: %d findings written to %s\n",
}
