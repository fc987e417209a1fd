package index

import (
	"context"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// BenchmarkCommit measures committing blocks of two transactions each to
// badger on disk, one transaction per block.
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.PutChain(ctx, ledger.Chain{ID: "a", Kind: ledger.KindEVM}); err != nil {
		b.Fatal(err)
	}
	blocks := ledgertest.Chain("a", "main", 0, b.N, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for _, blk := range blocks {
		if err := db.Commit(ctx, blk); err != nil {
			b.Fatal(err)
		}
	}
}
