package main

import "github.com/lianjian/lianjian/api/report"

// verifyText holds the summary of verify and audit in one language.
type verifyText struct {
	// Chain, a Fabric channel: chain, first and last height, blocks, txs,
	// signatures checked, of them valid and failed, verifications, of
	// them with per-key tables, reused.
	Chain string
	// PreHash: the SM2 pre-hash convention detected or imposed, named by
	// PreHashes (English: as --sm2-prehash names it).
	PreHash   string
	PreHashes map[string]string
	// Took ends the Chain line: the time taken.
	Took string
	// Fisco: chain, "FISCO BCOS 3.x", crypto suite, first and last height,
	// blocks, txs, sealer signatures, standalone items, time taken.
	Fisco string
	// OK and Failed (integrity findings) are the verdict; Incomplete
	// replaces OK when the ledger could not be read to its end.
	OK, Failed, Incomplete string
}

var verifyTexts = map[lang]verifyText{
	report.LangZH: {
		Chain:      "链 %s：区块 %d..%d（共 %d 个），交易 %d 笔，已校验签名 %d 个（验证通过 %d 个，验证失败 %d 个；验签 %d 次，其中 %d 次使用按密钥预计算表；%d 个复用此前的验签结果）",
		PreHash:    "，SM2 预哈希 %s",
		PreHashes:  map[string]string{"none": "无"},
		Took:       "，用时 %s\n",
		Fisco:      "链 %s（%s，%s）：区块 %d..%d（共 %d 个），交易 %d 笔，共识节点签名 %d 个，单独提供的交易与回执 %d 项，用时 %s\n",
		OK:         "完整性校验通过",
		Failed:     "完整性校验未通过：%d 个问题",
		Incomplete: "完整性未能确认：账本未能读完",
	},
	report.LangEN: {
		Chain:      "chain %s: blocks %d..%d (%d), txs %d, signatures checked %d (%d valid, %d failed; %d verifications, %d with per-key tables, %d reused)",
		PreHash:    ", SM2 pre-hash %s",
		Took:       ", %s\n",
		Fisco:      "chain %s (%s, %s): blocks %d..%d (%d), txs %d, sealer signatures %d, standalone items %d, %s\n",
		OK:         "integrity OK",
		Failed:     "integrity FAILED: %d findings",
		Incomplete: "integrity NOT ESTABLISHED: the ledger could not be read to its end",
	},
}
