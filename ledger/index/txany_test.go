package index

import (
	"context"
	"errors"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// TestTxAnyChainWithoutLookup checks that a transaction id is found in
// every chain that holds it, in the order of the chains' ids, from the
// chains' own records: the import writes no cross-chain lookup (x/) any
// more, and a rollback of one chain leaves the other's.
func TestTxAnyChainWithoutLookup(t *testing.T) {
	ctx := context.Background()
	db := openDir(t, t.TempDir())
	defer db.Close()
	for _, c := range []string{"b", "a", "c"} {
		if err := db.PutChain(ctx, ledger.Chain{ID: c, Kind: ledger.KindEVM}); err != nil {
			t.Fatal(err)
		}
	}
	// Chains a and b hold the same blocks (an id imported twice); c
	// holds others.
	for _, c := range []string{"b", "a"} {
		for _, b := range ledgertest.Chain(c, "main", 0, 3, nil) {
			for i := range b.Txs {
				b.Txs[i].ID = ledgertest.Chain("a", "main", 0, 3, nil)[b.Height].Txs[i].ID
			}
			if err := db.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, b := range ledgertest.Chain("c", "other", 0, 2, nil) {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	id := ledgertest.Chain("a", "main", 0, 3, nil)[2].Txs[0].ID
	if err := db.view(func(txn kv) error {
		return scan(txn, []byte{tagTxChain, '/'}, nil, func(k, _ []byte) (bool, error) {
			return false, errors.New("the import wrote a cross-chain lookup " + string(k))
		})
	}); err != nil {
		t.Fatal(err)
	}
	txs, err := db.TxAnyChain(ctx, "0x"+id)
	if err != nil || len(txs) != 2 || txs[0].Chain != "a" || txs[1].Chain != "b" || txs[0].Height != 2 {
		t.Fatalf("TxAnyChain = %v, %v; want it in a then b, at height 2", txs, err)
	}
	if err := db.Rollback(ctx, ledger.Reorg{Chain: "a", Ancestor: 1}); err != nil {
		t.Fatal(err)
	}
	txs, err = db.TxAnyChain(ctx, id)
	if err != nil || len(txs) != 1 || txs[0].Chain != "b" {
		t.Fatalf("TxAnyChain after a's rollback = %v, %v; want b's only", txs, err)
	}
	if _, err := db.TxAnyChain(ctx, ledgertest.Chain("z", "none", 0, 1, nil)[0].Txs[0].ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("TxAnyChain of an unknown id = %v, want ErrNotFound", err)
	}
}
