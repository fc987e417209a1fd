package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
)

// sampleAddrGroup is a block's address history record of n entries from
// index first: hex and text ids, and every role, one of them unknown to
// addrRoles.
func sampleAddrGroup(first, n int) []addrEntry {
	var es []addrEntry
	for i := range n {
		e := addrEntry{idx: first + i*3, role: addrRoles[i%len(addrRoles)], id: fmt.Sprintf("%064x", i*7919)}
		switch i % 5 {
		case 1:
			e.id = "0xNotHex"
		case 4:
			e.role = "spender"
		}
		es = append(es, e)
		if i%4 == 0 { // a second role of the same transaction
			es = append(es, addrEntry{idx: e.idx, role: "zz-" + e.role, id: e.id})
		}
	}
	return es
}

// TestAddrGroupRoundTrip checks that a block's address history record
// decodes to its entries, and that malformed ones are ErrRecordFormat.
func TestAddrGroupRoundTrip(t *testing.T) {
	for _, es := range [][]addrEntry{sampleAddrGroup(0, 1), sampleAddrGroup(7, 500)} {
		got, err := decodeAddrGroup("c", 9, es[0].idx, encodeAddrGroup(es))
		if err != nil {
			t.Fatal(err)
		}
		var want []ledger.HistoryEntry
		for _, e := range es {
			want = append(want, ledger.HistoryEntry{Chain: "c", Height: 9, Index: e.idx, TxID: e.id, Role: e.role})
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeAddrGroup(encodeAddrGroup(es)) = %+v, want %+v", got, want)
		}
	}
	v := encodeAddrGroup(sampleAddrGroup(3, 4))
	swapped := encodeAddrGroup([]addrEntry{{idx: 3, role: "to", id: "b"}, {idx: 3, role: "from", id: "a"}})
	for name, tc := range map[string]struct {
		v     []byte
		first int
	}{
		"empty":           {nil, 3},
		"version":         {append([]byte{2}, v[1:]...), 3},
		"truncated":       {v[:len(v)-1], 3},
		"trailing":        {append(v[:len(v):len(v)], 0), 3},
		"no entries":      {[]byte{addrRecordVersion, 0}, 3},
		"first moved":     {[]byte{addrRecordVersion, 1, 1, 1, 0}, 3},
		"unsorted":        {swapped, 3},
		"empty role":      {encodeAddrGroup([]addrEntry{{idx: 3, role: ""}}), 3},
		"known as string": {[]byte{addrRecordVersion, 1, 0, 0, 2, 't', 'o', 0}, 3},
		"control in id":   {encodeAddrGroup([]addrEntry{{idx: 3, role: "to", id: "a\nb"}}), 3},
		"role code":       {[]byte{addrRecordVersion, 1, 0, 99, 0}, 3},
	} {
		if _, err := decodeAddrGroup("c", 9, tc.first, tc.v); !errors.Is(err, ErrRecordFormat) {
			t.Errorf("%s: decodeAddrGroup = %v, want ErrRecordFormat", name, err)
		}
	}
}

func FuzzDecodeAddrGroup(f *testing.F) {
	f.Add(encodeAddrGroup(sampleAddrGroup(0, 1)), 0)
	f.Add(encodeAddrGroup(sampleAddrGroup(5, 12)), 5)
	f.Fuzz(func(t *testing.T, v []byte, first int) {
		es, err := decodeAddrGroup("c", 1, first, v)
		if err != nil {
			if !errors.Is(err, ErrRecordFormat) {
				t.Fatalf("decodeAddrGroup = %v, want ErrRecordFormat", err)
			}
			return
		}
		var back []addrEntry
		for _, e := range es {
			back = append(back, addrEntry{idx: e.Index, role: e.Role, id: e.TxID})
		}
		again, err := decodeAddrGroup("c", 1, first, encodeAddrGroup(back))
		if err != nil || !reflect.DeepEqual(again, es) {
			t.Fatalf("a re-encoded record decodes to %+v, %v; want %+v", again, err, es)
		}
	})
}

// TestAddressHistoryPages checks the address history of blocks written
// as one record per address, beside a block written as an index before
// format 6 wrote it (an entry per transaction): every page size lists
// the same entries, in (height, index, role) order, with cursors inside
// a block's record; one write holds one key per address and block.
func TestAddressHistoryPages(t *testing.T) {
	ctx := context.Background()
	db := openDir(t, t.TempDir())
	defer db.Close()
	if err := db.PutChain(ctx, ledger.Chain{ID: "c", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	const addr = "0x00000000000000000000000000000000000000aa"
	blocks := ledgertest.Chain("c", "main", 0, 4, nil)
	var want []ledger.HistoryEntry
	for _, b := range blocks {
		template := b.Txs[0]
		b.Txs = nil
		for i := range 7 {
			tx := template
			tx.ID, tx.Index = fmt.Sprintf("%064x", b.Height*100+uint64(i)), i
			tx.From, tx.To = fmt.Sprintf("0x%040x", 0xbb+i), ""
			switch i % 3 {
			case 0: // from and to the address
				tx.From, tx.To = addr, addr
				want = append(want, ledger.HistoryEntry{Chain: "c", Height: b.Height, Index: i, TxID: tx.ID, Role: "from"},
					ledger.HistoryEntry{Chain: "c", Height: b.Height, Index: i, TxID: tx.ID, Role: "to"})
			case 1:
				tx.To = addr
				want = append(want, ledger.HistoryEntry{Chain: "c", Height: b.Height, Index: i, TxID: tx.ID, Role: "to"})
			}
			b.Txs = append(b.Txs, tx)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	keys := func(h uint64) (n int) {
		t.Helper()
		prefix := addrPrefix("c", addr)
		if err := db.view(func(txn kv) error {
			return scan(txn, prefix, nil, func(k, _ []byte) (bool, error) {
				if hk, _, _, err := parseAddrKey(k, len(prefix)); err == nil && hk == h {
					n++
				}
				return true, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := keys(1); n != 1 {
		t.Errorf("block 1 wrote %d address history keys for the address, want 1", n)
	}
	// Block 2 as an index before format 6 holds it, its undo list too.
	if err := db.update(ctx, func(txn kv) error {
		group := addrKey("c", addr, 2, 0, "")
		if err := txn.Delete(group); err != nil {
			return err
		}
		v, err := txn.Get(undoKey("c", 2))
		if err != nil {
			return err
		}
		undo, err := decodeUndo(v)
		if err != nil {
			return err
		}
		undo = slices.DeleteFunc(undo, func(k []byte) bool { return bytes.Equal(k, group) })
		for _, e := range want {
			if e.Height == 2 {
				k := addrKey("c", addr, 2, e.Index, e.Role)
				if err := txn.Set(k, txIDValue(e.TxID)); err != nil {
					return err
				}
				undo = append(undo, k)
			}
		}
		return txn.Set(undoKey("c", 2), encodeUndo(undo))
	}); err != nil {
		t.Fatal(err)
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		var got []ledger.HistoryEntry
		cursor := ""
		for pages := 0; ; pages++ {
			es, next, err := db.AddressHistory(ctx, "c", addr, ledger.Page{Cursor: cursor, Limit: limit})
			if err != nil {
				t.Fatalf("limit %d, cursor %q: %v", limit, cursor, err)
			}
			if len(es) > limit || pages > len(want) {
				t.Fatalf("limit %d: page of %d entries, page %d", limit, len(es), pages)
			}
			got = append(got, es...)
			if next == "" {
				break
			}
			cursor = next
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("limit %d: pages list %+v, want %+v", limit, got, want)
		}
	}
	for _, bad := range []string{"zz:1", "00:0", "00:-1", ":3", "00:x"} {
		if _, _, err := db.AddressHistory(ctx, "c", addr, ledger.Page{Cursor: bad}); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("AddressHistory(cursor %q) = %v, want ErrInvalid", bad, err)
		}
	}
	// A rollback removes the records of the blocks rolled back.
	if err := db.Rollback(ctx, ledger.Reorg{Chain: "c", Ancestor: 0}); err != nil {
		t.Fatal(err)
	}
	got, _, err := db.AddressHistory(ctx, "c", addr, ledger.Page{Limit: MaxLimit})
	if err != nil || !reflect.DeepEqual(got, want[:8]) {
		t.Errorf("AddressHistory after the rollback to block 0 = %+v, %v; want block 0's %+v", got, err, want[:8])
	}
}
