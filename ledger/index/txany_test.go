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

// TestFabricHistoryRoles checks the address history of a Fabric
// chaincode: the transactions that invoke it are "invoked", not
// "created" (an EVM contract creation), also as an index written before
// the role existed holds them; an EVM creation stays "created".
func TestFabricHistoryRoles(t *testing.T) {
	ctx := context.Background()
	db := openDir(t, t.TempDir())
	defer db.Close()
	for _, c := range []ledger.Chain{{ID: "fab", Kind: ledger.KindFabric}, {ID: "evm", Kind: ledger.KindEVM}} {
		if err := db.PutChain(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	fab := ledgertest.Chain("fab", "main", 0, 2, nil)
	for _, b := range fab {
		for i := range b.Txs {
			tx := &b.Txs[i]
			tx.From, tx.To, tx.Contract, tx.Fabric = "", "", "kvcc", &ledger.FabricTx{}
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	evm := ledgertest.Chain("evm", "main", 0, 1, nil)
	evm[0].Txs[0].To, evm[0].Txs[0].Contract = "", "0xc0ffee"
	if err := db.Commit(ctx, evm[0]); err != nil {
		t.Fatal(err)
	}
	// Block 1's entries as an index before roleInvoked (and format 6)
	// wrote them: one per transaction.
	if err := db.update(ctx, func(txn kv) error {
		if err := txn.Delete(addrKey("fab", "kvcc", fab[1].Height, fab[1].Txs[0].Index, "")); err != nil {
			return err
		}
		for _, tx := range fab[1].Txs {
			if err := txn.Set(addrKey("fab", "kvcc", tx.Height, tx.Index, "created"), txIDValue(tx.ID)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	hist, _, err := db.AddressHistory(ctx, "fab", "kvcc", ledger.Page{})
	if err != nil || len(hist) != len(fab[0].Txs)+len(fab[1].Txs) {
		t.Fatalf("AddressHistory(kvcc) = %v, %v", hist, err)
	}
	for _, e := range hist {
		if e.Role != "invoked" {
			t.Errorf("kvcc history entry %+v, want role invoked", e)
		}
	}
	hist, _, err = db.AddressHistory(ctx, "evm", "0xc0ffee", ledger.Page{})
	if err != nil || len(hist) != 1 || hist[0].Role != "created" {
		t.Errorf("AddressHistory of an EVM creation = %v, %v; want one created", hist, err)
	}
}
