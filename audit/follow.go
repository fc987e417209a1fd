package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// FollowStore is what Follow reads and writes: the audit store, the
// ingest checkpoint it follows and the chain's stored description.
type FollowStore interface {
	Store
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	Chain(ctx context.Context, id string) (ledger.Chain, error)
}

// FollowConfig configures Follow.
type FollowConfig struct {
	// Poll is how often the ingest checkpoint is checked (default 2s).
	Poll time.Duration
	// MaxBlocks bounds one audit round, so verdicts land steadily while a
	// long backfill is ingested (default 2048).
	MaxBlocks uint64
	// OnAudited, when set, is told how many blocks a round audited.
	OnAudited func(blocks uint64, s Summary)
}

// Follow audits a chain of any kind as ingest commits it: it keeps its own
// checkpoint in the index, audits every block above it up to the ingest
// checkpoint, and waits for more. What ingest learned from the chain's
// node and stored with its description (the EIP-155 chain id of an EVM
// chain, the group of a FISCO BCOS chain) completes cfg.Chain. One auditor serves every round, so the config in
// force, the validated certificate chains and the verified signatures
// carry over; after a failed round it is primed again from the store. It
// stops when ctx ends; a failed round is logged and retried, so one bad
// block never stops the supervision of others.
func Follow(ctx context.Context, st FollowStore, cfg Config, fc FollowConfig) error {
	if fc.Poll <= 0 {
		fc.Poll = 2 * time.Second
	}
	if fc.MaxBlocks == 0 {
		fc.MaxBlocks = 2048
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	f := &follower{st: st, cfg: cfg}
	wait := fc.Poll
	for {
		n, s, err := f.round(ctx, fc.MaxBlocks)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			if cfg.Logger != nil {
				cfg.Logger.Error("audit round failed", "chain", cfg.Chain.ID, "err", err)
			}
			wait = min(2*wait, time.Minute)
		default:
			wait = fc.Poll
			if n > 0 && fc.OnAudited != nil {
				fc.OnAudited(n, s)
			}
		}
		if n == fc.MaxBlocks && err == nil {
			continue // more to do right away
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// follower is Follow's state between rounds.
type follower struct {
	st   FollowStore
	cfg  Config
	a    *Auditor // nil until primed, and after a failed round
	next uint64   // the height a continues from
}

// round audits the blocks between the audit and ingest checkpoints, at
// most max of them, and returns what this round added to the summary.
func (f *follower) round(ctx context.Context, max uint64) (uint64, Summary, error) {
	chain := f.cfg.Chain.ID
	ing, err := f.st.Checkpoint(ctx, chain)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, Summary{}, nil
	}
	if err != nil {
		return 0, Summary{}, fmt.Errorf("ingest checkpoint: %w", err)
	}
	from := uint64(0)
	switch cp, err := f.st.AuditCheckpoint(ctx, chain); {
	case err == nil:
		from = cp.Height + 1
	case !errors.Is(err, ledger.ErrNotFound):
		return 0, Summary{}, fmt.Errorf("audit checkpoint: %w", err)
	}
	if from > ing.Height {
		return 0, Summary{}, nil
	}
	to := min(ing.Height, from+max-1)
	if f.a == nil || f.next != from {
		cfg, err := f.described(ctx)
		if err != nil {
			return 0, Summary{}, err
		}
		if f.a, err = resume(ctx, f.st, cfg, from); err != nil {
			return 0, Summary{}, err
		}
	}
	before := f.a.Summary()
	if err := f.a.auditStored(ctx, f.st, from, to, false); err != nil {
		f.a = nil
		return 0, Summary{}, err
	}
	f.next = to + 1
	return to - from + 1, f.a.Summary().since(before), nil
}

// described returns the configuration completed with what the chain's
// stored description adds to it: the EIP-155 chain id and the FISCO BCOS
// group that ingest learns from the node.
func (f *follower) described(ctx context.Context) (Config, error) {
	cfg := f.cfg
	c, err := f.st.Chain(ctx, cfg.Chain.ID)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return cfg, nil
	case err != nil:
		return cfg, fmt.Errorf("chain description: %w", err)
	case c.Kind != cfg.Chain.Kind:
		return cfg, fmt.Errorf("%w: chain %s is stored as %s, not %s", ErrConfig, c.ID, c.Kind, cfg.Chain.Kind)
	}
	if cfg.Chain.ChainID == 0 {
		cfg.Chain.ChainID = c.ChainID
	}
	if cfg.Chain.Group == "" {
		cfg.Chain.Group = c.Group
	}
	return cfg, nil
}

// since returns what s counted after before, from the same auditor.
func (s Summary) since(before Summary) Summary {
	d := s
	d.Blocks -= before.Blocks
	d.Txs -= before.Txs
	d.Signatures -= before.Signatures
	d.Verifies -= before.Verifies
	d.Reused -= before.Reused
	d.Tabled -= before.Tabled
	d.Integrity -= before.Integrity
	d.First = before.Last + 1
	if before.Blocks == 0 {
		d.First = s.First
	}
	d.Findings = make(map[string]int, len(s.Findings))
	for rule, n := range s.Findings {
		if n -= before.Findings[rule]; n > 0 {
			d.Findings[rule] = n
		}
	}
	return d
}
