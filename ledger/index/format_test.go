package index

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// writeLegacyIndex makes dir an index as versions before issue 16 wrote
// it: no format record, and a block and its transaction stored as JSON
// with the raw bytes in both.
func writeLegacyIndex(t *testing.T, dir string) {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx := ledger.Tx{ID: "ab", Chain: "old", Height: 0, Raw: []byte("envelope")}
	legacy := struct {
		ledger.Block
		TxIDs []string `json:"txIds"`
	}{ledger.Block{Chain: "old", Height: 0, Hash: []byte{1}, TxCount: 1, Raw: []byte("block envelope")}, []string{"ab"}}
	err = db.update(context.Background(), func(txn kv) error {
		if err := put(txn, chainKey("old"), ledger.Chain{ID: "old", Kind: ledger.KindFabric}); err != nil {
			return err
		}
		if err := put(txn, blockKey("old", 0), legacy); err != nil {
			return err
		}
		if err := put(txn, txKey("old", "ab"), tx); err != nil {
			return err
		}
		if err := put(txn, checkpointKey("old"), ledger.Checkpoint{Height: 0, Hash: []byte{1}}); err != nil {
			return err
		}
		return txn.Delete(formatKey())
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesLegacyFormat(t *testing.T) {
	dir := t.TempDir()
	writeLegacyIndex(t, dir)
	for _, ro := range []bool{false, true} {
		db, err := Open(dir, Options{ReadOnly: ro})
		if err == nil {
			db.Close()
			t.Fatalf("Open(read-only %v) of a format 1 index succeeded, want a FormatError", ro)
		}
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) || fe.Have != legacyFormat || fe.Want != currentFormat || fe.Dir != dir {
			t.Fatalf("Open(read-only %v) = %v, want a FormatError from format 1 to %d", ro, err, currentFormat)
		}
		if !strings.Contains(err.Error(), "ingest the chains again") {
			t.Errorf("Open = %q, want it to say what to do", err)
		}
	}
	// Refusing changed nothing: the index is still in format 1, without a
	// format record.
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrFormat) {
		t.Fatalf("Open after a refused Open = %v, want ErrFormat", err)
	}
}

func TestOpenStampsFormat(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// An index that never held a block, from before the format record
	// (chains, nodes, users only), is stamped on open.
	if err := db.PutChain(ctx, ledger.Chain{ID: "c", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	if err := db.update(ctx, func(txn kv) error { return txn.Delete(formatKey()) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(dir, Options{}); err != nil {
		t.Fatalf("Open of an index without blocks = %v", err)
	}
	err = db.view(func(txn kv) error {
		v, err := txn.Get(formatKey())
		if err == nil && (len(v) != 1 || v[0] != currentFormat) {
			t.Errorf("format record = %v, want [%d]", v, currentFormat)
		}
		return err
	})
	if err != nil {
		t.Fatalf("format record: %v", err)
	}
	db.Close()

	// A newer format is refused too.
	db, _ = Open(dir, Options{})
	if err := db.update(ctx, func(txn kv) error { return txn.Set(formatKey(), []byte{currentFormat + 1}) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(dir, Options{})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Have != currentFormat+1 || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a format %d index = %v, want a FormatError saying it is newer", currentFormat+1, err)
	}
}

// TestOpenRestampsBinaryFormat checks that an index of each older
// format this version reads (2 and 3) opens, read-only as it is and for
// writing stamped with the current format.
func TestOpenRestampsBinaryFormat(t *testing.T) {
	for old := binaryFormat; old < currentFormat; old++ {
		t.Run(fmt.Sprint(old), func(t *testing.T) { testOpenRestamps(t, old) })
	}
}

func testOpenRestamps(t *testing.T, old int) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The cross-chain lookups an index before format 5 wrote, more than
	// one batch of them, beside a key of another table.
	const lookups = txChainBatch + 100
	if err := db.update(ctx, func(txn kv) error {
		for i := range lookups {
			if err := txn.Set(txChainKey(fmt.Sprintf("%064x", i), "c"), nil); err != nil {
				return err
			}
		}
		if err := txn.Set(txKey("c", "keep"), []byte("record")); err != nil {
			return err
		}
		return txn.Set(formatKey(), []byte{byte(old)})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	countLookups := func(db *DB) (n int) {
		t.Helper()
		if err := db.view(func(txn kv) error {
			return scan(txn, []byte{tagTxChain, '/'}, nil, func([]byte, []byte) (bool, error) { n++; return true, nil })
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	format := func(db *DB) int {
		t.Helper()
		var have int
		err := db.view(func(txn kv) error {
			v, err := txn.Get(formatKey())
			if len(v) == 1 {
				have = int(v[0])
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return have
	}
	for _, tc := range []struct {
		readOnly bool
		want     int
	}{{true, old}, {false, currentFormat}} {
		db, err := Open(dir, Options{ReadOnly: tc.readOnly})
		if err != nil {
			t.Fatalf("Open(read-only %v) of a format %d index = %v", tc.readOnly, old, err)
		}
		if have := format(db); have != tc.want {
			t.Errorf("Open(read-only %v): format %d, want %d", tc.readOnly, have, tc.want)
		}
		wantLookups := lookups
		if !tc.readOnly && old < noTxChainFormat {
			wantLookups = 0
		}
		if n := countLookups(db); n != wantLookups {
			t.Errorf("Open(read-only %v) of a format %d index: %d cross-chain lookups left, want %d", tc.readOnly, old, n, wantLookups)
		}
		var ok bool
		if err := db.view(func(txn kv) (err error) { ok, err = txn.Has(txKey("c", "keep")); return err }); err != nil || !ok {
			t.Errorf("Open(read-only %v): another table's key = %v, %v; want it kept", tc.readOnly, ok, err)
		}
		db.Close()
	}
}
