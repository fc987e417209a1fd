package audit

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/fisco"
	"github.com/lianjian/lianjian/ledger/record"
)

// Verifier re-verifies the stored blocks of one chain whose kind's
// adapter does its own checks (EVM, FISCO BCOS): it is what the adapter
// verifies at ingest, run again from the bytes stored with each block
// (Block.Raw), so that a chain is re-audited from the index without
// asking its node again. The auditor drives it through the same
// pipeline, checkpoints and verdict store as the Fabric checks of a
// channel (see chainVerifier).
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

// chainVerifier is one chain kind's verifier as the Auditor drives it:
// the Fabric checks of this package (fabricChecks) or an adapter's
// Verifier (adapterVerifier). Each counts what it checks in the totals it
// shares with the Auditor (progress); reading the blocks, checkpoints,
// the verdict store, re-audit and follow are the Auditor's, the same for
// every kind.
type chainVerifier interface {
	// run verifies the blocks of src in order, continuing the blocks
	// verified before, and emits each result in source order.
	run(ctx context.Context, src iter.Seq2[fabric.RawBlock, error], emit func(*BlockResult) error) error
	// resume continues the chain after the stored block prev, the one
	// below the first block to verify (nil when that is block 0); st
	// holds the chain's history up to it, and its stored state is read
	// as of checkpoint at (the newest when at is nil).
	resume(ctx context.Context, st Store, prev *ledger.Block, at *record.AuditCheckpoint) error
	// save adds to cp what a later audit resumes from; restore sets it
	// back from the checkpoint of an audit that ended right below the
	// first block to verify.
	save(cp *record.AuditCheckpoint)
	restore(cp record.AuditCheckpoint)
	// unsaved is the number of state changes the next save would write.
	unsaved() int
	// count adds the verifier's own counters to s.
	count(s *Summary)
}

// newChainVerifier returns the verifier of p's chain kind: the adapter's
// Verifier of an EVM or FISCO BCOS chain, the Fabric checks otherwise.
func newChainVerifier(p *progress) (chainVerifier, error) {
	switch p.cfg.Chain.Kind {
	case ledger.KindEVM, ledger.KindFisco:
		ext, err := NewVerifier(p.cfg.Chain)
		if err != nil {
			return nil, err
		}
		return &adapterVerifier{progress: p, ext: ext}, nil
	}
	return newFabricChecks(p)
}

// adapterVerifier drives the Verifier of a chain whose adapter checks its
// blocks (EVM, FISCO BCOS).
type adapterVerifier struct {
	*progress
	ext      Verifier
	verifies int // signatures ext verified
}

// run reads blocks in batches of Config.Window, which the adapter's
// verifier checks on its own goroutines, and emits each result in order.
func (a *adapterVerifier) run(ctx context.Context, src iter.Seq2[fabric.RawBlock, error], emit func(*BlockResult) error) error {
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
func (a *adapterVerifier) verified(h uint64, b *ledger.Block) *BlockResult {
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
	a.verifies += res.Signatures
	for i := range b.Findings {
		f := &b.Findings[i]
		if f.FirstSeen.IsZero() {
			f.FirstSeen = a.cfg.Now().UTC()
			f.LastSeen = f.FirstSeen
		}
		// A finding raised again on the block (same id) is one finding.
		if !slices.ContainsFunc(b.Findings[:i], func(g ledger.Finding) bool { return g.ID == f.ID }) {
			a.tally(f)
		}
	}
	a.prev = &link{height: h, hash: b.Hash}
	return res
}

// resume continues the adapter's verifier after the stored block prev,
// with the chain's governance history up to it when the store keeps one.
func (a *adapterVerifier) resume(ctx context.Context, st Store, prev *ledger.Block, _ *record.AuditCheckpoint) error {
	if prev == nil {
		return nil
	}
	var history []ledger.Tx
	if hs, ok := st.(fisco.HistoryStore); ok && a.cfg.Chain.Kind == ledger.KindFisco {
		var err error
		if history, err = fisco.History(ctx, hs, a.cfg.Chain.ID, prev.Height); err != nil {
			return fmt.Errorf("prime: %w", err)
		}
	}
	a.ext.Resume(prev, history)
	a.prev = &link{height: prev.Height, hash: prev.Hash}
	return nil
}

// save keeps the configured SM2 convention only: the adapter's chain
// state is rebuilt from the stored blocks.
func (a *adapterVerifier) save(cp *record.AuditCheckpoint) { cp.SM2PreHash = a.cfg.SM2PreHash }

func (a *adapterVerifier) restore(record.AuditCheckpoint) {}

func (a *adapterVerifier) unsaved() int { return 0 }

func (a *adapterVerifier) count(s *Summary) {
	s.Verifies = a.verifies
	s.SM2PreHash = a.cfg.SM2PreHash
}
