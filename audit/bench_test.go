package audit

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/record"
)

// Bulk ledger size of the benchmarks.
const (
	benchTxs      = 5000
	benchPerBlock = 50
)

// TestBulkLedgerClean checks that the generated bulk ledgers pass every
// check, so that the benchmarks measure a complete clean audit.
func TestBulkLedgerClean(t *testing.T) {
	for _, nw := range networks {
		t.Run(nw.name, func(t *testing.T) {
			bl := bulkLedger(t, nw, 200, 20)
			a := newAuditor(t, ledger.CryptoIntl)
			rs := auditAll(t, a, bl.blocks)
			for _, f := range findings(rs) {
				t.Errorf("finding %s: %s", f.Rule, f.Message)
			}
			s := a.Summary()
			if want := len(triples(t, bl.blocks)); s.Signatures != want || s.Verifies != want || s.Txs != 200+3 {
				t.Errorf("Summary = %d txs, %d signatures, %d verifies; want 203 txs and %d of each", s.Txs, s.Signatures, s.Verifies, want)
			}
		})
	}
}

// BenchmarkAudit measures end-to-end audit throughput (decode, verify,
// check, store verdicts in a badger index) of bulk ledgers against the
// naive ceiling: a bare loop verifying exactly the same (key, message,
// signature) triples with gmsm or crypto/ecdsa on as many goroutines. The
// machine is shared, so each iteration runs the ceiling (untimed) right
// before the audit, and "ratio" is the median of the per-iteration ratios
// ceiling time / audit time; ns/op and tx/s are the audit's alone. Each
// ledger is audited with per-key tables for hot signers (the default) and
// without (every signature through the same library calls as the
// ceiling).
func BenchmarkAudit(b *testing.B) {
	for _, bl := range benchLedgers(b) {
		ts := triples(b, bl.blocks)
		for _, mode := range []struct {
			name   string
			tables int
		}{{"tables", DefaultKeyTables}, {"no-tables", -1}} {
			b.Run(bl.name+"/"+mode.name, func(b *testing.B) {
				b.ReportAllocs()
				db, err := index.Open(b.TempDir(), index.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				var ratios []float64
				var ceil time.Duration
				for b.Loop() {
					b.StopTimer()
					start := time.Now()
					ceiling(ts)
					c := time.Since(start)
					ceil += c
					b.StartTimer()
					start = time.Now()
					auditToIndex(b, db, Config{Chain: ledger.Chain{ID: "test", Kind: ledger.KindFabric, Crypto: bl.crypto},
						Now: func() time.Time { return fixedNow }, KeyTables: mode.tables}, bl.blocks)
					ratios = append(ratios, c.Seconds()/time.Since(start).Seconds())
				}
				slices.Sort(ratios)
				b.ReportMetric(float64(bl.txs)*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
				b.ReportMetric(float64(bl.txs)*float64(b.N)/ceil.Seconds(), "ceiling-tx/s")
				b.ReportMetric(ratios[len(ratios)/2], "ratio")
			})
		}
	}
}

// benchLedger is a ledger the audit benchmark runs on.
type benchLedger struct {
	name   string
	crypto ledger.Crypto
	blocks [][]byte
	txs    int
}

// realLedger is where `make fabric-ledger` leaves the peer ledger of a
// real two-org Fabric 2.5.9 network with 5,000 transactions;
// LIANJIAN_FABRIC_LEDGER overrides it.
const realLedger = "../.cache/fabric-ledger/peer0.org1.example.com"

// benchLedgers returns the bulk ledgers of the fixture networks (ECDSA
// and SM2) and, when `make fabric-ledger` has made it, the real network's.
func benchLedgers(b *testing.B) []benchLedger {
	var out []benchLedger
	for _, nw := range networks {
		bl := bulkLedger(b, nw, benchTxs, benchPerBlock)
		out = append(out, benchLedger{name: nw.name, crypto: nw.crypto, blocks: bl.blocks, txs: bl.txs})
	}
	dir := realLedger
	if d := os.Getenv("LIANJIAN_FABRIC_LEDGER"); d != "" {
		dir = d
	}
	chans, err := fabric.Channels(dir)
	if err != nil {
		b.Logf("no real Fabric ledger at %s (run make fabric-ledger): %v", dir, err)
		return out
	}
	real := benchLedger{name: "real-2.5.9", crypto: ledger.CryptoIntl}
	for rb, err := range fabric.ChannelBlocks(context.Background(), chans[0].Dir) {
		if err != nil {
			b.Fatal(err)
		}
		real.blocks = append(real.blocks, rb.Bytes)
		blk, err := fabric.DecodeBlock("real", rb.Bytes)
		if err != nil {
			b.Fatal(err)
		}
		real.txs += len(blk.Txs)
	}
	return append(out, real)
}

// auditToIndex audits blocks and stores their verdicts as `lianjian
// audit` does.
func auditToIndex(b *testing.B, db *index.DB, cfg Config, blocks [][]byte) {
	a, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	src := func(yield func(fabric.RawBlock, error) bool) {
		for i, raw := range blocks {
			if !yield(fabric.RawBlock{Number: uint64(i), Bytes: raw}, nil) {
				return
			}
		}
	}
	var recs []record.AuditRecord
	var fs []ledger.Finding
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		err := db.PutAudit(context.Background(), "test", recs, fs, record.AuditCheckpoint{Height: recs[len(recs)-1].Height, At: fixedNow})
		recs, fs = recs[:0], fs[:0]
		return err
	}
	err = a.Run(context.Background(), src, func(r *BlockResult) error {
		recs = append(recs, Record("test", r, fixedNow))
		fs = append(fs, r.Findings...)
		if len(recs) >= storeBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		b.Fatal(err)
	}
	if s := a.Summary(); s.Integrity != 0 {
		b.Fatalf("bulk ledger has %d integrity findings", s.Integrity)
	}
}

// ceiling verifies every triple once with the plain library calls, on
// GOMAXPROCS goroutines.
func ceiling(ts []triple) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ts) {
					return
				}
				t := ts[i]
				var ok bool
				if t.sm2 {
					ok = sm2.VerifyASN1WithSM2(t.pub, nil, t.msg, t.sig)
				} else {
					d := sha256.Sum256(t.msg)
					ok = ecdsa.VerifyASN1(t.pub, d[:], t.sig)
				}
				if !ok {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		panic(fmt.Sprintf("ceiling: %d signatures do not verify", bad.Load()))
	}
}
