package index

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// dumpAll returns every key and value of the index.
func dumpAll(t *testing.T, db *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.view(func(txn kv) error {
		return items(txn.NewIterator(nil, nil, false), func(k, v []byte) (bool, error) {
			out[string(k)] = string(v)
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCommitBatchSameAsCommits commits the fixture network's blocks one
// by one into one index and in runs into another: the two hold the same
// keys and values, and the same blocks read back.
func TestCommitBatchSameAsCommits(t *testing.T) {
	ctx := context.Background()
	one, batched := memDB(t), memDB(t)
	ingestFixture(t, one, "f259", "fabric-2.5.9")
	if err := batched.PutChain(ctx, ledger.Chain{ID: "f259", Kind: ledger.KindFabric, Channel: "mychannel"}); err != nil {
		t.Fatal(err)
	}
	dec, err := fabric.NewChannelDecoder("f259", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var run, decoded []*ledger.Block
	for rb, err := range fabric.BlockDir(ctx, filepath.Join(fixtures, "fabric-2.5.9", "peer")) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := dec.Decode(rb.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, b)
		if run = append(run, b); len(run) == 4 {
			if err := batched.CommitBatch(ctx, run); err != nil {
				t.Fatalf("CommitBatch(%d..%d): %v", run[0].Height, b.Height, err)
			}
			run = nil
		}
	}
	if err := batched.CommitBatch(ctx, run); err != nil {
		t.Fatal(err)
	}
	a, b := dumpAll(t, one), dumpAll(t, batched)
	for k, v := range a {
		if b[k] != v {
			t.Errorf("key %s: batched %q, one by one %q", keyString([]byte(k)), b[k], v)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("key %s only in the batched index", keyString([]byte(k)))
		}
	}
	for h := uint64(0); h < 13; h++ {
		x, err1 := one.Block(ctx, "f259", h)
		y, err2 := batched.Block(ctx, "f259", h)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(x, y) {
			t.Errorf("Block(%d) differs: %v, %v", h, err1, err2)
		}
		raw, err := batched.RawBlock(ctx, "f259", h)
		if err != nil || string(raw) != string(y.Raw) || len(raw) == 0 {
			t.Errorf("RawBlock(%d) = %d bytes, %v; want the block's %d", h, len(raw), err, len(y.Raw))
		}
		for i := range y.Txs {
			got, want := &y.Txs[i], &decoded[h].Txs[i]
			if len(got.Raw) == 0 || !bytes.Equal(got.Raw, want.Raw) {
				t.Errorf("Block(%d) tx %d: raw bytes differ from the decoded block's", h, i)
			}
			if (got.Creator == nil) != (want.Creator == nil) || got.Creator != nil && !bytes.Equal(got.Creator.Cert, want.Creator.Cert) {
				t.Errorf("Block(%d) tx %d: creator certificate differs", h, i)
			}
			for j := range want.Sigs {
				if !bytes.Equal(got.Sigs[j].Signer.Cert, want.Sigs[j].Signer.Cert) {
					t.Errorf("Block(%d) tx %d signature %d: certificate differs", h, i, j)
				}
			}
			if tx, err := batched.Tx(ctx, "f259", want.ID); err != nil || !reflect.DeepEqual(tx, got) {
				t.Errorf("Tx(%s) = %v; want what Block(%d) holds", want.ID, err, h)
			}
		}
	}
}

// TestCommitBatchAllOrNothing checks that a batch with a gap or a
// broken parent link stores none of its blocks, and that a rollback
// undoes a batch block by block.
func TestCommitBatchAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db, err := OpenMemory(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const chain = "syn"
	if err := db.PutChain(ctx, ledger.Chain{ID: chain, Kind: ledger.KindFabric}); err != nil {
		t.Fatal(err)
	}
	b0 := defBlock(chain, 0, nil, "aa")
	b1 := defBlock(chain, 1, []byte{1}, "aa")
	b2 := defBlock(chain, 2, []byte{2}, "bb")
	b3 := defBlock(chain, 3, []byte{3}, "aa")
	badParent := defBlock(chain, 2, []byte{9}, "bb")
	gap := defBlock(chain, 3, []byte{3}, "aa")
	tests := []struct {
		name  string
		batch []*ledger.Block
		want  error
	}{
		{"gap", []*ledger.Block{b0, b1, gap}, ledger.ErrGap},
		{"broken parent link", []*ledger.Block{b0, b1, badParent}, ledger.ErrReorg},
		{"two chains", []*ledger.Block{b0, defBlock("other", 1, []byte{1}, "aa")}, ledger.ErrInvalid},
	}
	for _, tc := range tests {
		if err := db.CommitBatch(ctx, tc.batch); !errors.Is(err, tc.want) {
			t.Errorf("CommitBatch(%s) = %v, want %v", tc.name, err, tc.want)
		}
		if _, err := db.Checkpoint(ctx, chain); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("after CommitBatch(%s): checkpoint %v, want none", tc.name, err)
		}
		if _, err := db.Block(ctx, chain, 0); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("after CommitBatch(%s): block 0 %v, want ErrNotFound", tc.name, err)
		}
	}
	if err := db.CommitBatch(ctx, []*ledger.Block{b0, b1, b2, b3}); err != nil {
		t.Fatal(err)
	}
	if cp, err := db.Checkpoint(ctx, chain); err != nil || cp.Height != 3 {
		t.Fatalf("checkpoint = %+v, %v; want 3", cp, err)
	}
	if a, err := db.FabricIdentity(ctx, chain, "aa"); err != nil || a.Created != 3 || a.LastHeight != 3 || a.FirstHeight != 0 {
		t.Errorf("identity aa = %+v, %v; want created 3, first 0, last 3", a, err)
	}
	if err := db.Rollback(ctx, ledger.Reorg{Chain: chain, Ancestor: 1, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if a, err := db.FabricIdentity(ctx, chain, "aa"); err != nil || a.Created != 2 || a.LastHeight != 1 {
		t.Errorf("identity aa after rollback to 1 = %+v, %v; want created 2, last 1", a, err)
	}
	if _, err := db.FabricIdentity(ctx, chain, "bb"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("identity bb after rollback: %v, want ErrNotFound", err)
	}
	if _, err := db.Block(ctx, chain, 2); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("block 2 after rollback: %v, want ErrNotFound", err)
	}
}
