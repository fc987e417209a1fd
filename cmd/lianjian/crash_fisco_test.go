package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// TestKill9IngestFisco kills `lianjian ingest --fisco-rpc` at random
// points while it ingests a FISCO BCOS test chain (fiscochain, standing in
// for a FISCO node, which cannot run here) and checks that every restart
// resumes from the checkpoint: no gap, no duplicate, every block linked
// and verified with no finding.
func TestKill9IngestFisco(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a FISCO test chain and kills lianjian processes")
	}
	ctx := context.Background()
	const head = 300
	ch, err := fisconet.Start(ctx, fisconet.Options{Version: 3, BulkBlocks: head, BulkTxs: 3 * head, Interval: time.Hour, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Stop()
	dir := t.TempDir()
	args := []string{"ingest", "--data-dir", dir, "--fisco-rpc", slowProxy(t, ch.URL, 15*time.Millisecond), "--chain", "fx",
		"--batch", "1", "--progress", "never", "--to", fmt.Sprint(head)}
	killMidIngest(t, dir, "fx", head, args, rand.New(rand.NewPCG(3, 4)), 300, 500)
	// The last run resumes from the checkpoint straight from the chain: the
	// slow proxy only served to land the kills.
	final := slices.Clone(args)
	final[slices.Index(final, "--fisco-rpc")+1] = ch.URL
	if err := startLianjian(t, final...).Wait(); err != nil {
		t.Fatalf("final ingest: %v", err)
	}
	db, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if cp, err := db.Checkpoint(ctx, "fx"); err != nil || cp.Height != head {
		t.Fatalf("Checkpoint = %d, %v; want %d", cp.Height, err, head)
	}
	txs := 0
	for h := uint64(0); h <= head; h++ {
		b, err := db.Block(ctx, "fx", h)
		if err != nil {
			t.Fatalf("Block(%d) = %v (gap)", h, err)
		}
		if h > 0 {
			prev, _ := db.Block(ctx, "fx", h-1)
			if string(prev.Hash) != string(b.ParentHash) {
				t.Fatalf("Block(%d) parent does not link to block %d", h, h-1)
			}
			if b.Verdict.Status != ledger.Verified {
				t.Fatalf("Block(%d).Verdict = %+v", h, b.Verdict)
			}
		}
		txs += len(b.Txs)
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "fx", MinSeverity: ledger.Medium}, ledger.Page{Limit: 5})
	if err != nil || len(fs) > 0 {
		t.Fatalf("findings after kill -9 restarts: %v %v", fs, err)
	}
	t.Logf("%d blocks (%d txs) ingested through the kills", head, txs)
}
