package fisco_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/repo"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco"
)

// Bulk chain size for the benchmark: at least 50,000 transactions sealed
// by 4 sealers, as issue 13 asks.
const (
	benchBlocks = 500
	benchTxs    = 50000
)

// bulkChain is a bulk FISCO chain fetched once: the blocks as served with
// their receipts.
type bulkChain struct {
	raws     []json.RawMessage
	receipts [][]json.RawMessage
	txs      int
}

var (
	bulkOnce sync.Map // "gm"/"std" -> *bulkChain
)

// loadBulk starts (or restarts, from its cached data directory) a bulk
// test chain and fetches every block with its receipts. Generating the
// GM chain takes minutes the first time (the reference SDK's SM2 signer
// is slow); later runs reuse .cache/fisco-bench.
func loadBulk(b *testing.B, gm bool) *bulkChain {
	name := map[bool]string{true: "gm", false: "std"}[gm]
	if c, ok := bulkOnce.Load(name); ok {
		return c.(*bulkChain)
	}
	cache, err := repo.Cache()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(cache, "fisco-bench", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	ch, err := fisconet.Start(ctx, fisconet.Options{Version: 3, GM: gm, Sealers: 4, BulkBlocks: benchBlocks, BulkTxs: benchTxs,
		Interval: time.Hour, DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Stop()
	src, err := fisco.Dial(ctx, fisco.ClientConfig{Config: fisco.Config{Chain: "bench"}, URL: ch.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	c := &bulkChain{}
	for lo := uint64(1); lo <= benchBlocks; lo += 50 {
		raws, rcs, err := src.FetchRaw(ctx, lo, min(lo+49, benchBlocks))
		if err != nil {
			b.Fatal(err)
		}
		c.raws = append(c.raws, raws...)
		c.receipts = append(c.receipts, rcs...)
		for _, r := range rcs {
			c.txs += len(r)
		}
	}
	if c.txs < benchTxs {
		b.Fatalf("bulk chain has %d transactions, want %d", c.txs, benchTxs)
	}
	bulkOnce.Store(name, c)
	return c
}

// triple is one signature check of the baseline.
type triple struct {
	pub, msg, sig []byte
	gm            bool
}

// signatures lists every sender and sealer signature the chain carries.
func signatures(blocks []*ledger.Block) []triple {
	var out []triple
	for _, b := range blocks {
		for _, s := range b.Signatures {
			pub, _ := hex.DecodeString(s.Signer.Address)
			out = append(out, triple{pub: pub, msg: b.Hash, sig: s.Value, gm: s.Algorithm == "SM2-SM3"})
		}
		for _, tx := range b.Txs {
			id, _ := hex.DecodeString(tx.ID)
			out = append(out, triple{pub: tx.Fisco.PublicKey, msg: id, sig: tx.Fisco.Signature, gm: len(tx.Fisco.Signature) == 128})
		}
	}
	return out
}

// baseline verifies every triple with the libraries on all cores: gmsm
// (Z_A, e and verify, the key parsed beforehand) or go-ethereum's
// secp256k1 recovery. It returns how many failed.
func baseline(ts []triple, keys map[string]*sm2Key) int64 {
	var bad atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ts) {
					return
				}
				t := ts[i]
				if t.gm {
					k := keys[string(t.pub)]
					e, _ := sm2.CalculateSM2Hash(k.pub, t.msg, []byte("1234567812345678"))
					if !sm2.Verify(k.pub, e, new(big.Int).SetBytes(t.sig[:32]), new(big.Int).SetBytes(t.sig[32:64])) {
						bad.Add(1)
					}
					continue
				}
				if _, err := crypto.Ecrecover(t.msg, t.sig); err != nil {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return bad.Load()
}

type sm2Key struct{ pub *ecdsa.PublicKey }

// BenchmarkFiscoVerify measures full FISCO verification of a 50,000-tx
// chain (JSON decode, every hash, root, sender and sealer signature,
// quorum and chain checks) on all cores against a bare loop of the same
// signature verifications on the same cores, in the same run. It reports
// both rates and their ratio (target ≥ 1.0).
func BenchmarkFiscoVerify(b *testing.B) {
	for _, gm := range []bool{true, false} {
		name := map[bool]string{true: "sm2", false: "secp256k1"}[gm]
		b.Run(name, func(b *testing.B) {
			c := loadBulk(b, gm)
			cfg := fisco.Config{Chain: "bench"}
			v, _ := fisco.NewVerifier(cfg)
			blocks, err := v.VerifyBatch(c.raws, c.receipts, runtime.GOMAXPROCS(0))
			if err != nil {
				b.Fatal(err)
			}
			ts := signatures(blocks)
			keys := map[string]*sm2Key{}
			for _, t := range ts {
				if t.gm && keys[string(t.pub)] == nil {
					p, err := sm2.NewPublicKey(append([]byte{4}, t.pub...))
					if err != nil {
						b.Fatal(err)
					}
					keys[string(t.pub)] = &sm2Key{pub: p}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var ours, base time.Duration
			for range b.N {
				t0 := time.Now()
				v, _ := fisco.NewVerifier(cfg)
				blocks, err := v.VerifyBatch(c.raws, c.receipts, runtime.GOMAXPROCS(0))
				ours += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				for _, bl := range blocks {
					if len(bl.Findings) > 0 {
						b.Fatalf("block %d: %s", bl.Height, bl.Findings[0].Message)
					}
				}
				t0 = time.Now()
				if n := baseline(ts, keys); n != 0 {
					b.Fatalf("baseline: %d signatures failed", n)
				}
				base += time.Since(t0)
			}
			b.StopTimer()
			n := float64(b.N * c.txs)
			b.ReportMetric(n/ours.Seconds(), "tx/s")
			b.ReportMetric(n/base.Seconds(), "baseline-tx/s")
			b.ReportMetric(base.Seconds()/ours.Seconds(), "ratio")
			b.ReportMetric(float64(len(ts))/float64(c.txs), "sigs/tx")
		})
	}
}
