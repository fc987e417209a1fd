package main

import "github.com/lianjian/lianjian/api/report"

// fiscoDumpTexts are the summary line of fisco dump: first and last
// height, txs, FISCO BCOS major version, node URL, output directory (also
// in the verify command it suggests), time taken.
var fiscoDumpTexts = map[lang]string{
	report.LangZH: "已从 %[5]s 导出 FISCO BCOS %[4]d.x 的区块 %[1]d..%[2]d（%[3]d 笔交易）至 %[6]s，用时 %[7]s；校验命令：lianjian verify %[6]s\n",
	report.LangEN: "dumped blocks %d..%d (%d txs) of FISCO BCOS %d.x from %s into %s in %s; check them with: lianjian verify %[6]s\n",
}
