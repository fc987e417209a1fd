package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// startLianjian runs this test binary as `lianjian args...` in a child
// process.
func startLianjian(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LIANJIAN_TEST_MAIN=1", "LIANJIAN_TEST_ARGS="+strings.Join(args, " "))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestKill9Ingest kills `lianjian ingest` with SIGKILL at random moments
// while it ingests a real geth chain, restarts it each time, and checks
// that the final index has every block exactly once with every
// transaction and history entry, and nothing else.
func TestKill9Ingest(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real geth and kills lianjian processes")
	}
	ctx := context.Background()
	node, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Stop()
	tr, err := node.Drive(ctx, geth.TrafficOptions{Bulk: 300})
	if err != nil {
		t.Fatal(err)
	}
	var headHex string
	if err := node.Call(ctx, &headHex, "eth_blockNumber"); err != nil {
		t.Fatal(err)
	}
	var head uint64
	fmt.Sscanf(headHex, "0x%x", &head)
	dir := t.TempDir()
	args := []string{"ingest", "--data-dir", dir, "--evm-http", node.HTTP, "--chain", "dev", "--batch", "2", "--progress", "never", "--to", fmt.Sprint(head)}
	rng := rand.New(rand.NewPCG(1, 2))
	for kill := 0; kill < 8; kill++ {
		cmd := startLianjian(t, args...)
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
	cmd := startLianjian(t, args...)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final ingest: %v", err)
	}

	db, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cp, err := db.Checkpoint(ctx, "dev")
	if err != nil || cp.Height != head {
		t.Fatalf("Checkpoint = %d, %v; want %d", cp.Height, err, head)
	}
	txs := 0
	for h := uint64(0); h <= head; h++ {
		b, err := db.Block(ctx, "dev", h)
		if err != nil {
			t.Fatalf("Block(%d) = %v (gap)", h, err)
		}
		if h > 0 {
			prev, _ := db.Block(ctx, "dev", h-1)
			if string(prev.Hash) != string(b.ParentHash) {
				t.Fatalf("Block(%d) parent does not link to block %d", h, h-1)
			}
		}
		txs += len(b.Txs)
	}
	if txs != len(tr.Txs) {
		t.Errorf("indexed %d txs, node has %d", txs, len(tr.Txs))
	}
	// Every sender's history lists each of its transactions exactly once.
	seen := map[string]int{}
	for _, h := range tr.Txs {
		tx, err := db.Tx(ctx, "dev", h.Hex())
		if err != nil {
			t.Fatalf("Tx(%s) = %v", h.Hex(), err)
		}
		seen[tx.From]++
	}
	for from, n := range seen {
		var got int
		cursor := ""
		for {
			es, next, err := db.AddressHistory(ctx, "dev", from, ledger.Page{Cursor: cursor, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if e.Role == "from" {
					got++
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if got != n {
			t.Errorf("history of %s has %d sent txs, want %d", from, got, n)
		}
	}
}
