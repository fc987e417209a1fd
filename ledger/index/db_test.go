package index

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"

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

// TestTableSizeBounded checks that badger builds tables of the base size
// at every level, however large the index: a compaction holds each table
// it builds whole in memory, and badger's default doubles the size with
// each level below the base level, which an index of more than 10 MiB
// already has.
func TestTableSizeBounded(t *testing.T) {
	dir := t.TempDir()
	bo := Options{}.badgerOptions(dir, new(lostReads)).WithLogger(nil)
	db, err := badger.Open(bo.WithCompactL0OnClose(true))
	if err != nil {
		t.Fatal(err)
	}
	wb := db.NewWriteBatch()
	v := bytes.Repeat([]byte{1}, 1<<10)
	for i := range 40 << 10 {
		if err := wb.Set(fmt.Appendf(nil, "z/%08d", i), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // compacts level 0 into the levels below
		t.Fatal(err)
	}
	if db, err = badger.Open(bo); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var deepest int
	for _, l := range db.Levels() {
		if l.Level > 0 && l.Size > 0 {
			deepest = l.Level
		}
		if l.Level > 0 && l.TargetFileSize > bo.BaseTableSize {
			t.Errorf("level %d: tables of %d bytes, want at most %d", l.Level, l.TargetFileSize, bo.BaseTableSize)
		}
	}
	if deepest == 0 {
		t.Fatalf("no table below level 0: the test wrote too little\n%s", db.LevelsToString())
	}
}
