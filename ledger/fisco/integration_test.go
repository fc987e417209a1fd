package fisco_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/jsonrpc"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco"
	"github.com/lianjian/lianjian/ledger/index"
)

// startChain starts a FISCO BCOS JSON-RPC test chain (a stand-in for a
// FISCO node, which cannot run here; see internal/testnet/fisconet).
func startChain(t *testing.T, o fisconet.Options) *fisconet.Chain {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a FISCO BCOS test chain")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	c, err := fisconet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// ingest runs the ingester from height 0 to to into an in-memory index
// and returns the committed blocks.
func ingest(t *testing.T, url string, cfg fisco.Config, to uint64) []*ledger.Block {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	src, err := fisco.Dial(ctx, fisco.ClientConfig{Config: cfg, URL: url, FetchCode: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	db := newIndex(t, cfg.Chain)
	var blocks []*ledger.Block
	in, err := ledger.NewIngester(cfg.Chain, src, db, ledger.IngestConfig{To: to, Batch: 4, OnBlock: func(b *ledger.Block, _ uint64) {
		blocks = append(blocks, b)
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		got, err := db.Block(ctx, cfg.Chain, b.Height)
		if err != nil || !bytes.Equal(got.Hash, b.Hash) || len(got.Txs) != len(b.Txs) {
			t.Fatalf("Block(%d) from the index = %v, %v", b.Height, got, err)
		}
	}
	return blocks
}

// newIndex opens an in-memory index with one FISCO chain registered; it
// is closed when the test ends.
func newIndex(t *testing.T, chain string) *index.DB {
	t.Helper()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutChain(context.Background(), ledger.Chain{ID: chain, Kind: ledger.KindFisco}); err != nil {
		t.Fatal(err)
	}
	return db
}

func waitHeight(t *testing.T, c *fisconet.Chain, h uint64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var n json.RawMessage
		params := []any{c.Group, ""}
		if _, two := c.Group.(int); two {
			params = []any{c.Group}
		}
		if err := c.Call(context.Background(), &n, "getBlockNumber", params...); err == nil {
			v, _ := strconv.ParseUint(strings.Trim(string(n), `"`), 0, 64)
			if v >= h {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("chain did not reach height %d", h)
}

// TestFollowTestChains ingests 3.x and 2.x chains, GM and not, with
// governance changes to the sealer set, and checks that every block and
// transaction verifies, the crypto mode is detected, the governance
// transactions are decoded and the new sealer signs afterwards.
func TestFollowTestChains(t *testing.T) {
	for _, c := range []struct {
		name    string
		version int
		gm      bool
	}{{"3.x-gm", 3, true}, {"3.x", 3, false}, {"2.x", 2, false}, {"2.x-gm", 2, true}} {
		t.Run(c.name, func(t *testing.T) {
			ch := startChain(t, fisconet.Options{Version: c.version, GM: c.gm, Interval: 100 * time.Millisecond, Txs: 3,
				Governance: []string{"3:addSealer:4:1", "5:setConfig:tx_count_limit:2000"}})
			waitHeight(t, ch, 8)
			blocks := ingest(t, ch.URL, fisco.Config{Chain: "fx"}, 8)
			if len(blocks) != 9 {
				t.Fatalf("ingested %d blocks, want 9", len(blocks))
			}
			var gov []string
			for _, b := range blocks {
				for _, f := range b.Findings {
					if f.Severity.Rank() >= ledger.Medium.Rank() {
						t.Errorf("block %d: %s %s", b.Height, f.Rule, f.Message)
					}
				}
				if b.Height > 0 && b.Verdict.Status != ledger.Verified {
					t.Errorf("Block(%d).Verdict = %+v", b.Height, b.Verdict)
				}
				for _, tx := range b.Txs {
					if tx.Fisco != nil && tx.Fisco.Governance != nil {
						gov = append(gov, tx.Fisco.Governance.Action)
					}
				}
			}
			if want := []string{"add-sealer", "set-config"}; !slices.Equal(gov, want) {
				t.Errorf("governance = %v, want %v", gov, want)
			}
			if n := len(blocks[8].Fisco.SealerList); n != 5 {
				t.Errorf("sealers after governance = %d, want 5", n)
			}
			if len(blocks[1].Contracts) == 0 || len(blocks[1].Contracts[0].Code) == 0 {
				t.Errorf("block 1 deployment not recorded with its code: %+v", blocks[1].Contracts)
			}
		})
	}
}

// tamperProxy forwards JSON-RPC to the chain and rewrites one field of
// every block it serves at height at.
func tamperProxy(t *testing.T, target string, at uint64, edit func(b map[string]any)) string {
	u, _ := url.Parse(target)
	srv := httptest.NewServer(jsonrpc.Proxy(u, jsonrpc.BlockAt(at, edit)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestTamperingProxy puts a lying proxy between Lianjian and the chain:
// each lie is caught at the right block with the right rule.
func TestTamperingProxy(t *testing.T) {
	ch := startChain(t, fisconet.Options{Version: 3, GM: true, Interval: 100 * time.Millisecond, Txs: 2})
	waitHeight(t, ch, 6)
	cases := []struct {
		name string
		edit func(b map[string]any)
		want string
	}{
		{"tx input", func(b map[string]any) {
			tx := b["transactions"].([]any)[0].(map[string]any)
			in := []byte(tx["input"].(string))
			if in[12] == 'a' {
				in[12] = 'b'
			} else {
				in[12] = 'a'
			}
			tx["input"] = string(in)
		}, fisco.RuleTxHash.ID},
		{"dropped signatures", func(b map[string]any) { b["signatureList"] = b["signatureList"].([]any)[:1] }, fisco.RuleQuorum.ID},
		{"forged sealer list", func(b map[string]any) {
			l := b["sealerList"].([]any)
			b["sealerList"] = l[:len(l)-1]
			w := b["consensusWeights"].([]any)
			b["consensusWeights"] = w[:len(w)-1]
		}, fisco.RuleHeaderHash.ID},
		{"reordered txs", func(b map[string]any) {
			txs := b["transactions"].([]any)
			txs[0], txs[1] = txs[1], txs[0]
		}, fisco.RuleTxRoot.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := tamperProxy(t, ch.URL, 4, c.edit)
			blocks := ingest(t, url, fisco.Config{Chain: "fx"}, 5)
			var at []string
			for _, b := range blocks {
				for _, f := range b.Findings {
					if f.Severity.Rank() >= ledger.Medium.Rank() {
						at = append(at, strconv.FormatUint(b.Height, 10)+":"+f.Rule)
					}
				}
			}
			if !slices.Contains(at, "4:"+c.want) {
				t.Errorf("findings = %v, want 4:%s", at, c.want)
			}
			for _, a := range at {
				if !strings.HasPrefix(a, "4:") {
					t.Errorf("finding outside the tampered block: %s", a)
				}
			}
		})
	}
}

// TestReconnect kills the chain while the ingester follows it and
// restarts it: the ingester reconnects and reaches the new head with
// nothing lost.
func TestReconnect(t *testing.T) {
	ch := startChain(t, fisconet.Options{Version: 3, Interval: 100 * time.Millisecond})
	waitHeight(t, ch, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	src, err := fisco.Dial(ctx, fisco.ClientConfig{Config: fisco.Config{Chain: "fx"}, URL: ch.URL, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	db := newIndex(t, "fx")
	var last atomic.Uint64
	in, err := ledger.NewIngester("fx", src, db, ledger.IngestConfig{Follow: true, PollInterval: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
		OnBlock: func(b *ledger.Block, _ uint64) { last.Store(b.Height) }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(runCtx) }()
	for last.Load() < 3 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	ch.Kill()
	time.Sleep(time.Second)
	if err := ch.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	want := last.Load() + 5
	for last.Load() < want && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if last.Load() < want {
		t.Fatalf("ingester reached %d after the restart, want %d", last.Load(), want)
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "fx", MinSeverity: ledger.Medium}, ledger.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) > 0 {
		t.Errorf("findings after a restart: %+v", fs[0])
	}
}

// TestLargeBlocks verifies blocks of 2,500 transactions (more than
// FISCO's default tx_count_limit of 1,000), whose roots span several
// levels of the 3.x binary tree and of the 2.x 16-ary tree (2,500 leaves
// > 16²), built by the test chain from SDK-signed transactions, and
// ingests them into a real index (each is written in pieces: it does not
// fit one badger transaction): every hash, root and signature must
// verify, and every transaction must be read back.
func TestLargeBlocks(t *testing.T) {
	for _, version := range []int{3, 2} {
		t.Run(strconv.Itoa(version)+".x", func(t *testing.T) {
			check := func(blocks []*ledger.Block, size int) {
				t.Helper()
				big := 0
				for _, b := range blocks {
					if len(b.Txs) >= size {
						big++
					}
					for _, f := range b.Findings {
						if f.Severity.Rank() >= ledger.Medium.Rank() {
							t.Errorf("block %d (%d txs): %s %s", b.Height, len(b.Txs), f.Rule, f.Message)
						}
					}
					if b.Height > 0 && b.Verdict.Status != ledger.Verified {
						t.Errorf("Block(%d).Verdict = %v", b.Height, b.Verdict.Status)
					}
				}
				if big != 2 {
					t.Fatalf("%d blocks of %d transactions, want 2", big, size)
				}
				t.Logf("block 1: %d transactions, %d KiB as served with its receipts", len(blocks[1].Txs), len(blocks[1].Raw)>>10)
			}
			ch := startChain(t, fisconet.Options{Version: version, BulkBlocks: 2, BulkTxs: 5000, Interval: time.Hour})
			ctx := context.Background()
			src, err := fisco.Dial(ctx, fisco.ClientConfig{Config: fisco.Config{Chain: "fx"}, URL: ch.URL})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			blocks, err := src.Blocks(ctx, 0, 2)
			if err != nil {
				t.Fatal(err)
			}
			check(blocks, 2500)

			check(ingest(t, ch.URL, fisco.Config{Chain: "fx"}, 2), 2500)
		})
	}
}
