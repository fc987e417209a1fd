package index

import (
	"context"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

func TestBadgerInMemory(t *testing.T) {
	ledgertest.TestStore(t, func(t *testing.T) ledger.Store {
		db, err := Open("", Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestReopenKeepsCommits(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := []byte("0123456789abcdef0123456789abcdef")
	db, err := Open(dir, Options{EncryptionKey: key, SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutChain(ctx, ledger.Chain{ID: "c", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	for _, b := range ledgertest.Chain("c", "main", 0, 4, nil) {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{EncryptionKey: []byte("fedcba9876543210fedcba9876543210")}); err == nil {
		t.Fatal("Open with the wrong encryption key succeeded")
	}
	db, err = Open(dir, Options{EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cp, err := db.Checkpoint(ctx, "c")
	if err != nil || cp.Height != 3 {
		t.Fatalf("Checkpoint after reopen = %d, %v; want 3", cp.Height, err)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{EncryptionKey: []byte("short")}).Validate(); err == nil {
		t.Fatal("Validate accepted a 5-byte key")
	}
	if _, err := Open(t.TempDir(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := (&DB{}).PutChain(context.Background(), ledger.Chain{ID: "Bad/Id"}); err == nil {
		t.Fatal("PutChain accepted an invalid chain id")
	}
}
