package index

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// TestBlockWithSummaries checks that BlockWithSummaries and
// BlockWithSummariesByHash return the block Block returns, with each
// transaction cut down to its summary, both from block records of
// version 2 and, read from the transaction records, of version 1.
func TestBlockWithSummaries(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	if err := db.PutChain(ctx, ledger.Chain{ID: "c", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	blocks := ledgertest.Chain("c", "main", 0, 4, nil)
	for _, b := range blocks {
		for i := range b.Txs {
			tx := &b.Txs[i]
			switch i % 3 {
			case 1:
				tx.Status, tx.Valid, tx.Type = "reverted", false, "create"
				tx.Verdict.Add("signature", false, "bad")
			case 2:
				tx.Verdict.Add("signature", true, "")
			}
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d) = %v", b.Height, err)
		}
	}
	check := func(t *testing.T) {
		t.Helper()
		for _, b := range blocks {
			full, err := db.Block(ctx, "c", b.Height)
			if err != nil {
				t.Fatal(err)
			}
			want := *full
			want.Raw = nil
			want.Txs = make([]ledger.Tx, len(full.Txs))
			for i, tx := range full.Txs {
				want.Txs[i] = ledger.Tx{ID: tx.ID, Chain: tx.Chain, Height: tx.Height, Index: tx.Index, Type: tx.Type,
					Status: tx.Status, Valid: tx.Valid, Verdict: ledger.Verdict{Status: tx.Verdict.Status}}
			}
			if len(want.Txs) < 2 {
				t.Fatalf("block %d has %d transactions, want a few", b.Height, len(want.Txs))
			}
			got, err := db.BlockWithSummaries(ctx, "c", b.Height)
			if err != nil || !reflect.DeepEqual(got, &want) {
				t.Errorf("BlockWithSummaries(%d) = %+v, %v\nwant %+v", b.Height, got, err, &want)
			}
			got, err = db.BlockWithSummariesByHash(ctx, "c", b.Hash)
			if err != nil || !reflect.DeepEqual(got, &want) {
				t.Errorf("BlockWithSummariesByHash(%x) = %+v, %v\nwant %+v", b.Hash, got, err, &want)
			}
		}
		if _, err := db.BlockWithSummaries(ctx, "c", 99); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("BlockWithSummaries(99) = %v, want ErrNotFound", err)
		}
		if _, err := db.BlockWithSummariesByHash(ctx, "c", []byte{9}); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("BlockWithSummariesByHash(09) = %v, want ErrNotFound", err)
		}
	}
	t.Run("v2", check)
	// The same blocks as an index of format 3 holds them.
	err := db.update(ctx, func(txn kv) error {
		for _, b := range blocks {
			if err := txn.Set(blockKey("c", b.Height), encodeBlockV1(t, b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("v1", check)
}
