package fisco

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// VerifyStored re-verifies the blocks the index stores at heights from,
// from+1, … (Block.Raw, a [Bundle] of the block and its receipts as the
// node served them), continuing the blocks verified before (see Resume):
// the checks of Verify, from the stored bytes alone. A stored block whose
// bundle or block does not decode comes back failed with a RuleMalformed
// finding, and one that is not the block of its height with a RuleParent
// finding; the error is always nil.
func (v *Verifier) VerifyStored(from uint64, raws [][]byte) ([]*ledger.Block, error) {
	out := make([]*ledger.Block, 0, len(raws))
	blocks := make([]json.RawMessage, 0, len(raws))
	receipts := make([][]json.RawMessage, 0, len(raws))
	verify := func() {
		if len(blocks) == 0 {
			return
		}
		defer func() { blocks, receipts = blocks[:0], receipts[:0] }()
		if bs, err := v.VerifyBatch(blocks, receipts, runtime.GOMAXPROCS(0)); err == nil {
			out = append(out, bs...)
			return
		}
		// A block of the batch does not decode (the batch changed no
		// chain state): verify them one by one to tell which.
		for i := range blocks {
			b, err := v.Verify(blocks[i], receipts[i])
			if err != nil {
				b = v.undecodable(from+uint64(len(out)), err)
			}
			out = append(out, b)
		}
	}
	for _, raw := range raws {
		var bd Bundle
		err := unmarshal(raw, &bd)
		if err == nil && DetectVersion(bd.Block) == 0 {
			err = fmt.Errorf("%w: neither a 2.x nor a 3.x block", ErrMalformed)
		}
		if err == nil {
			blocks, receipts = append(blocks, bd.Block), append(receipts, bd.Receipts)
			continue
		}
		verify()
		out = append(out, v.undecodable(from+uint64(len(out)), err))
	}
	verify()
	for i, b := range out {
		if h := from + uint64(i); b.Height != h {
			r := report{chain: v.cfg.Chain, b: b}
			r.check(RuleParent, nil, "stored height", false, fmt.Sprintf("block %d is stored at height %d", b.Height, h),
				map[string]string{"storedAt": strconv.FormatUint(h, 10)})
		}
	}
	return out, nil
}

// undecodable returns the failed block standing for the stored block at
// height h that does not decode; the next block's link is not checked.
func (v *Verifier) undecodable(h uint64, err error) *ledger.Block {
	b := &ledger.Block{Chain: v.cfg.Chain, Height: h}
	detail := "stored block does not decode: " + err.Error()
	b.Verdict.Add("decode", false, detail)
	ref := strconv.FormatUint(h, 10)
	b.Findings = append(b.Findings, ledger.NewFinding(RuleMalformed, v.cfg.Chain, ledger.Subject{Kind: "block", Ref: ref, Height: h}, time.Time{},
		RuleMalformed.Title+": "+detail, map[string]string{"height": ref, "error": err.Error()}))
	v.prev = nil
	return b
}
