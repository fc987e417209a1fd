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
	// Block 6 names a parent that is not the node's block 5, every time
	// it is served: the node forged block 5's hash, or block 6's link.
	unlinked := append([]*ledger.Block{}, chain...)
	forged := *chain[6]
	forged.ParentHash = ledgertest.Hash("forged")
	unlinked[6] = &forged
	tests := []struct {
		name   string
		src    ledger.Source
		rule   *ledger.RuleInfo
		height uint64 // where the break is seen
		last   uint64 // checkpoint after the run
	}{
		{"undecodable block", &breakSource{fakeSource: fakeSource{blocks: chain}, bad: 7}, ledger.RuleBreakUndecodable, 7, 6},
		{"gap", &fakeSource{blocks: gapped}, ledger.RuleBreakGap, 6, 4},
		{"block that does not link to the node's own block below", &fakeSource{blocks: unlinked}, ledger.RuleBreakUnlinked, 6, 5},
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

// fileSource serves a chain as a file source does: final blocks, a
// batch cut short at a break returned with the blocks before it, and
// where each block was read.
type fileSource struct {
	fakeSource
	bad  uint64 // the block whose two envelopes do not decode
	stop bool   // stop at bad with the blocks before it
}

func (*fileSource) Final() {}

func (s *fileSource) Locate(height uint64) (string, int64, bool) {
	return "blockfile_000000", int64(height) * 100, true
}

func (s *fileSource) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	if !s.stop || s.bad < from || s.bad > to {
		return s.fakeSource.Blocks(ctx, from, to)
	}
	bs, _ := s.fakeSource.Blocks(ctx, from, s.bad-1)
	return bs, errors.Join(
		&ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: s.bad, Tx: 0, Err: errors.New("envelope 0")},
		&ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: s.bad, Tx: 1, Err: errors.New("envelope 1")})
}

// TestIngestFileBreaks checks the breaks of a file source: the blocks
// fetched with a break are committed, every break at the block is filed,
// and a block that does not link is a BRK-UNLINKED break naming its file,
// not a reorg.
func TestIngestFileBreaks(t *testing.T) {
	chain := ledgertest.Chain("c", "main", 0, 10, nil)
	fork := append(append([]*ledger.Block{}, chain[:6]...), ledgertest.Chain("c", "fork", 6, 4, ledgertest.Hash("other"))...)
	tests := []struct {
		name     string
		src      ledger.Source
		rule     *ledger.RuleInfo
		height   uint64
		last     uint64
		findings int
		file     string
	}{
		{"two bad envelopes mid-batch", &fileSource{fakeSource: fakeSource{blocks: chain}, bad: 7, stop: true}, ledger.RuleBreakUndecodable, 7, 6, 2, ""},
		{"unlinked block", &fileSource{fakeSource: fakeSource{blocks: fork}}, ledger.RuleBreakUnlinked, 6, 5, 1, "blockfile_000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openStore(t)
			err := run(t, tt.src, db, ledger.IngestConfig{Batch: 32, MaxRetries: 1})
			var brk *ledger.Break
			if !errors.As(err, &brk) || brk.Rule != tt.rule || brk.Height != tt.height || brk.File != tt.file {
				t.Fatalf("Run = %v, want a %s break at %d in %q", err, tt.rule.ID, tt.height, tt.file)
			}
			ctx := context.Background()
			if cp, err := db.Checkpoint(ctx, "c"); err != nil || cp.Height != tt.last {
				t.Errorf("Checkpoint = %d, %v; want %d", cp.Height, err, tt.last)
			}
			fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "c", Rule: tt.rule.ID}, ledger.Page{})
			if err != nil || len(fs) != tt.findings {
				t.Errorf("Findings(%s) = %v, %v; want %d", tt.rule.ID, fs, err, tt.findings)
			}
		})
	}
}

// TestIngestConcurrentWriters runs two ingesters of one chain into one
// store at once, as two workers do for a moment when one takes over a
// chain the other has not yet noticed losing. The store refuses every
// block the other already committed; each ingester reads the checkpoint
// again and goes on, so every block is stored once and no break is filed.
func TestIngestConcurrentWriters(t *testing.T) {
	db := openStore(t)
	chain := ledgertest.Chain("c", "main", 0, 300, nil)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			errs <- run(t, &fakeSource{blocks: chain}, db, ledger.IngestConfig{Batch: 1, Prefetch: 2, To: 299})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Run = %v", err)
		}
	}
	ctx := context.Background()
	if cp, err := db.Checkpoint(ctx, "c"); err != nil || cp.Height != 299 {
		t.Fatalf("Checkpoint = %d, %v; want 299", cp.Height, err)
	}
	for h := range uint64(300) {
		if b, err := db.Block(ctx, "c", h); err != nil || b.Height != h || string(b.Hash) != string(chain[h].Hash) {
			t.Fatalf("Block(%d) = %v, %v; want block %d", h, b, err, h)
		}
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "c"}, ledger.Page{})
	if err != nil || len(fs) != 0 {
		t.Errorf("Findings = %v, %v; want none", fs, err)
	}
}

// staleOnce serves its block 6 from a stale fork the first time only.
type staleOnce struct {
	fakeSource
	stale  *ledger.Block
	served bool
}

func (s *staleOnce) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	bs, err := s.fakeSource.Blocks(ctx, from, to)
	if err != nil || s.served || from > 6 || to < 6 {
		return bs, err
	}
	s.served = true
	bs = append([]*ledger.Block{}, bs...)
	bs[6-from] = s.stale
	return bs, nil
}

// TestIngestStaleBlockIsNoBreak: a block that does not link to the
// node's block below it once (fetched before the node switched forks)
// but links when fetched again is no break: ingest goes on, files
// nothing and records no reorg.
func TestIngestStaleBlockIsNoBreak(t *testing.T) {
	chain := ledgertest.Chain("c", "main", 0, 10, nil)
	stale := *chain[6]
	stale.ParentHash = ledgertest.Hash("stale")
	db := openStore(t)
	if err := run(t, &staleOnce{fakeSource: fakeSource{blocks: chain}, stale: &stale}, db, ledger.IngestConfig{Batch: 1, MaxRetries: 2}); err != nil {
		t.Fatalf("Run = %v", err)
	}
	ctx := context.Background()
	if cp, err := db.Checkpoint(ctx, "c"); err != nil || cp.Height != 9 {
		t.Errorf("Checkpoint = %d, %v; want 9", cp.Height, err)
	}
	if fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "c"}, ledger.Page{}); err != nil || len(fs) != 0 {
		t.Errorf("Findings = %v, %v; want none", fs, err)
	}
}
