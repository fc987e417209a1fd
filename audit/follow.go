package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// FollowStore is what Follow reads and writes: the audit store and the
// ingest checkpoint it follows.
type FollowStore interface {
	Store
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
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

// Follow audits a chain as ingest commits it: it keeps its own checkpoint
// in the index, audits every block above it up to the ingest checkpoint,
// and waits for more. It stops when ctx ends; a failed round is logged and
// retried, so one bad block never stops the supervision of others.
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
	log := cfg.Logger
	wait := fc.Poll
	for {
		n, s, err := followRound(ctx, st, cfg, fc.MaxBlocks)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			if log != nil {
				log.Error("audit round failed", "chain", cfg.Chain.ID, "err", err)
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

// followRound audits the blocks between the audit and ingest checkpoints.
func followRound(ctx context.Context, st FollowStore, cfg Config, maxBlocks uint64) (uint64, Summary, error) {
	chain := cfg.Chain.ID
	ing, err := st.Checkpoint(ctx, chain)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, Summary{}, nil
	}
	if err != nil {
		return 0, Summary{}, fmt.Errorf("ingest checkpoint: %w", err)
	}
	from := uint64(0)
	switch cp, err := st.AuditCheckpoint(ctx, chain); {
	case err == nil:
		from = cp.Height + 1
	case !errors.Is(err, ledger.ErrNotFound):
		return 0, Summary{}, fmt.Errorf("audit checkpoint: %w", err)
	}
	if from > ing.Height {
		return 0, Summary{}, nil
	}
	to := min(ing.Height, from+maxBlocks-1)
	s, err := Reaudit(ctx, st, cfg, from, to)
	return to - from + 1, s, err
}
