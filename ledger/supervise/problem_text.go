package supervise

import "fmt"

// Languages of Problem.Text: the tags api/report and the CLI's --lang
// take.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// problemWords holds Problem.Text's words in one language.
type problemWords struct {
	copies map[string]string // by Problem.Copy
	kinds  map[string]string // by kind, or kind/reason; fmt verbs indexed as Text passes them
}

var problemTexts = map[string]problemWords{
	LangZH: {
		copies: map[string]string{CopyExternal: "外部副本", CopyIndex: "索引副本", CopySegment: "片段"},
		kinds: map[string]string{
			"broken-chain/seq":                    "哈希链断裂：第 %[1]d 条记录的序号为 %[2]s，应为 %[3]s（记录被删除或插入）",
			"broken-chain/prev":                   "哈希链断裂：第 %[1]d 条记录的前序哈希 %[2]s 与上一条记录的哈希 %[3]s 不符",
			"broken-chain/hash":                   "哈希链断裂：第 %[1]d 条记录被改写（存储的哈希 %[2]s，重算为 %[3]s）",
			"broken-chain/corrupt":                "哈希链断裂：第 %[1]d 条记录无法解码（%[2]v）",
			"truncated":                           "日志被截短：检查点 %[1]d 之后缺少 %[2]d 条记录（该检查点覆盖 %[3]d 条，日志只到第 %[4]d 条）",
			"rewritten":                           "日志被改写：第 %[1]d 条记录的哈希 %[2]s 不是检查点 %[3]d 的头哈希 %[4]s，第 %[5]d–%[1]d 条中有记录被改动",
			"rewritten/gone":                      "日志被改写：第 %[1]d 条记录缺失或无法读取，检查点 %[3]d 的头哈希 %[4]s 已不在日志中，第 %[5]d–%[1]d 条中有记录被改动",
			"bad-signature":                       "伪造的检查点 %[1]d（%[2]s）：SM2 签名校验失败",
			"wrong-key":                           "伪造的检查点 %[1]d（%[2]s）：由另一密钥 %[3]s 签名，应为 %[4]s",
			"shrunk":                              "检查点不一致（%[5]s）：检查点 %[1]d 覆盖 %[2]d 条记录，少于之前检查点 %[3]d 的 %[4]d 条",
			"forked":                              "检查点不一致（%[5]s）：检查点 %[1]d（%[2]d 条）不是检查点 %[3]d（%[4]d 条）的延续",
			"out-of-order":                        "检查点不一致（%[2]s）：检查点 %[1]d 排在检查点 %[3]d 之后",
			"missing-checkpoint/index-missing":    "检查点缺失：外部副本中的检查点 %[1]d 不在索引中",
			"missing-checkpoint/differs":          "检查点缺失：%[2]s中的检查点 %[1]d 与外部副本不同",
			"missing-checkpoint/external-missing": "检查点缺失：%[2]s中的检查点 %[1]d 不在外部副本中",
			"no-checkpoint":                       "检查点缺失：日志有 %[1]d 条记录，却没有任何检查点",
		},
	},
	LangEN: {
		copies: map[string]string{CopyExternal: "external copy", CopyIndex: "index copy", CopySegment: "segment"},
		kinds: map[string]string{
			"broken-chain/seq":                    "chain broken: entry %[1]d has sequence number %[2]s, want %[3]s (entries deleted or inserted)",
			"broken-chain/prev":                   "chain broken: entry %[1]d has prev hash %[2]s, not the hash %[3]s of the entry before",
			"broken-chain/hash":                   "chain broken: entry %[1]d was rewritten (stored hash %[2]s, recomputed %[3]s)",
			"broken-chain/corrupt":                "chain broken: entry %[1]d does not decode (%[2]v)",
			"truncated":                           "log truncated: %[2]d entries missing after checkpoint %[1]d (it covers %[3]d entries, the log ends at entry %[4]d)",
			"rewritten":                           "log rewritten: entry %[1]d has hash %[2]s, not the head %[4]s of checkpoint %[3]d; an entry in %[5]d-%[1]d was changed",
			"rewritten/gone":                      "log rewritten: entry %[1]d is missing or unreadable, so the head %[4]s of checkpoint %[3]d is gone; an entry in %[5]d-%[1]d was changed",
			"bad-signature":                       "forged checkpoint %[1]d (%[2]s): the SM2 signature does not verify",
			"wrong-key":                           "forged checkpoint %[1]d (%[2]s): signed by another key %[3]s, want %[4]s",
			"shrunk":                              "inconsistent checkpoints (%[5]s): checkpoint %[1]d covers %[2]d entries, fewer than the %[4]d of the earlier checkpoint %[3]d",
			"forked":                              "inconsistent checkpoints (%[5]s): checkpoint %[1]d (%[2]d entries) does not extend checkpoint %[3]d (%[4]d entries)",
			"out-of-order":                        "inconsistent checkpoints (%[2]s): checkpoint %[1]d comes after checkpoint %[3]d",
			"missing-checkpoint/index-missing":    "missing checkpoint: checkpoint %[1]d of the external copy is not in the index",
			"missing-checkpoint/differs":          "missing checkpoint: checkpoint %[1]d in the %[2]s differs from the external copy",
			"missing-checkpoint/external-missing": "missing checkpoint: checkpoint %[1]d in the %[2]s is not in the external copy",
			"no-checkpoint":                       "missing checkpoint: the log has %[1]d entries and no checkpoint at all",
		},
	},
}

// Text describes p in lang (LangZH or LangEN), with hashes and key ids
// shortened, for a person to read; Error gives the full English text,
// which is also what any other lang gets.
func (p *Problem) Text(lang string) string {
	w, ok := problemTexts[lang]
	if !ok {
		return p.Error()
	}
	k := string(p.Kind)
	cp := w.copies[p.Copy]
	var args []any
	switch p.Kind {
	case ProblemBrokenChain:
		k += "/" + p.Reason
		args = []any{p.Entry, short(p.Have), short(p.Want)}
		if p.Reason == ReasonCorrupt {
			args = []any{p.Entry, p.Err}
		}
	case ProblemTruncated:
		args = []any{p.Checkpoint, p.Missing(), p.Size, p.Count}
	case ProblemRewritten:
		if p.Have == "" {
			k += "/gone"
		}
		args = []any{p.Entry, short(p.Have), p.Checkpoint, short(p.Want), p.From}
	case ProblemBadSignature:
		args = []any{p.Checkpoint, cp}
	case ProblemWrongKey:
		args = []any{p.Checkpoint, cp, short(p.Have), short(p.Want)}
	case ProblemShrunk, ProblemForked:
		args = []any{p.Checkpoint, p.Size, p.Other, p.Count, cp}
	case ProblemOutOfOrder:
		args = []any{p.Checkpoint, cp, p.Other}
	case ProblemMissingCheckpoint:
		k += "/" + p.Reason
		args = []any{p.Checkpoint, cp}
	case ProblemNoCheckpoint:
		args = []any{p.Count}
	}
	format, ok := w.kinds[k]
	if !ok {
		return p.Error()
	}
	return fmt.Sprintf(format, args...)
}

// short abbreviates a hex hash or key id for a message.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
