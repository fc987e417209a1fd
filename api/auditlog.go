package api

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// errAuditCheckpoints means the external checkpoint file
// (Config.AuditCheckpoints) cannot be read or parsed, so the audit log
// cannot be verified against its authority.
var errAuditCheckpoints = errors.New("external audit log checkpoints unreadable")

// verifyAuditLog gives the verdict of 'lianjian auditlog verify' with the
// server's configuration: the hash chain, checked against the index's
// checkpoints and, when configured, the external checkpoint file with the
// public key.
func (s *Server) verifyAuditLog(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	a := supervise.Anchors{Key: s.cfg.AuditKey}
	if s.cfg.AuditCheckpoints != "" {
		if err := a.ReadExternal(s.cfg.AuditCheckpoints); err != nil {
			return nil, fmt.Errorf("%w: %w", errAuditCheckpoints, err)
		}
	}
	r, err := supervise.VerifyLog(c.Request.Context(), sup, a)
	if err != nil {
		return nil, err
	}
	return auditVerifyView(r, lang), nil
}

// AuditVerifyView answers an audit log verification as 'lianjian
// auditlog verify' reports it with the server's configuration.
type AuditVerifyView struct {
	OK          bool                 `json:"ok"`                      // no problems
	Entries     uint64               `json:"entries"`                 // entries checked
	First       uint64               `json:"first,omitempty"`         // seq of the first entry
	Last        uint64               `json:"last,omitempty"`          // seq of the last entry
	Anchored    bool                 `json:"anchored"`                // checkpoints verified with the server's SM2 public key
	KeyID       string               `json:"key_id,omitempty"`        // that key's id: hex SM3 of its PKIX encoding
	External    bool                 `json:"external"`                // checked against the external checkpoint file, the authority; else the index's copy only
	Checkpoints int                  `json:"checkpoints"`             // genuine checkpoints compared with the entries
	Stored      int                  `json:"stored_checkpoints"`      // checkpoints in the index, genuine or not
	Latest      *AuditCheckpointView `json:"latest"`                  // the genuine checkpoint covering the most entries the log still has
	Uncovered   uint64               `json:"uncovered"`               // entries after latest (all of them without one): not yet covered
	Unpublished int                  `json:"unpublished"`             // checkpoints in the index not yet in the external file
	Problems    []AuditProblemView   `json:"problems"`                // chain breaks first, then checkpoint problems
	More        int                  `json:"more_problems,omitempty"` // problems found beyond those listed
	Notes       []string             `json:"notes,omitempty"`         // what the verdict could not check, in the request's language
	Problem     string               `json:"problem,omitempty"`       // the first problem's message
}

// AuditCheckpointView is a signed checkpoint of the audit log: when it
// was signed at time, the log held size entries, the last with hash head.
type AuditCheckpointView struct {
	Seq  uint64 `json:"seq"`
	Size uint64 `json:"size"`
	Time string `json:"time"`
	Head string `json:"head"`
}

// AuditProblemView is one thing wrong with the audit log or its
// checkpoints. Kind is one of broken-chain, truncated, rewritten,
// forged-checkpoint, inconsistent-checkpoints and missing-checkpoint;
// reason says which case of it (broken-chain: seq, prev, hash, corrupt;
// forged-checkpoint: bad-signature, wrong-key; inconsistent-checkpoints:
// shrunk, forked, out-of-order; missing-checkpoint: index-missing,
// differs, external-missing, no-checkpoint). The numbers that apply to
// the kind are set, as supervise.Problem documents them.
type AuditProblemView struct {
	Kind       string `json:"kind"`
	Reason     string `json:"reason,omitempty"`
	Message    string `json:"message"`              // in the request's language
	Entry      uint64 `json:"entry,omitempty"`      // the entry at fault
	From       uint64 `json:"from,omitempty"`       // rewritten: first entry that may have been changed
	Checkpoint uint64 `json:"checkpoint,omitempty"` // seq of the checkpoint at fault
	Other      uint64 `json:"other,omitempty"`      // seq of the other checkpoint of an inconsistent pair
	Size       uint64 `json:"size,omitempty"`       // entries the checkpoint covers
	Count      uint64 `json:"count,omitempty"`      // entries the log has, or the other checkpoint covers
	Missing    uint64 `json:"missing,omitempty"`    // truncated: entries the log lacks
	Copy       string `json:"copy,omitempty"`       // the copy of the checkpoints at fault: external, index
	Have       string `json:"have,omitempty"`       // hash, sequence number or key id found
	Want       string `json:"want,omitempty"`       // and the one expected
}

// auditKinds names a problem's kind by the sentinel error it wraps.
var auditKinds = []struct {
	err  error
	kind string
}{
	{supervise.ErrBrokenChain, "broken-chain"},
	{supervise.ErrTruncated, "truncated"},
	{supervise.ErrRewritten, "rewritten"},
	{supervise.ErrForgedCheckpoint, "forged-checkpoint"},
	{supervise.ErrInconsistent, "inconsistent-checkpoints"},
	{supervise.ErrMissingCheckpoint, "missing-checkpoint"},
}

func auditProblemView(p *supervise.Problem, lang string) AuditProblemView {
	v := AuditProblemView{
		Kind: string(p.Kind), Reason: p.Reason, Message: p.Text(lang),
		Entry: p.Entry, From: p.From, Checkpoint: p.Checkpoint, Other: p.Other, Size: p.Size, Count: p.Count,
		Copy: p.Copy, Have: p.Have, Want: p.Want,
	}
	for _, k := range auditKinds {
		if errors.Is(p, k.err) {
			if k.kind != v.Kind {
				v.Reason = v.Kind // a case of the kind: bad-signature, shrunk, no-checkpoint…
			}
			v.Kind = k.kind
			break
		}
	}
	if p.Kind == supervise.ProblemTruncated {
		v.Missing = p.Missing()
	}
	return v
}

func auditVerifyView(r *supervise.Report, lang string) AuditVerifyView {
	v := AuditVerifyView{
		OK: len(r.Problems) == 0 && r.More == 0, Entries: r.Entries, First: r.First, Last: r.Last,
		Anchored: r.Anchored, KeyID: r.KeyID, External: r.External, Checkpoints: r.Checkpoints, Stored: r.Stored,
		Uncovered: r.Unanchored, Unpublished: r.Unpublished, More: r.More,
		Problems: make([]AuditProblemView, 0, len(r.Problems)),
	}
	if c := r.Latest; c != nil {
		v.Latest = &AuditCheckpointView{Seq: c.Seq, Size: c.Size, Time: timeText(c.Time), Head: hex.EncodeToString(c.Head)}
	}
	for _, p := range r.Problems {
		v.Problems = append(v.Problems, auditProblemView(p, lang))
	}
	if len(v.Problems) > 0 {
		v.Problem = v.Problems[0].Message
	}
	w := auditNotes[lang]
	switch {
	case !r.Anchored && r.Stored > 0:
		v.Notes = append(v.Notes, fmt.Sprintf(w.noPubKey, r.Stored))
	case !r.Anchored:
		v.Notes = append(v.Notes, w.notAnchored)
	case !r.External:
		v.Notes = append(v.Notes, w.indexOnly)
	}
	if r.Unpublished > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf(w.unpublished, r.Unpublished))
	}
	return v
}

// auditNote holds the notes of a verification in one language; the
// problems are worded by supervise.Problem.Text, as the CLI words them.
type auditNote struct {
	notAnchored, noPubKey, indexOnly, unpublished string
}

var auditNotes = map[string]auditNote{
	report.LangZH: {
		notAnchored: "审计日志未锚定（服务端未配置 auditlog.key 或 auditlog.pubkey）：仅校验了 SM3 哈希链，拥有数据目录写权限者删除日志尾部、或改写某条记录并重算其后的哈希链，都无法被发现。",
		noPubKey:    "索引中有 %d 个检查点，但服务端未配置公钥（auditlog.pubkey 或 auditlog.key）：检查点签名未校验，仅校验了哈希链。",
		indexOnly:   "仅与索引内的检查点核对；外部副本才是权威：请配置 auditlog.checkpoints。",
		unpublished: "索引中有 %d 个较新的检查点尚未写入外部副本（发布失败？）",
	},
	report.LangEN: {
		notAnchored: "the audit log is NOT anchored (the server has no auditlog.key or auditlog.pubkey): only the SM3 hash chain was checked, so anyone who can write the data directory can delete the log's tail, or rewrite an entry and recompute the chain after it, and this cannot be detected.",
		noPubKey:    "the index holds %d checkpoints but the server has no public key (auditlog.pubkey or auditlog.key): their signatures were not checked, only the hash chain.",
		indexOnly:   "checked against the index's checkpoints only; the external copy is the authority: set auditlog.checkpoints.",
		unpublished: "%d newer checkpoints in the index are not in the external copy yet (publishing failed?)",
	},
}
