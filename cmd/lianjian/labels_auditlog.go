package main

import "github.com/lianjian/lianjian/api/report"

// auditText holds the words of the auditlog command in one language, as
// api/report's labels hold a report's: zh-CN by default, --lang en. The
// problems found are worded by supervise.Problem.Text, which the API's
// verify route shares.
type auditText struct {
	Entries, Range, Chain                 string
	OK, Failed                            string
	NotAnchored                           string
	Anchored, AgainstExternal, IndexOnly  string
	NoPubKey                              string
	Latest, Pending, Unpublished, NoneYet string
	ProblemsHead, More                    string
	Segment, SegmentAfter                 string
	Exported, NoEntries                   string
	Checkpointed, Unchanged               string
}

var auditTexts = map[string]auditText{
	report.LangZH: {
		Entries: "审计日志：%d 条记录", Range: "（第 %d–%d 条）", Chain: "，SM3 哈希链已校验",
		OK:              "审计日志校验通过",
		Failed:          "审计日志校验未通过：%d 个问题",
		NotAnchored:     "注意：审计日志未锚定（未配置 auditlog.key / auditlog.pubkey，也未指定 --pubkey）：拥有数据目录写权限者删除日志尾部、或改写某条记录并重算其后的哈希链，都无法被发现。",
		Anchored:        "已锚定：%d 个检查点，签名密钥 %s",
		AgainstExternal: "，与外部副本 %s 核对",
		IndexOnly:       "；仅与索引内的检查点核对（外部副本才是权威：请用 --checkpoints FILE 或配置 auditlog.checkpoints）",
		NoPubKey:        "注意：未提供公钥（--pubkey），检查点签名未校验，仅校验了哈希链。",
		Latest:          "最新检查点 %d：覆盖 %d 条记录，签名于 %s",
		Pending:         "其后 %d 条记录尚未被检查点覆盖",
		Unpublished:     "注意：索引中有 %d 个较新的检查点尚未写入外部副本（发布失败？）",
		NoneYet:         "尚无检查点覆盖这些记录",
		ProblemsHead:    "发现的问题：",
		More:            "……另有 %d 个问题未列出",
		Segment:         "导出片段：第 %d–%d 条记录（时间范围 %s 至 %s，导出于 %s）",
		SegmentAfter:    "，另含其后 %d 条记录以接上覆盖它们的检查点",
		Exported:        "已导出第 %d–%d 条审计记录（%d 条，另含其后 %d 条）及 %d 个检查点：%s",
		NoEntries:       "%s 至 %s 之间没有审计记录",
		Checkpointed:    "已签署检查点 %d：%d 条记录，头哈希 %x",
		Unchanged:       "日志自检查点 %d（%d 条记录）以来无变化",
	},
	report.LangEN: {
		Entries: "audit log: %d entries", Range: " (%d-%d)", Chain: ", SM3 hash chain checked",
		OK:              "audit log OK",
		Failed:          "audit log verification failed: %d problem(s)",
		NotAnchored:     "note: the audit log is NOT anchored (no auditlog.key or auditlog.pubkey configured, no --pubkey given): anyone who can write the data directory can delete the log's tail, or rewrite an entry and recompute the chain after it, and this cannot be detected.",
		Anchored:        "anchored: %d checkpoints, signing key %s",
		AgainstExternal: ", checked against the external copy %s",
		IndexOnly:       "; checked against the index's checkpoints only (the external copy is the authority: pass --checkpoints FILE or set auditlog.checkpoints)",
		NoPubKey:        "note: no public key (--pubkey): checkpoint signatures were not checked, only the hash chain.",
		Latest:          "latest checkpoint %d: %d entries, signed %s",
		Pending:         "%d entries after it are not yet covered by a checkpoint",
		Unpublished:     "note: %d newer checkpoints in the index are not in the external copy yet (publishing failed?)",
		NoneYet:         "no checkpoint covers these entries yet",
		ProblemsHead:    "problems:",
		More:            "... and %d more problems",
		Segment:         "segment: entries %d-%d (time range %s to %s, exported %s)",
		SegmentAfter:    ", and %d entries after them leading to the checkpoint that covers them",
		Exported:        "exported audit log entries %d-%d (%d, and %d after them) with %d checkpoints to %s",
		NoEntries:       "no audit log entries between %s and %s",
		Checkpointed:    "signed checkpoint %d: %d entries, head %x",
		Unchanged:       "the log has not changed since checkpoint %d (%d entries)",
	},
}

// short abbreviates a hex hash or key id for a message.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
