package audit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

// Store is what a re-audit of stored history needs from the index: the
// stored blocks with their raw bytes, and a place for verdicts, findings
// and the audit checkpoint.
type Store interface {
	Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	RawBlock(ctx context.Context, chain string, height uint64) ([]byte, error)
	PutAudit(ctx context.Context, chain string, recs []record.AuditRecord, fs []ledger.Finding, cp record.AuditCheckpoint) error
	AuditCheckpoint(ctx context.Context, chain string) (record.AuditCheckpoint, error)
	AuditKeyPolicies(ctx context.Context, chain string) ([]record.KeyPolicy, error)
	AuditState(ctx context.Context, chain, ns, coll string, key []byte) (record.StateEntry, bool, error)
	// AuditCheckpointAt returns the stored checkpoint nearest at or
	// below height h whose state the store still holds, with its
	// key-level policies; AuditStateAt and AuditStateRange read the state
	// as of such a checkpoint (AuditStateRange the newest state when at
	// is nil).
	AuditCheckpointAt(ctx context.Context, chain string, h uint64) (record.AuditCheckpoint, error)
	AuditStateAt(ctx context.Context, chain string, at record.AuditCheckpoint, ns, coll string, key []byte) (record.StateEntry, bool, error)
	AuditStateRange(ctx context.Context, chain string, at *record.AuditCheckpoint, ns, coll string, start []byte, fn func(record.StateEntry) bool) error
}

// storeBatch is the number of blocks whose verdicts are written together.
const storeBatch = 128

// maxKeyPolicyWrites flushes a batch early once it would write this many
// key-level policies, so that one write stays well inside badger's
// transaction limit on chains that set many of them.
const maxKeyPolicyWrites = 8192

// Reaudit re-audits the stored blocks from..to (inclusive) of cfg.Chain,
// for instance after rules or trust anchors changed, and stores a verdict
// per block and per transaction, the findings and the audit checkpoint.
// Starting above 0 restores the stored audit checkpoint nearest below
// from (resume): the chaincode endorsement policies, key-level policies
// and world state saved with it, so reads, range queries and
// endorsements below the current checkpoint are judged as when the
// chain was first audited. Without one kept below from, the blocks from
// the genesis block on are replayed first (up to maxGenesisReplay of
// them); past that (a state replaced far above the genesis block, or an
// index written before states were kept by height) the auditor is primed
// with the config in force and the block below from only: policies of
// chaincodes defined before from are not known and those transactions'
// policies and reads are not evaluated. The
// stored checkpoint only moves forward, over blocks audited contiguously
// from it or from genesis: a range that ends at or below it, or starts
// past the block after it, stores verdicts and findings only, and a range
// that straddles it is audited in two parts, the second continuing the
// stored state.
func Reaudit(ctx context.Context, st Store, cfg Config, from, to uint64) (Summary, error) {
	if to < from {
		return Summary{}, fmt.Errorf("%w: range %d..%d is empty", ErrConfig, from, to)
	}
	cp, err := st.AuditCheckpoint(ctx, cfg.Chain.ID)
	haveCP := err == nil
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return Summary{}, fmt.Errorf("audit checkpoint: %w", err)
	}
	if haveCP && from <= cp.Height && cp.Height < to {
		// Up to the checkpoint the audit does not continue the stored
		// state; past it, it does.
		below, err := reaudit(ctx, st, cfg, from, cp.Height, true)
		if err != nil {
			return below, err
		}
		above, err := reaudit(ctx, st, cfg, cp.Height+1, to, false)
		return below.plus(above), err
	}
	// The stored checkpoint is where the running audit continues from: it
	// moves only forward, and only over blocks audited in one go from it
	// (or from genesis).
	recordsOnly := (haveCP && (to <= cp.Height || from > cp.Height+1)) || (!haveCP && from > 0)
	return reaudit(ctx, st, cfg, from, to, recordsOnly)
}

// reaudit audits the stored blocks from..to with a fresh auditor.
func reaudit(ctx context.Context, st Store, cfg Config, from, to uint64, recordsOnly bool) (Summary, error) {
	a, err := resume(ctx, st, cfg, from)
	if err != nil {
		return Summary{}, err
	}
	// Blocks the resume replayed below from are not this audit's.
	before := a.Summary()
	err = a.auditStored(ctx, st, from, to, recordsOnly)
	return a.Summary().since(before), err
}

// plus adds the totals of a later audit of the same chain.
func (s Summary) plus(o Summary) Summary {
	if s.Blocks == 0 {
		return o
	}
	out := s
	out.Blocks += o.Blocks
	out.Txs += o.Txs
	out.Signatures += o.Signatures
	out.Verifies += o.Verifies
	out.Reused += o.Reused
	out.Tabled += o.Tabled
	out.Integrity += o.Integrity
	if o.Blocks > 0 {
		out.Last = o.Last
	}
	if out.SM2PreHash == "" {
		out.SM2PreHash = o.SM2PreHash
	}
	out.Findings = maps.Clone(s.Findings)
	if out.Findings == nil {
		out.Findings = map[string]int{}
	}
	for r, n := range o.Findings {
		out.Findings[r] += n
	}
	return out
}

// resume returns an auditor ready to audit the stored chain from height
// from: with the SM2 convention pinned by earlier audits, primed with the
// config in force and the block below from, and with the state of the
// stored checkpoint it continues. That is the current checkpoint when it
// is at from-1 (the state read is the newest); otherwise the stored one
// nearest below from, whose state is read as it was at its height, and
// the blocks between it and from are replayed without storing anything;
// with none kept below from, the blocks from the genesis block on are
// (up to maxGenesisReplay).
func resume(ctx context.Context, st Store, cfg Config, from uint64) (*Auditor, error) {
	chain := cfg.Chain.ID
	cp, err := st.AuditCheckpoint(ctx, chain)
	haveCP := err == nil
	switch {
	case haveCP && cfg.SM2PreHash == "":
		// Keep the convention pinned by earlier audits of this chain.
		cfg.SM2PreHash = cp.SM2PreHash
	case err != nil && !errors.Is(err, ledger.ErrNotFound):
		return nil, fmt.Errorf("audit checkpoint: %w", err)
	}
	a, err := New(cfg)
	if err != nil {
		return nil, err
	}
	head := from > 0 && haveCP && cp.Height == from-1
	base := from // the first block audited
	var at *record.AuditCheckpoint
	if from > 0 && haveCP && !head {
		switch hc, err := st.AuditCheckpointAt(ctx, chain, from-1); {
		case err == nil:
			at, base = &hc, hc.Height+1
		case !errors.Is(err, ledger.ErrNotFound):
			return nil, fmt.Errorf("audit checkpoint at %d: %w", from-1, err)
		case from <= maxGenesisReplay:
			// Below the first checkpoint kept (an audit stores one
			// every storeBatch blocks): replay from the genesis block.
			base = 0
		}
	}
	var prev *ledger.Block
	if base > 0 {
		if prev, err = st.Block(ctx, chain, base-1); err != nil {
			return nil, fmt.Errorf("prime: %w", err)
		}
	}
	if err := a.kind.resume(ctx, st, prev, at); err != nil {
		return nil, err
	}
	switch {
	case head && !cp.ByHeight:
		// Stored before states were kept by height: its chaincode
		// policies hold, but the store does not read its state and
		// key-level policies, and its next save starts new generations.
		cp.StateComplete, cp.EndorsementComplete = false, false
		a.Restore(cp)
	case head:
		if cp.KeyPolicies, err = st.AuditKeyPolicies(ctx, chain); err != nil {
			return nil, fmt.Errorf("audit checkpoint: %w", err)
		}
		a.Restore(cp)
	case at != nil:
		a.Restore(*at)
		a.below = true
		if base < from {
			err := a.Run(ctx, storedBlocks(ctx, st, chain, base, from-1), func(*BlockResult) error { return nil })
			if err != nil {
				return nil, fmt.Errorf("replay blocks %d..%d from the audit checkpoint at %d: %w", base, from-1, at.Height, err)
			}
		}
	case base < from:
		// The replay starts a complete state at the genesis block and
		// never saves it, so it never reads the stored one.
		a.below = true
		err := a.Run(ctx, storedBlocks(ctx, st, chain, 0, from-1), func(*BlockResult) error { return nil })
		if err != nil {
			return nil, fmt.Errorf("replay blocks 0..%d from the genesis block: %w", from-1, err)
		}
	}
	return a, nil
}

// maxGenesisReplay bounds the blocks a re-audit below the stored
// checkpoint replays from the genesis block when no stored checkpoint
// below its first block is kept. An audit from the genesis block keeps
// one every storeBatch blocks, so only its first storeBatch blocks need
// this; a state replaced later (a new generation) leaves a re-audit far
// below it without state, as before.
const maxGenesisReplay = 8 * storeBatch

// storedBlocks yields the raw stored blocks from..to of chain.
func storedBlocks(ctx context.Context, st Store, chain string, from, to uint64) func(yield func(fabric.RawBlock, error) bool) {
	return func(yield func(fabric.RawBlock, error) bool) {
		for h := from; h <= to; h++ {
			raw, err := st.RawBlock(ctx, chain, h)
			if err == nil && len(raw) == 0 {
				err = fmt.Errorf("block %d: %w", h, fabric.ErrNoRaw)
			}
			if err != nil {
				yield(fabric.RawBlock{}, err)
				return
			}
			if !yield(fabric.RawBlock{Number: h, Bytes: raw}, nil) {
				return
			}
		}
	}
}

// auditStored audits the stored blocks from..to, which must continue what
// a has seen, and stores their verdicts, findings and (unless
// recordsOnly) the checkpoint.
func (a *Auditor) auditStored(ctx context.Context, st Store, from, to uint64, recordsOnly bool) error {
	chain := a.cfg.Chain.ID
	if a.below && !recordsOnly {
		return fmt.Errorf("%w: an audit resumed below the stored checkpoint stores records only", ErrConfig)
	}
	src := storedBlocks(ctx, st, chain, from, to)
	var recs []record.AuditRecord
	var fs []ledger.Finding
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		cp := record.AuditCheckpoint{RecordsOnly: true}
		if !recordsOnly {
			cp = a.Checkpoint(a.cfg.Now().UTC())
			cp.Height = recs[len(recs)-1].Height
		}
		if err := st.PutAudit(ctx, chain, recs, fs, cp); err != nil {
			return fmt.Errorf("store audit of blocks %d..%d: %w", recs[0].Height, recs[len(recs)-1].Height, err)
		}
		recs, fs = recs[:0], fs[:0]
		return nil
	}
	err := a.Run(ctx, src, func(r *BlockResult) error {
		recs = append(recs, Record(chain, r, a.cfg.Now().UTC()))
		fs = append(fs, r.Findings...)
		if len(recs) >= storeBatch || (!recordsOnly && a.kind.unsaved() >= maxKeyPolicyWrites) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return err
}

// Record converts a block result to its stored form, audited at at. A
// finding raised more than once on the block (one rule failing several
// checks about one subject, such as each sealer signature over a forged
// block hash) is one finding in the index, and one id in the record.
func Record(chain string, r *BlockResult, at time.Time) record.AuditRecord {
	rec := record.AuditRecord{
		Chain: chain, Height: r.Height, Hash: r.Hash, Verdict: r.Verdict, Signatures: r.Signatures, At: at,
		Txs: make([]record.TxAudit, len(r.Txs)),
	}
	for i, tv := range r.Txs {
		rec.Txs[i] = record.TxAudit{Index: tv.Index, ID: tv.ID, Verdict: tv.Verdict}
	}
	for _, f := range r.Findings {
		if !slices.Contains(rec.Findings, f.ID) {
			rec.Findings = append(rec.Findings, f.ID)
		}
	}
	return rec
}
