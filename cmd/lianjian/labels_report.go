package main

import "github.com/lianjian/lianjian/api/report"

// reportWritten is the line report prints when it wrote a file: findings,
// path. The report itself is localised by api/report.
var reportWritten = map[lang]string{
	report.LangZH: "报告：%d 个问题已写入 %s\n",
	report.LangEN: "report: %d findings written to %s\n",
}

// assessWritten is the line report --standard prints when it wrote a
// file: standard, chain, clause counts by outcome, path.
var assessWritten = map[lang]string{
	report.LangZH: "合规评估：%s，链 %s：符合 %d 条，不符合 %d 条，未评估 %d 条，需人工核查 %d 条，已写入 %s\n",
	report.LangEN: "compliance assessment: %s, chain %s: %d pass, %d fail, %d not evaluated, %d manual, written to %s\n",
}
