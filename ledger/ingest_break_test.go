package ledger_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// breakSource serves a chain whose block bad does not decode.
type breakSource struct {
	fakeSource
	bad uint64
}

func (s *breakSource) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	if from <= s.bad && s.bad <= to {
		return nil, &ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: s.bad, Tx: ledger.NoTx, Err: errors.New("truncated")}
	}
	return s.fakeSource.Blocks(ctx, from, to)
}

// TestIngestBreaks checks that a one-shot ingest stops at a break, keeps
// the blocks before it and files the break as a finding on the chain.
func TestIngestBreaks(t *testing.T) {
	chain := ledgertest.Chain("c", "main", 0, 10, nil)
	gapped := append(append([]*ledger.Block{}, chain[:5]...), chain[6:]...)
	tests := []struct {
		name   string
		src    ledger.Source
		rule   *ledger.RuleInfo
		height uint64 // where the break is seen
		last   uint64 // checkpoint after the run
	}{
		{"undecodable block", &breakSource{fakeSource: fakeSource{blocks: chain}, bad: 7}, ledger.RuleBreakUndecodable, 7, 6},
		{"gap", &fakeSource{blocks: gapped}, ledger.RuleBreakGap, 6, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openStore(t)
			err := run(t, tt.src, db, ledger.IngestConfig{Batch: 1, MaxRetries: 1})
			var brk *ledger.Break
			if !errors.As(err, &brk) || brk.Rule != tt.rule || brk.Height != tt.height {
				t.Fatalf("Run = %v, want a %s break at %d", err, tt.rule.ID, tt.height)
			}
			ctx := context.Background()
			if cp, err := db.Checkpoint(ctx, "c"); err != nil || cp.Height != tt.last {
				t.Errorf("Checkpoint = %d, %v; want %d", cp.Height, err, tt.last)
			}
			fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "c", Rule: tt.rule.ID}, ledger.Page{})
			if err != nil || len(fs) != 1 || fs[0].Subject.Height != tt.height {
				t.Errorf("Findings(%s) = %v, %v; want one at %d", tt.rule.ID, fs, err, tt.height)
			}
		})
	}
}
