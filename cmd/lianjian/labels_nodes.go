package main

import "github.com/lianjian/lianjian/api/report"

// nodesText holds what nodes prints for people in one language; --json
// output is not translated, and ids, kinds and endpoints stay as they are.
type nodesText struct {
	Header     []string          // of the registration table
	Changes    map[string]string // a revision's change; English: as stored
	Probe      string            // node, org, time, reachable, version, head, milliseconds
	NoFindings string
	// Ambiguous says a node id named without --org is registered by
	// several orgs: the id, the orgs.
	Ambiguous string
}

var nodesTexts = map[lang]nodesText{
	report.LangZH: {
		Header:     []string{"ID", "修订", "变更", "链", "组织", "类型", "端点", "已退役", "操作者"},
		Changes:    map[string]string{"register": "登记", "update": "更新", "retire": "退役"},
		Probe:      "\n探测 %s（组织 %s，%s）：可达=%s 版本=%q 高度=%d（%d 毫秒）\n",
		NoFindings: "  未发现问题",
		Ambiguous:  "节点编号 %s 由多个组织登记（%s）：请用 --org 指明组织",
	},
	report.LangEN: {
		Header:     []string{"ID", "REV", "CHANGE", "CHAIN", "ORG", "KIND", "ENDPOINT", "RETIRED", "BY"},
		Probe:      "\nprobe %s of %s at %s: reachable=%s version=%q head=%d (%d ms)\n",
		NoFindings: "  no findings",
		Ambiguous:  "node id %s is registered by several orgs (%s): name one with --org",
	},
}
