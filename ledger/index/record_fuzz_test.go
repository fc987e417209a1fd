package index

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// The fuzz targets of the record decoders. Their seed corpora are the
// records of sampleBlock (added here) and the files under
// testdata/fuzz/FuzzDecode*; a decoder must reject what it cannot read
// with ErrRecordFormat, and what it accepts must encode back to a record
// that decodes the same.

func FuzzDecodeTx(f *testing.F) {
	b := sampleBlock()
	refs := rawRefs(b)
	for i := range b.Txs {
		f.Add(encodeTx(nil, &b.Txs[i], b.Chain, refs[i], nil))
		f.Add(encodeTx(nil, &b.Txs[i], "c", refs[i], func(*ledger.Identity) byte { return idStored }))
		f.Add(encodeTx(nil, &b.Txs[i], "c", refs[i], func(*ledger.Identity) byte { return idCert }))
	}
	for _, name := range []string{"v1.bin", "v2.bin"} {
		if v, err := os.ReadFile("testdata/txrecord/" + name); err == nil {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var tx ledger.Tx
		ref, err := decodeTx(v, "c", "id", &tx)
		if err != nil {
			if !errors.Is(err, ErrRecordFormat) {
				t.Fatalf("decodeTx = %v, want ErrRecordFormat", err)
			}
			return
		}
		// Identities named by reference are written again so.
		byRef := map[*ledger.Identity]byte{}
		for _, r := range ref.ids {
			byRef[r.id] = map[bool]byte{true: idStored, false: idCert}[r.whole]
		}
		stored := func(id *ledger.Identity) byte { return byRef[id] }
		again := encodeTx(nil, &tx, "c", ref.raw, stored)
		var tx2 ledger.Tx
		ref2, err := decodeTx(again, "c", "id", &tx2)
		if err != nil {
			t.Fatalf("decodeTx of a re-encoded record = %v", err)
		}
		byRef = map[*ledger.Identity]byte{}
		for _, r := range ref2.ids {
			byRef[r.id] = map[bool]byte{true: idStored, false: idCert}[r.whole]
		}
		if !bytes.Equal(encodeTx(nil, &tx2, "c", ref2.raw, stored), again) {
			t.Fatalf("a re-encoded record does not decode the same")
		}
	})
}

func FuzzDecodeBlock(f *testing.F) {
	v, err := encodeBlock(nil, sampleBlock())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v)
	v, err = encodeBlock(nil, &ledger.Block{Chain: "c", Height: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v)
	if v, err := os.ReadFile("testdata/blockrecord/v1.bin"); err == nil {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var rec blockRecord
		if err := decodeBlock(v, &rec, true); err != nil {
			if !errors.Is(err, ErrRecordFormat) {
				t.Fatalf("decodeBlock = %v, want ErrRecordFormat", err)
			}
			return
		}
		b := rec.Block
		b.Txs = make([]ledger.Tx, len(rec.TxIDs))
		for i, id := range rec.TxIDs {
			b.Txs[i].ID = id
			if rec.Sums != nil {
				b.Txs[i] = rec.Sums[i].tx(&b, id)
			}
		}
		again, err := encodeBlock(nil, &b)
		if err != nil {
			return // a config that JSON cannot encode again (NaN-free, but maps may differ)
		}
		var rec2 blockRecord
		if err := decodeBlock(again, &rec2, true); err != nil {
			t.Fatalf("decodeBlock of a re-encoded record = %v", err)
		}
		if rec2.Height != rec.Height || rec2.Chain != rec.Chain || !slices.Equal(rec2.TxIDs, rec.TxIDs) ||
			rec.Sums != nil && !slices.Equal(rec2.Sums, rec.Sums) {
			t.Fatalf("a re-encoded record does not decode the same")
		}
	})
}

func FuzzDecodeUndo(f *testing.F) {
	f.Add(encodeUndo([][]byte{[]byte("h/c/x"), []byte("t/c/ab01")}))
	f.Add(encodeUndo(nil))
	f.Fuzz(func(t *testing.T, v []byte) {
		keys, err := decodeUndo(v)
		if err != nil {
			if !errors.Is(err, ErrRecordFormat) {
				t.Fatalf("decodeUndo = %v, want ErrRecordFormat", err)
			}
			return
		}
		if !bytes.Equal(encodeUndo(keys), v) {
			t.Fatalf("decodeUndo accepted %x, which does not encode back", v)
		}
	})
}
