package main

import "github.com/lianjian/lianjian/api/report"

// ingestText holds what ingest prints for people, in one language: the
// summary line of a backfill or an import and its progress bars (fisco
// dump draws the same bar).
type ingestText struct {
	// Backfilled: blocks, txs, chain, height, seconds, blocks/s, tx/s.
	Backfilled string
	// UpToDate: chain, height.
	UpToDate string
	// Fabric: blocks, txs, channels, path, seconds, tx/s, blocks skipped.
	Fabric string
	// Break: chain, block, the break (rule id, block, file, cause), the
	// last block committed.
	// The import of the chain stopped at a break, stored as a finding.
	Break string
	// BreakFirst: chain, block, the break, when the index holds
	// no block of the chain.
	BreakFirst string
	// Fisco: blocks, txs, chain, crypto suite, blocks skipped, standalone
	// items, findings.
	Fisco string
	// Bar, by height: percent, height, last height, blocks/s, time left.
	Bar string
	// ByteBar, over a channel's files: percent, height, tx/s.
	ByteBar string
}

var ingestTexts = map[lang]ingestText{
	report.LangZH: {
		Backfilled: "已同步链 %[3]s 的 %[1]d 个区块（%[2]d 笔交易），至区块高度 %[4]d，用时 %.1f 秒（每秒 %.0f 个区块、%.0f 笔交易）\n",
		UpToDate:   "链 %s 已同步至区块高度 %d，无需再次同步\n",
		Fabric:     "已从 %[4]s 导入 %[3]d 个通道的 %[1]d 个区块（%[2]d 笔交易），用时 %.1[5]f 秒（每秒 %.0f 笔交易）；%d 个区块此前已在索引中\n",
		Break:      "链 %s 的导入停在区块 %d：%v；此前的区块已提交，索引中该链至区块高度 %d，此断点已作为问题记录（可通过 findings 查询）\n",
		BreakFirst: "链 %s 的导入停在区块 %d：%v；索引中尚无该链的区块，此断点已作为问题记录（可通过 findings 查询）\n",
		Fisco:      "已导入 FISCO BCOS 链 %[3]s（%[4]s）的 %[1]d 个区块（%[2]d 笔交易），%[5]d 个区块此前已在索引中，另校验单独提供的交易与回执 %d 项，发现问题 %d 个\n",
		Bar:        "%3.0f%% %d/%d  %.0f 区块/秒  剩余 %s ",
		ByteBar:    "%3.0f%% 区块 %d  %.0f 笔交易/秒 ",
	},
	report.LangEN: {
		Backfilled: "ingested %d blocks (%d txs) of %s up to height %d in %.1fs (%.0f blocks/s, %.0f tx/s)\n",
		UpToDate:   "chain %s is already ingested up to %d\n",
		Fabric:     "imported %d blocks (%d txs) of %d channels from %s in %.1fs (%.0f tx/s); %d blocks were already indexed\n",
		Break:      "chain %s: import stopped at block %d: %v; the blocks before it are committed, up to height %d; the break is stored as a finding (see findings)\n",
		BreakFirst: "chain %s: import stopped at block %d: %v; no block of the chain is indexed; the break is stored as a finding (see findings)\n",
		Fisco:      "imported %d blocks (%d txs) of FISCO BCOS chain %s (%s), %d already indexed, %d standalone items verified, %d findings\n",
		Bar:        "%3.0f%% %d/%d  %.0f blocks/s  ETA %s ",
		ByteBar:    "%3.0f%% block %d  %.0f tx/s ",
	},
}
