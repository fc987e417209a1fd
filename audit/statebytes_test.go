package audit

import (
	"context"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/memdb"
)

// BenchmarkAuditStateBytes audits the benchmark ledgers as `lianjian
// audit` does (a checkpoint every storeBatch blocks) and reports what the
// world state kept by height costs in the index per transaction: the
// state versions (E/), key-level policy versions (Y/) and checkpoint
// history (H/), keys and values.
func BenchmarkAuditStateBytes(b *testing.B) {
	ctx := context.Background()
	for _, bl := range benchLedgers(b) {
		b.Run(bl.name, func(b *testing.B) {
			var sizes map[byte]int
			for b.Loop() {
				kv := memdb.New()
				db, err := index.OpenStore(kv, index.Options{})
				if err != nil {
					b.Fatal(err)
				}
				chain := ledger.Chain{ID: "test", Kind: ledger.KindFabric, Crypto: bl.crypto}
				if err := db.PutChain(ctx, chain); err != nil {
					b.Fatal(err)
				}
				for _, raw := range bl.blocks {
					blk, err := fabric.DecodeBlock(chain.ID, raw)
					if err != nil {
						b.Fatal(err)
					}
					if err := db.Commit(ctx, blk); err != nil {
						b.Fatal(err)
					}
				}
				sum, err := Reaudit(ctx, db, Config{Chain: chain, Now: func() time.Time { return fixedNow }}, 0, uint64(len(bl.blocks)-1))
				if err != nil || sum.Integrity != 0 {
					b.Fatalf("Reaudit = %d integrity findings, %v", sum.Integrity, err)
				}
				sizes = map[byte]int{}
				err = kv.View(func(r storage.Reader) error {
					for _, tag := range []byte("EYH") {
						it := r.NewIterator([]byte{tag, '/'}, nil, false)
						for it.Next() {
							v, err := it.Value()
							if err != nil {
								it.Release()
								return err
							}
							sizes[tag] += len(it.Key()) + len(v)
						}
						it.Release()
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
			b.ReportMetric(float64(sizes['E'])/float64(bl.txs), "state-B/tx")
			b.ReportMetric(float64(sizes['Y'])/float64(bl.txs), "policy-B/tx")
			b.ReportMetric(float64(sizes['H'])/float64(bl.txs), "history-B/tx")
		})
	}
}
