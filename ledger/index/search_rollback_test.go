package index

import (
	"context"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// TestRollbackRemovesSearchTerms checks that search terms first written by
// a rolled-back block disappear with it, while older ones stay.
func testRollbackRemovesSearchTerms(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	if err := db.PutChain(ctx, ledger.Chain{ID: "a", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	bs := ledgertest.Chain("a", "main", 0, 3, nil)
	bs[1].Contracts = []ledger.Contract{{Chain: "a", Address: "0x00000000000000000000000000000000000000c1", DeployTx: bs[1].Txs[0].ID, Height: 1}}
	bs[2].Contracts = []ledger.Contract{{Chain: "a", Address: "0x00000000000000000000000000000000000000c2", DeployTx: bs[2].Txs[0].ID, Height: 2}}
	for _, b := range bs {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Rollback(ctx, ledger.Reorg{Chain: "a", Ancestor: 1, Depth: 1, Time: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]int{
		"0x00000000000000000000000000000000000000c1": 1,
		"0x00000000000000000000000000000000000000c2": 0,
	} {
		ms, err := db.Search(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range ms {
			if m.Kind == "contract" {
				n++
			}
		}
		if n != want {
			t.Errorf("Search(%s) after rollback = %d contract matches %+v, want %d", addr, n, ms, want)
		}
	}
}
