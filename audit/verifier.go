package audit

import (
	"context"
	"fmt"
	"iter"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/fisco"
)

// Verifier re-verifies the stored blocks of one chain whose kind's
// adapter does its own checks (EVM, FISCO BCOS): it is what the adapter
// verifies at ingest, run again from the bytes stored with each block
// (Block.Raw), so that a chain is re-audited from the index without
// asking its node again. The auditor drives it through the same
// pipeline, checkpoints and verdict store as a Fabric channel.
type Verifier interface {
	// VerifyStored re-verifies the blocks stored at heights from,
	// from+1, …, given as stored, continuing the blocks it verified
	// before: each comes back in the model with its verdicts and
	// findings, aligned with raws. A block that does not decode, or is
	// not the block of the height it is stored at, is failed with a
	// finding. An error means the verifier itself could not run.
	VerifyStored(from uint64, raws [][]byte) ([]*ledger.Block, error)
	// Resume continues the chain after the stored block b, the one below
	// the first block to verify; history holds the chain's stored
	// governance transactions up to b, oldest first.
	Resume(b *ledger.Block, history []ledger.Tx)
}

// NewVerifier returns the verifier of a chain of kind EVM or FISCO BCOS,
// from what its stored description says (EIP-155 chain id, crypto
// profile, group); it fails for other kinds.
func NewVerifier(c ledger.Chain) (Verifier, error) {
	switch c.Kind {
	case ledger.KindEVM:
		return evm.NewVerifier(c.ID, c.ChainID)
	case ledger.KindFisco:
		fc := fisco.Config{Chain: c.ID, Group: c.Group}
		if c.Crypto == ledger.CryptoGM {
			fc.Suite = fisco.SuiteGM
		}
		return fisco.NewVerifier(fc)
	}
	return nil, fmt.Errorf("%w: chain %s of kind %q has no stored-block verifier", ErrConfig, c.ID, c.Kind)
}

// adapted reports whether the chain's blocks are verified by an adapter's
// Verifier rather than by the auditor's own Fabric checks.
func adapted(k ledger.Kind) bool { return k == ledger.KindEVM || k == ledger.KindFisco }

// runVerifier is Run for a chain verified by a Verifier: blocks are read
// in batches of Config.Window, which the verifier checks on its own
// goroutines, and each result is emitted in order.
func (a *Auditor) runVerifier(ctx context.Context, src iter.Seq2[fabric.RawBlock, error], emit func(*BlockResult) error) error {
	batch := make([][]byte, 0, a.cfg.Window)
	var from uint64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		bs, err := a.ext.VerifyStored(from, batch)
		n := len(batch)
		batch = batch[:0]
		if err == nil && len(bs) != n {
			err = fmt.Errorf("%d blocks verified of %d", len(bs), n)
		}
		if err != nil {
			return fmt.Errorf("verify blocks %d..%d: %w", from, from+uint64(n)-1, err)
		}
		for i, b := range bs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := emit(a.verified(from+uint64(i), b)); err != nil {
				return err
			}
		}
		return nil
	}
	for rb, err := range src {
		if err != nil {
			return fmt.Errorf("read blocks: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(batch) > 0 && rb.Number != from+uint64(len(batch)) {
			if err := flush(); err != nil {
				return err
			}
		}
		if len(batch) == 0 {
			from = rb.Number
		}
		batch = append(batch, rb.Bytes)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return ctx.Err()
}

// verified converts the block a Verifier checked at stored height h to a
// block result and counts it in the summary.
func (a *Auditor) verified(h uint64, b *ledger.Block) *BlockResult {
	res := &BlockResult{Height: h, Hash: b.Hash, Verdict: b.Verdict, Findings: b.Findings,
		Txs: make([]TxVerdict, len(b.Txs)), Signatures: len(b.Signatures)}
	for i := range b.Txs {
		tx := &b.Txs[i]
		res.Txs[i] = TxVerdict{Index: i, ID: tx.ID, Verdict: tx.Verdict}
		res.Signatures += len(tx.Sigs)
	}
	a.sum.Blocks++
	if a.sum.Blocks == 1 {
		a.sum.First = h
	}
	a.sum.Last = h
	a.sum.Txs += len(b.Txs)
	a.sum.Signatures += res.Signatures
	a.extVerifies += res.Signatures
	for i := range b.Findings {
		f := &b.Findings[i]
		if f.FirstSeen.IsZero() {
			f.FirstSeen = a.cfg.Now().UTC()
			f.LastSeen = f.FirstSeen
		}
		a.sum.Findings[f.Rule]++
		if f.Category == ledger.CatIntegrity {
			a.sum.Integrity++
		}
	}
	a.prev = &link{height: h, hash: b.Hash}
	return res
}
