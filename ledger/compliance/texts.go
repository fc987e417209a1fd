package compliance

// texts holds what an assessment says, by language. Verbs with numbers
// are fmt formats.
var texts = map[string]map[string]string{
	"zh-CN": {
		"notApplicable":  "链鉴对该类型的链没有此项检查",
		"rulesFail":      "发现 %d 条未关闭的问题（涉及本条款的 %d 条规则）",
		"rulesPass":      "本条款的 %d 条规则均未发现未关闭的问题（%s）",
		"scopeLedger":    "已验证至区块 %d",
		"scopeNodes":     "已探测 %d 个节点",
		"scopeContracts": "已扫描 %d 个合约",
		"noProbes":       "该链没有完成探测的已登记节点，节点类检查无从判断",
		"noScans":        "该链尚无已完成的合约扫描，合约类检查无从判断",
		"noVerified":     "该链尚无经重新验证的区块",
		"noBlocks":       "索引中尚无该链的区块",
		"gm":             "该链使用国密算法（SM2 签名、SM3 杂凑）",
		"notGM":          "该链使用国际算法（ECDSA、secp256k1、SHA-2 或 Keccak），未使用 SM2/SM3 国密算法",
		"auditBehind":    "审计复核进度落后：已复核至区块 %d，已导入至区块 %d",
		"auditDone":      "已导入的全部区块（至区块 %d）均已由链鉴审计依据链上数据独立重新验证，并存有每个区块的验证结论",
		"gaps":           "账本存在 %d 处区块缺失",
		"noGenesis":      "索引并非自创世区块起导入，无法判断此前的记录是否完整保存",
		"completeLong":   "自创世区块至区块 %d 的记录完整保存，无缺失，时间跨度 %d 天（不少于 %d 天）",
		"completeShort":  "自创世区块至区块 %d 的记录完整保存，无缺失；该链运行仅 %d 天，尚不足 %d 天，全部记录均已保存",
		"logAnchored":    "监管操作审计日志以 SM3 哈希链链接、由 SM2 签名检查点锚定，条目不删除（保存期不少于 %d 天）",
		"logNotAnchored": "监管操作审计日志未锚定（未配置 auditlog.key）：日志尾部被删除或被改写后无法发现",
		"noNodes":        "该链没有向监管方登记的节点",
		"nodes":          "已登记 %d 个节点，其中 %d 个已完成探测",
		"noContracts":    "索引中该链没有合约或链码定义",
		"someScanned":    "仅扫描了 %d / %d 个合约或链码",
		"allScanned":     "全部 %d 个合约或链码均已扫描",
	},
	"en": {
		"notApplicable":  "Lianjian has no such check for this kind of chain",
		"rulesFail":      "%d finding(s) not closed (of the clause's %d rules)",
		"rulesPass":      "none of the clause's %d rules has a finding that is not closed (%s)",
		"scopeLedger":    "verified up to block %d",
		"scopeNodes":     "%d node(s) probed",
		"scopeContracts": "%d contract(s) scanned",
		"noProbes":       "the chain has no registered node with a probe result, so node checks cannot judge it",
		"noScans":        "the chain has no finished contract scan, so contract checks cannot judge it",
		"noVerified":     "no block of the chain has been re-verified yet",
		"noBlocks":       "the index holds no block of the chain yet",
		"gm":             "the chain uses the national algorithms (SM2 signatures, SM3 hashing)",
		"notGM":          "the chain uses international algorithms (ECDSA, secp256k1, SHA-2 or Keccak), not the SM2/SM3 national algorithms",
		"auditBehind":    "the audit is behind: re-verified up to block %d of %d ingested",
		"auditDone":      "every ingested block (up to block %d) has been re-verified by Lianjian's audit from the chain's own data, with a stored verdict for each block",
		"gaps":           "the ledger misses blocks in %d place(s)",
		"noGenesis":      "the index was not filled from the genesis block, so whether earlier records were kept cannot be judged",
		"completeLong":   "records from the genesis block to block %d are kept without gaps, spanning %d days (at least %d)",
		"completeShort":  "records from the genesis block to block %d are kept without gaps; the chain has run only %d days (under %d), all of them kept",
		"logAnchored":    "the supervision audit log is SM3-chained and anchored by SM2-signed checkpoints; entries are never deleted (kept at least %d days)",
		"logNotAnchored": "the supervision audit log is not anchored (no auditlog.key): deleting its tail or rewriting it cannot be detected",
		"noNodes":        "no node of the chain is registered with the supervisor",
		"nodes":          "%d node(s) registered, %d with a probe result",
		"noContracts":    "the index holds no contract or chaincode definition of the chain",
		"someScanned":    "only %d of %d contracts or chaincodes scanned",
		"allScanned":     "all %d contracts or chaincodes scanned",
	},
}

// say returns text key in lang.
func say(lang, key string) string {
	if s, ok := texts[lang][key]; ok {
		return s
	}
	return texts["zh-CN"][key]
}
