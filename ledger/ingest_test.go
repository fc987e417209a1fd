package ledger_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// fakeSource is a hand-written chain: a canonical list of blocks, with
// failures injected on demand.
type fakeSource struct {
	mu     sync.Mutex
	blocks []*ledger.Block
	fail   int // fail the next n calls
	calls  int
}

func (f *fakeSource) Head(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail > 0 {
		f.fail--
		return 0, errors.New("node unavailable")
	}
	return uint64(len(f.blocks) - 1), nil
}

func (f *fakeSource) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return nil, errors.New("node unavailable")
	}
	if int(to) >= len(f.blocks) {
		return nil, ledger.ErrNotFound
	}
	return f.blocks[from : to+1], nil
}

func (f *fakeSource) set(bs []*ledger.Block) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocks = bs
}

func openStore(t *testing.T) *index.DB {
	t.Helper()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutChain(context.Background(), ledger.Chain{ID: "c", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	return db
}

func run(t *testing.T, src ledger.Source, db *index.DB, cfg ledger.IngestConfig) error {
	t.Helper()
	cfg.MaxBackoff = 5 * time.Millisecond
	in, err := ledger.NewIngester("c", src, db, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return in.Run(context.Background())
}

func TestIngestRetriesThroughFailures(t *testing.T) {
	db := openStore(t)
	src := &fakeSource{blocks: ledgertest.Chain("c", "main", 0, 20, nil), fail: 3}
	if err := run(t, src, db, ledger.IngestConfig{Batch: 3}); err != nil {
		t.Fatalf("Run = %v", err)
	}
	cp, _ := db.Checkpoint(context.Background(), "c")
	if cp.Height != 19 {
		t.Fatalf("Checkpoint = %d, want 19", cp.Height)
	}
}

func TestIngestGivesUpWhenNotFollowing(t *testing.T) {
	db := openStore(t)
	src := &fakeSource{blocks: ledgertest.Chain("c", "main", 0, 5, nil), fail: 100}
	err := run(t, src, db, ledger.IngestConfig{MaxRetries: 2})
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Fatalf("Run = %v, want giving up after 3 attempts", err)
	}
}

func TestIngestFromAndTo(t *testing.T) {
	db := openStore(t)
	src := &fakeSource{blocks: ledgertest.Chain("c", "main", 0, 30, nil)}
	if err := run(t, src, db, ledger.IngestConfig{From: 10, To: 20, Batch: 4}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Block(ctx, "c", 9); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Block(9) = %v, want not found (before From)", err)
	}
	cp, _ := db.Checkpoint(ctx, "c")
	if cp.Height != 20 {
		t.Errorf("Checkpoint = %d, want 20 (To)", cp.Height)
	}
	if err := run(t, src, db, ledger.IngestConfig{To: 40}); err == nil {
		t.Error("Run(To beyond head) = nil, want an error naming the head")
	}
}

func TestIngestReorgs(t *testing.T) {
	ctx := context.Background()
	main := ledgertest.Chain("c", "main", 0, 10, nil)
	for _, tc := range []struct {
		name     string
		forkAt   uint64 // first height of the new branch
		newLen   int
		maxDepth int
		wantErr  string
		depth    int
	}{
		{name: "one block", forkAt: 9, newLen: 3, depth: 1},
		{name: "deep", forkAt: 4, newLen: 8, depth: 6},
		{name: "deeper than allowed", forkAt: 2, newLen: 10, maxDepth: 4, wantErr: "deeper than 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openStore(t)
			src := &fakeSource{blocks: main}
			if err := run(t, src, db, ledger.IngestConfig{Batch: 4}); err != nil {
				t.Fatal(err)
			}
			fork := ledgertest.Chain("c", "fork", tc.forkAt, tc.newLen, main[tc.forkAt-1].Hash)
			src.set(append(append([]*ledger.Block{}, main[:tc.forkAt]...), fork...))
			err := run(t, src, db, ledger.IngestConfig{Batch: 4, MaxReorgDepth: tc.maxDepth})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Run = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs, _ := db.Reorgs(ctx, "c")
			if len(rs) != 1 || rs[0].Depth != tc.depth || rs[0].Ancestor != tc.forkAt-1 {
				t.Fatalf("Reorgs = %+v, want depth %d ancestor %d", rs, tc.depth, tc.forkAt-1)
			}
			last := fork[len(fork)-1]
			cp, _ := db.Checkpoint(ctx, "c")
			if cp.Height != last.Height || string(cp.Hash) != string(last.Hash) {
				t.Fatalf("Checkpoint = %d, want %d on the new branch", cp.Height, last.Height)
			}
		})
	}
}

func TestIngestConfigValidate(t *testing.T) {
	for _, c := range []ledger.IngestConfig{
		{Batch: 5000}, {Batch: 1, Prefetch: 100}, {Batch: 1, Prefetch: 1, PollInterval: time.Nanosecond},
		{Batch: 1, Prefetch: 1, PollInterval: time.Second, MaxReorgDepth: 1, From: 5, To: 2},
	} {
		if err := c.Validate(); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", c, err)
		}
	}
}

// seqSource is a fakeSource that is Sequential and records overlapping or
// out-of-order Blocks calls.
type seqSource struct {
	fakeSource
	inFlight, bad int
	next          uint64
}

func (s *seqSource) Sequential() {}

func (s *seqSource) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	s.mu.Lock()
	s.inFlight++
	if s.inFlight > 1 || from != s.next {
		s.bad++
	}
	s.next = to + 1
	s.mu.Unlock()
	time.Sleep(time.Millisecond) // leave room for a concurrent call
	bs, err := s.fakeSource.Blocks(ctx, from, to)
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
	return bs, err
}

func TestIngestSequentialSource(t *testing.T) {
	db := openStore(t)
	src := &seqSource{fakeSource: fakeSource{blocks: ledgertest.Chain("c", "main", 0, 40, nil)}}
	if err := run(t, src, db, ledger.IngestConfig{Batch: 2, Prefetch: 8}); err != nil {
		t.Fatal(err)
	}
	if src.bad != 0 {
		t.Fatalf("a Sequential source saw %d concurrent or out-of-order Blocks calls", src.bad)
	}
	cp, _ := db.Checkpoint(context.Background(), "c")
	if cp.Height != 39 {
		t.Fatalf("Checkpoint = %d, want 39", cp.Height)
	}
}

// countingStore counts the raw bytes of the blocks it commits.
type countingStore struct {
	*index.DB
	committed atomic.Int64
}

func (c *countingStore) Commit(ctx context.Context, b *ledger.Block) error {
	err := c.DB.Commit(ctx, b)
	c.committed.Add(int64(len(b.Raw)))
	return err
}

// bytesSource records the most raw bytes fetched and not yet committed.
type bytesSource struct {
	fakeSource
	store           *countingStore
	fetched, peak   int64
	calls, maxBatch int
}

func (s *bytesSource) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	bs, err := s.fakeSource.Blocks(ctx, from, to)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.maxBatch = max(s.maxBatch, len(bs))
	for _, b := range bs {
		s.fetched += int64(len(b.Raw))
	}
	s.peak = max(s.peak, s.fetched-s.store.committed.Load())
	return bs, err
}

// TestIngestBoundsBytesInFlight checks that batches shrink as blocks
// grow: 600 KB blocks with a 2 MiB budget over four workers are fetched
// one at a time, while small blocks still come Batch to a call.
func TestIngestBoundsBytesInFlight(t *testing.T) {
	const size = 600 << 10
	raw := make([]byte, size)
	blocks := ledgertest.Chain("c", "main", 0, 120, nil)
	for _, b := range blocks {
		b.Raw = raw
	}
	store := &countingStore{DB: openStore(t)}
	src := &bytesSource{fakeSource: fakeSource{blocks: blocks}, store: store}
	cfg := ledger.IngestConfig{Batch: 32, Prefetch: 4, MaxBytes: 2 << 20, MaxBackoff: time.Millisecond}
	in, err := ledger.NewIngester("c", src, store, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cp, _ := store.Checkpoint(context.Background(), "c"); cp.Height != 119 {
		t.Fatalf("Checkpoint = %d, want 119", cp.Height)
	}
	// Four batches of one block each, plus the one being committed.
	if src.peak > 5*size || src.maxBatch > 1 {
		t.Errorf("%d KB fetched and not committed, batches of up to %d blocks; want at most %d KB, 1 block", src.peak>>10, src.maxBatch, 5*size>>10)
	}

	small := &bytesSource{fakeSource: fakeSource{blocks: ledgertest.Chain("c", "main", 0, 640, nil)}, store: &countingStore{DB: openStore(t)}}
	if err := run(t, small, small.store.DB, ledger.IngestConfig{Batch: 32, Prefetch: 4}); err != nil {
		t.Fatal(err)
	}
	if small.maxBatch != 32 || small.calls > 640/32+8 {
		t.Errorf("small blocks: %d calls, batches of up to %d; want about %d calls of 32", small.calls, small.maxBatch, 640/32)
	}
}

// batchStore counts how the ingester commits; with failBatch set its
// CommitBatch fails without storing anything.
type batchStore struct {
	*index.DB
	failBatch              bool
	batches, batched, ones int
}

func (s *batchStore) CommitBatch(ctx context.Context, bs []*ledger.Block) error {
	if s.failBatch {
		return errors.New("batch refused")
	}
	s.batches++
	s.batched += len(bs)
	return s.DB.CommitBatch(ctx, bs)
}

func (s *batchStore) Commit(ctx context.Context, b *ledger.Block) error {
	s.ones++
	return s.DB.Commit(ctx, b)
}

// TestIngestCommitsBatches checks that a store with CommitBatch gets each
// fetched batch in one write, and that a failed batch is committed block
// by block.
func TestIngestCommitsBatches(t *testing.T) {
	for _, fail := range []bool{false, true} {
		store := &batchStore{DB: openStore(t), failBatch: fail}
		src := &fakeSource{blocks: ledgertest.Chain("c", "main", 0, 40, nil)}
		var seen []uint64
		cfg := ledger.IngestConfig{Batch: 8, Prefetch: 2, MaxBackoff: time.Millisecond,
			OnBlock: func(b *ledger.Block, _ uint64) { seen = append(seen, b.Height) }}
		in, err := ledger.NewIngester("c", src, store, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if cp, _ := store.Checkpoint(context.Background(), "c"); cp.Height != 39 {
			t.Fatalf("fail %v: Checkpoint = %d, want 39", fail, cp.Height)
		}
		if store.batched+store.ones != 40 || len(seen) != 40 {
			t.Errorf("fail %v: %d blocks in batches, %d alone, %d reported; want 40 in all", fail, store.batched, store.ones, len(seen))
		}
		for i, h := range seen {
			if h != uint64(i) {
				t.Fatalf("fail %v: block %d reported as number %d", fail, h, i)
			}
		}
		if !fail && store.batches == 0 {
			t.Errorf("no batch was committed in one write")
		}
	}
}

// batchRecorder is the index recording the blocks of each batch write.
type batchRecorder struct {
	*index.DB
	mu      sync.Mutex
	batches [][]uint64
}

func (r *batchRecorder) CommitBatch(ctx context.Context, bs []*ledger.Block) error {
	r.mu.Lock()
	var hs []uint64
	for _, b := range bs {
		hs = append(hs, b.Height)
	}
	r.batches = append(r.batches, hs)
	r.mu.Unlock()
	return r.DB.CommitBatch(ctx, bs)
}

// TestIngestBatchesSmallBlocksOnly checks that runs of small blocks share
// a write and that a large block (here 3 MiB, with a 4 MiB bound) is a
// write of its own, so that a crash undoes at most one large block.
func TestIngestBatchesSmallBlocksOnly(t *testing.T) {
	db := openStore(t)
	chain := ledgertest.Chain("c", "main", 0, 12, nil)
	for _, h := range []int{4, 5, 9} {
		chain[h].Raw = make([]byte, 3<<20)
	}
	rec := &batchRecorder{DB: db}
	in, err := ledger.NewIngester("c", &fakeSource{blocks: chain}, rec, ledger.IngestConfig{Batch: 32, To: 11, MaxBackoff: 5 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, hs := range rec.batches {
		big := 0
		for _, h := range hs {
			if len(chain[h].Raw) >= 3<<20 {
				big++
			}
		}
		if len(hs) < 2 || big > 1 {
			t.Errorf("batch write of blocks %v: want two or more blocks, at most one of them large", hs)
		}
	}
	if len(rec.batches) == 0 {
		t.Error("no batch write: small blocks were committed one by one")
	}
	if cp, err := db.Checkpoint(context.Background(), "c"); err != nil || cp.Height != 11 {
		t.Errorf("Checkpoint = %d, %v; want 11", cp.Height, err)
	}
}
