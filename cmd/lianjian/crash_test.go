package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
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

// killMidIngest runs `lianjian args...` and kills it with SIGKILL after a
// random pause (minPause ms plus up to spread ms) until five kills have
// landed mid-ingest (the checkpoint strictly between start and head), so
// that a test cannot pass without crashes. A kill that lands before any
// progress (a loaded machine starts processes slowly) lengthens the pause.
// After every kill the index must reopen and its checkpoint never go back.
func killMidIngest(t *testing.T, dir, chain string, head uint64, args []string, rng *rand.Rand, minPause, spread int) {
	t.Helper()
	ctx := context.Background()
	midway, last, attempt := 0, uint64(0), 0
	for ; midway < 5 && attempt < 60; attempt++ {
		cmd := startLianjian(t, args...)
		time.Sleep(time.Duration(minPause+rng.IntN(spread)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		db, err := index.Open(dir, index.Options{})
		if err != nil {
			t.Fatalf("reopen after kill -9: %v", err)
		}
		cp, err := db.Checkpoint(ctx, chain)
		db.Close()
		switch {
		case errors.Is(err, ledger.ErrNotFound), err == nil && cp.Height == last:
			minPause = min(minPause+100, 2000) // no progress before the kill
		case err != nil:
			t.Fatal(err)
		case cp.Height < last:
			t.Fatalf("checkpoint went back from %d to %d after kill -9", last, cp.Height)
		case cp.Height > last && cp.Height < head:
			midway++
			last = cp.Height
		case cp.Height >= head:
			t.Fatalf("ingest of %d blocks finished after %d mid-ingest kills, before 5; the chain is too short", head, midway)
		}
	}
	if midway < 5 {
		t.Fatalf("only %d of %d kills landed mid-ingest of %d blocks", midway, attempt, head)
	}
	t.Logf("%d of %d kills landed mid-ingest of %d blocks", midway, attempt, head)
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
	tr, err := node.Drive(ctx, geth.TrafficOptions{Bulk: 400})
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
	// A proxy that delays each response makes ingest last a few seconds,
	// so that kills land at random points inside it.
	args := []string{"ingest", "--data-dir", dir, "--evm-http", slowProxy(t, node.HTTP, 15*time.Millisecond), "--chain", "dev", "--batch", "1", "--progress", "never", "--to", fmt.Sprint(head)}
	killMidIngest(t, dir, "dev", head, args, rand.New(rand.NewPCG(1, 2)), 100, 400)
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

// slowProxy serves a reverse proxy to target on loopback that serves one
// request at a time, each delayed by d.
func slowProxy(t *testing.T, target string, d time.Duration) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// One request at a time: ingest's concurrent prefetch must not
	// overlap the delays, or the chain is ingested before the kills land.
	var mu sync.Mutex
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		time.Sleep(d)
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}
