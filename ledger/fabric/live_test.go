package fabric_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// logCounter counts log records by message.
type logCounter struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (c *logCounter) count(msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgs[msg]
}

// countingHandler feeds a logCounter and passes records on.
type countingHandler struct {
	c    *logCounter
	next slog.Handler
}

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.c.mu.Lock()
	h.c.msgs[r.Message]++
	h.c.mu.Unlock()
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}
func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{h.c, h.next.WithAttrs(as)}
}
func (h countingHandler) WithGroup(g string) slog.Handler {
	return countingHandler{h.c, h.next.WithGroup(g)}
}

// liveNetwork starts a real Fabric network.
func liveNetwork(t *testing.T, opts fabnet.Options) (context.Context, *fabnet.Network) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts a real Fabric network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	opts.Dir = t.TempDir()
	n, err := fabnet.Start(ctx, opts)
	if err != nil {
		t.Fatalf("fabnet.Start = %v", err)
	}
	t.Cleanup(n.Stop)
	return ctx, n
}

// liveConfig is the configuration of Org1's User1 on n.
func liveConfig(t *testing.T, n *fabnet.Network, log *slog.Logger) fabric.LiveConfig {
	t.Helper()
	profile, err := n.ConnectionProfile("Org1")
	if err != nil {
		t.Fatal(err)
	}
	u, err := n.User("Org1", "User1")
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := fabric.ReadMSPDir(u.MSPDir)
	if err != nil {
		t.Fatal(err)
	}
	return fabric.LiveConfig{Profile: profile, MSPID: u.MSPID, Cert: cert, Key: key, Logger: log, MaxBackoff: 2 * time.Second}
}

// TestLiveFollowPeerRestart follows a real network through the peer's
// deliver service, restarts the peer mid-stream and checks that the index
// holds every block exactly once, identical to the peer's own copies. It
// runs against Fabric 2.5.9 with etcdraft and 3.1.1 with BFT.
func TestLiveFollowPeerRestart(t *testing.T) {
	for _, opts := range []fabnet.Options{
		{Version: fabnet.V2_5_9, Consensus: fabnet.EtcdRaft},
		{Version: fabnet.V3_1_1, Consensus: fabnet.BFT},
	} {
		t.Run(opts.Version+"-"+opts.Consensus, func(t *testing.T) { livePeerRestart(t, opts) })
	}
}

func livePeerRestart(t *testing.T, opts fabnet.Options) {
	ctx, n := liveNetwork(t, opts)
	logs := &logCounter{msgs: map[string]int{}}
	log := slog.New(countingHandler{logs, slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})})
	net, err := fabric.Dial(ctx, liveConfig(t, n, log))
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const chain = "live"
	if err := db.PutChain(ctx, ledger.Chain{ID: chain, Kind: ledger.KindFabric, Channel: n.Channel()}); err != nil {
		t.Fatal(err)
	}
	resume := func(ctx context.Context) (uint64, error) {
		cp, err := db.Checkpoint(ctx, chain)
		if errors.Is(err, ledger.ErrNotFound) {
			return 0, nil
		}
		return cp.Height + 1, err
	}
	src, err := net.Channel(ctx, n.Channel(), chain, resume, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ledger.NewIngester(chain, src, db, ledger.IngestConfig{Follow: true, PollInterval: 500 * time.Millisecond, MaxBackoff: 2 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(runCtx) }()

	put := func(k string) {
		t.Helper()
		if _, err := n.Put(ctx, k, "v-"+k); err != nil {
			t.Fatalf("Put(%s) = %v", k, err)
		}
	}
	caughtUp := func(what string) uint64 {
		t.Helper()
		h, err := n.Height(ctx)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			cp, err := db.Checkpoint(ctx, chain)
			if err == nil && cp.Height+1 >= h {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: index at %+v, peer height %d", what, cp, h)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for i := range 3 {
		put(fmt.Sprintf("before-%d", i))
	}
	caughtUp("before restart")
	delivered := logs.count("block delivered")
	retries := logs.count("ingest retry")
	if err := n.RestartPeer(ctx, "Org1"); err != nil {
		t.Fatalf("RestartPeer = %v", err)
	}
	for i := range 3 {
		put(fmt.Sprintf("after-%d", i))
	}
	height := caughtUp("after restart")
	// The peer was really gone for a while, and the blocks after the
	// restart came through the reconnected deliver stream.
	if logs.count("ingest retry") == retries {
		t.Errorf("no ingest retry while the peer restarted")
	}
	deadline := time.Now().Add(time.Minute)
	for logs.count("block delivered") < delivered+3 {
		if time.Now().After(deadline) {
			t.Fatalf("the block event stream delivered %d blocks after the restart, want 3", logs.count("block delivered")-delivered)
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}

	seen := map[string]uint64{}
	var keys []string
	for h := range height {
		b, err := db.Block(ctx, chain, h)
		if err != nil {
			t.Fatalf("Block(%d) = %v (gap)", h, err)
		}
		raw, err := n.FetchBlock(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Raw, raw) {
			t.Errorf("block %d differs from the peer's copy", h)
		}
		for i, sig := range b.Signatures {
			if sig.Signer.MSPID != "OrdererMSP" || sig.Signer.Subject == "" {
				t.Errorf("block %d signature %d signer = %+v, want an OrdererMSP certificate", h, i, sig.Signer)
			}
		}
		if h > 0 && len(b.Signatures) == 0 {
			t.Errorf("block %d has no orderer signature", h)
		}
		if len(b.Fabric.TxFilter) != len(b.Txs) {
			t.Errorf("block %d has %d validation codes for %d txs: not the peer's copy", h, len(b.Fabric.TxFilter), len(b.Txs))
		}
		for _, tx := range b.Txs {
			if prev, dup := seen[tx.ID]; dup {
				t.Errorf("tx %s in blocks %d and %d", tx.ID, prev, h)
			}
			seen[tx.ID] = h
			for _, ns := range tx.Fabric.RWSets {
				for _, w := range ns.Writes {
					if strings.HasPrefix(w.Key, "before-") || strings.HasPrefix(w.Key, "after-") {
						keys = append(keys, w.Key)
					}
				}
			}
		}
	}
	if len(keys) != 6 {
		t.Errorf("indexed writes %v, want the 6 puts", keys)
	}
	if _, err := db.Block(ctx, chain, height); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Block(%d) beyond the peer's height: err = %v", height, err)
	}
}
