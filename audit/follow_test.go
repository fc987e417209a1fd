package audit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// TestFollow commits a real ledger in two parts while Follow runs, and
// checks that it audits each part as it lands, pins the SM2 convention in
// its checkpoint across rounds, and raises no integrity finding.
func TestFollow(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		crypto  ledger.Crypto
		preHash string
	}{
		{"fabric-2.5.9/peer", ledger.CryptoIntl, ""},
		{"fabric-gm-sm2/peer", ledger.CryptoGM, PreHashNone},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db, err := index.Open(t.TempDir(), index.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			chain := ledger.Chain{ID: "follow", Kind: ledger.KindFabric, Crypto: tc.crypto}
			if err := db.PutChain(ctx, chain); err != nil {
				t.Fatal(err)
			}
			blocks := readChain(t, tc.dir, "mychannel_")
			commit := func(from, to int) {
				t.Helper()
				for _, raw := range blocks[from:to] {
					b, err := fabric.DecodeBlock(chain.ID, raw)
					if err != nil {
						t.Fatal(err)
					}
					if err := db.Commit(ctx, b); err != nil {
						t.Fatal(err)
					}
				}
			}
			var mu sync.Mutex
			var integrity, audited int
			done := make(chan error, 1)
			cfg := Config{Chain: chain, Now: func() time.Time { return fixedNow }}
			go func() {
				done <- Follow(ctx, db, cfg, FollowConfig{Poll: 20 * time.Millisecond, MaxBlocks: 2, OnAudited: func(n uint64, s Summary) {
					mu.Lock()
					defer mu.Unlock()
					audited += int(n)
					integrity += s.Integrity
				}})
			}()
			waitAudit := func(h uint64) {
				t.Helper()
				deadline := time.Now().Add(30 * time.Second)
				for {
					cp, err := db.AuditCheckpoint(ctx, chain.ID)
					if err == nil && cp.Height == h {
						if cp.SM2PreHash != tc.preHash {
							t.Errorf("checkpoint SM2 pre-hash = %q, want %q", cp.SM2PreHash, tc.preHash)
						}
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("audit checkpoint = %+v, %v; want %d", cp.Height, err, h)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			half := len(blocks) / 2
			commit(0, half)
			waitAudit(uint64(half - 1))
			commit(half, len(blocks))
			waitAudit(uint64(len(blocks) - 1))
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Follow = %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if audited != len(blocks) || integrity != 0 {
				t.Errorf("audited %d blocks with %d integrity findings, want %d and 0", audited, integrity, len(blocks))
			}
		})
	}
}

// TestFollowerKeepsItsAuditor checks that consecutive rounds continue with
// the same primed auditor (its caches and config in force carry over), and
// that a round reports only what it added.
func TestFollowerKeepsItsAuditor(t *testing.T) {
	ctx := context.Background()
	db, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	chain := ledger.Chain{ID: "follow", Kind: ledger.KindFabric, Crypto: ledger.CryptoIntl}
	if err := db.PutChain(ctx, chain); err != nil {
		t.Fatal(err)
	}
	for _, raw := range readChain(t, "fabric-2.5.9/peer", "mychannel_") {
		b, err := fabric.DecodeBlock(chain.ID, raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	f := &follower{st: db, cfg: Config{Chain: chain, Now: func() time.Time { return fixedNow }}}
	n, s, err := f.round(ctx, 5)
	if err != nil || n != 5 || s.Blocks != 5 || s.First != 0 {
		t.Fatalf("round 1 = %d blocks, summary %+v, %v; want 5 from 0", n, s, err)
	}
	first := f.a
	n, s, err = f.round(ctx, 5)
	if err != nil || n != 5 || s.Blocks != 5 || s.First != 5 || s.Integrity != 0 {
		t.Fatalf("round 2 = %d blocks, summary %+v, %v; want 5 from 5", n, s, err)
	}
	if f.a != first {
		t.Error("round 2 primed a new auditor instead of continuing")
	}
}
