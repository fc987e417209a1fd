package index

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
	"github.com/lianjian/lianjian/ledger/storage/pgkv"
)

// openPG opens the index in the PostgreSQL database of dsn, partitioned
// by chain as the commands open it.
func openPG(t *testing.T, dsn string) *DB {
	t.Helper()
	s, err := pgkv.Open(context.Background(), pgkv.Config{DSN: dsn, Partition: KeyPartition, PrefixPartition: PrefixPartition})
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenStore(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// dbName is the database of a pgtest DSN.
func dbName(dsn string) string {
	return dsn[strings.LastIndexByte(dsn, '/')+1 : strings.IndexByte(dsn, '?')]
}

// TestPGBigBlock commits blocks of more than 20 MB each to the index in
// PostgreSQL, one transaction per block, and reads them back; every key
// of the chain is in the chain's one partition.
func TestPGBigBlock(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := pgtest.NewDB(t, srv)
	db := openPG(t, dsn)
	defer db.Close()
	ctx := context.Background()
	if err := db.PutChain(ctx, ledger.Chain{ID: "big", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	blocks := bigBlocks(t, "big", 2, 110, 100<<10) // 11 MB of transactions and 11 MB raw block
	for _, b := range blocks {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d) = %v", b.Height, err)
		}
	}
	last := blocks[len(blocks)-1]
	if cp, err := db.Checkpoint(ctx, "big"); err != nil || cp.Height != last.Height {
		t.Fatalf("Checkpoint = %d, %v; want %d", cp.Height, err, last.Height)
	}
	got, err := db.Block(ctx, "big", last.Height)
	if err != nil || len(got.Txs) != len(last.Txs) {
		t.Fatalf("Block = %v, %v; want %d transactions", got, err, len(last.Txs))
	}
	for i, tx := range got.Txs {
		if !bytes.Equal(tx.Raw, last.Txs[i].Raw) {
			t.Fatalf("tx %d raw differs", i)
		}
	}
	if raw, err := db.RawBlock(ctx, "big", last.Height); err != nil || len(raw) != len(last.Raw) {
		t.Fatalf("RawBlock = %d bytes, %v; want %d", len(raw), err, len(last.Raw))
	}
	out, err := srv.Exec(dbName(dsn), `SELECT count(DISTINCT tableoid) FROM kv WHERE part = 'big'`)
	if err != nil || out != "1" {
		t.Errorf("partitions holding chain big = %q, %v; want 1", out, err)
	}
	// Besides the chain's partition, its commits wrote only the
	// findings (f/) and the findings' workflow state (W/, w/); opening
	// the index wrote its record format (m/format).
	out, err = srv.Exec(dbName(dsn), `SELECT string_agg(DISTINCT convert_from(substr(key, 1, 1), 'UTF8'), '') FROM kv WHERE part = ''`)
	if err != nil || strings.Trim(out, "fWwm") != "" {
		t.Errorf("tables in the partition of no chain = %q, %v; want findings and the format only", out, err)
	}
}

// TestPGKillMidCommit kills the PostgreSQL server (SIGKILL to every one
// of its processes) while the index commits a block of about 40 MB, at
// several moments, restarts it and checks that the block is either
// whole or absent, and present whenever the commit returned nil.
func TestPGKillMidCommit(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := pgtest.NewDB(t, srv)
	db := openPG(t, dsn)
	defer func() { db.Close() }()
	ctx := context.Background()
	if err := db.PutChain(ctx, ledger.Chain{ID: "kill", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	delays := []time.Duration{30 * time.Millisecond, 300 * time.Millisecond, 800 * time.Millisecond, 1500 * time.Millisecond, 20 * time.Second}
	blocks := bigBlocks(t, "kill", len(delays)+1, 200, 100<<10)
	if err := db.Commit(ctx, blocks[0]); err != nil {
		t.Fatal(err)
	}
	next, interrupted := 1, 0
	for _, delay := range delays {
		b := blocks[next]
		done := make(chan error, 1)
		go func() { done <- db.Commit(ctx, b) }()
		var err error
		select {
		case err = <-done:
		case <-time.After(delay):
			srv.Kill()
			err = <-done
		}
		srv.Kill() // a no-op when already killed: every round restarts
		db.Close()
		if rerr := srv.Restart(); rerr != nil {
			t.Fatal(rerr)
		}
		db = openPG(t, dsn)
		cp, cerr := db.Checkpoint(ctx, "kill")
		if cerr != nil {
			t.Fatalf("Checkpoint after restart = %v", cerr)
		}
		switch cp.Height {
		case b.Height:
			got, gerr := db.Block(ctx, "kill", b.Height)
			if gerr != nil || len(got.Txs) != len(b.Txs) {
				t.Fatalf("block %d after restart = %v, %v; want whole", b.Height, got, gerr)
			}
			next++
		case b.Height - 1:
			if err == nil {
				t.Fatalf("Commit(%d) returned nil but the block is gone after the restart", b.Height)
			}
			if _, gerr := db.Block(ctx, "kill", b.Height); !errors.Is(gerr, ledger.ErrNotFound) {
				t.Fatalf("Block(%d) of an interrupted commit = %v, want ErrNotFound", b.Height, gerr)
			}
			for _, tx := range b.Txs {
				if txs, terr := db.TxAnyChain(ctx, tx.ID); !errors.Is(terr, ledger.ErrNotFound) || len(txs) != 0 {
					t.Fatalf("tx %s of an interrupted commit: %v, %v; want absent", tx.ID, txs, terr)
				}
			}
			interrupted++
		default:
			t.Fatalf("checkpoint %d after killing the commit of block %d", cp.Height, b.Height)
		}
		t.Logf("kill after %v: commit error %v, block %d present: %v", delay, err, b.Height, cp.Height == b.Height)
	}
	if interrupted == 0 || next == 1 {
		t.Fatalf("%d kills interrupted a commit, %d commits completed; want both outcomes", interrupted, next-1)
	}
}

// TestPGConcurrentCommits has two index handles on the same database, as
// two processes would, commit competing blocks at the same height of one
// chain at once, round after round: exactly one commit of each round
// succeeds, the other finds the checkpoint moved, and the stored block
// is the winner's.
func TestPGConcurrentCommits(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := pgtest.NewDB(t, srv)
	one, two := openPG(t, dsn), openPG(t, dsn)
	defer one.Close()
	defer two.Close()
	ctx := context.Background()
	if err := one.PutChain(ctx, ledger.Chain{ID: "race", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	var parent []byte
	for h := uint64(0); h < 8; h++ {
		blocks := []*ledger.Block{
			ledgertest.Chain("race", "one", h, 1, parent)[0],
			ledgertest.Chain("race", "two", h, 1, parent)[0],
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, db := range []*DB{one, two} {
			wg.Go(func() { errs[i] = db.Commit(ctx, blocks[i]) })
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won < 0:
				won = i
			case err == nil:
				t.Fatalf("height %d: both competing commits succeeded", h)
			case !errors.Is(err, ledger.ErrGap) && !errors.Is(err, ledger.ErrReorg):
				t.Fatalf("height %d: losing commit = %v, want ErrGap or ErrReorg", h, err)
			}
		}
		if won < 0 {
			t.Fatalf("height %d: no commit succeeded: %v", h, errs)
		}
		cp, err := two.Checkpoint(ctx, "race")
		if err != nil || cp.Height != h || !bytes.Equal(cp.Hash, blocks[won].Hash) {
			t.Fatalf("height %d: checkpoint %+v, %v; want the winner's", h, cp, err)
		}
		parent = blocks[won].Hash
	}
}

// TestPGAuditState runs the tests of the world state kept by height on
// PostgreSQL: reads as of a height, range scans and the layout before
// them go through its partitioned tables as through badger and memdb.
func TestPGAuditState(t *testing.T) {
	srv := pgtest.Start(t)
	for _, tt := range []struct {
		name string
		run  func(t *testing.T, open opener)
	}{{"versions", testAuditStateVersions}, {"legacy", testAuditStateLegacy}} {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, func(t *testing.T) *DB {
				db := openPG(t, pgtest.NewDB(t, srv))
				t.Cleanup(func() { db.Close() })
				return db
			})
		})
	}
}
