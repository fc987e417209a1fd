package index

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"expvar"
	"fmt"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/ledgertest"
	"github.com/lianjian/lianjian/ledger/record"
)

// bigBlocks returns blocks of chain each holding txs transactions of
// rawSize random raw bytes: far more than one badger transaction holds.
func bigBlocks(t *testing.T, chain string, n, txs, rawSize int) []*ledger.Block {
	t.Helper()
	blocks := ledgertest.Chain(chain, "big", 1, n, nil)
	for _, b := range blocks {
		template := b.Txs[0]
		b.Txs = b.Txs[:0]
		for i := range txs {
			tx := template
			tx.ID = fmt.Sprintf("%064x", uint64(b.Height)<<32|uint64(i))
			tx.Index = i
			tx.From = fmt.Sprintf("0x%040x", i%7+1)
			tx.Raw = make([]byte, rawSize)
			if _, err := rand.Read(tx.Raw); err != nil {
				t.Fatal(err)
			}
			b.Txs = append(b.Txs, tx)
		}
		b.Raw = make([]byte, txs*rawSize)
		b.Findings = []ledger.Finding{{ID: fmt.Sprintf("big-%d", b.Height), Rule: "TEST-BIG", Chain: chain,
			Severity: ledger.Low, Subject: ledger.Subject{Kind: "block", Ref: fmt.Sprintf("%x", b.Hash), Height: b.Height},
			FirstSeen: b.Time, LastSeen: b.Time}}
	}
	return blocks
}

func openDir(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	return db
}

func journalKeys(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	err := db.view(func(txn kv) error {
		return scan(txn, journalPrefix(), nil, func([]byte, []byte) (bool, error) { n++; return true, nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCommitLargeBlocks commits blocks of 600 transactions and 24 MB each
// (badger holds about 5 MB in one transaction), reads every transaction
// back, audits the range in one PutAudit, and rolls a block back.
func TestCommitLargeBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := openDir(t, dir)
	defer func() { db.Close() }()
	if err := db.PutChain(ctx, ledger.Chain{ID: "big", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	blocks := bigBlocks(t, "big", 3, 600, 40<<10)
	for _, b := range blocks {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(block %d of %d MB) = %v", b.Height, len(b.Raw)>>20, err)
		}
	}
	db.Close()
	db = openDir(t, dir)
	if n := journalKeys(t, db); n != 0 {
		t.Errorf("%d journal records left after complete commits", n)
	}
	cp, err := db.Checkpoint(ctx, "big")
	if err != nil || cp.Height != 3 {
		t.Fatalf("Checkpoint = %+v, %v; want 3", cp, err)
	}
	for _, b := range blocks {
		got, err := db.Block(ctx, "big", b.Height)
		if err != nil || len(got.Txs) != len(b.Txs) || !bytes.Equal(got.Raw, b.Raw) {
			t.Fatalf("Block(%d) = %d txs, %v", b.Height, len(got.Txs), err)
		}
		for i := range b.Txs {
			tx, err := db.Tx(ctx, "big", b.Txs[i].ID)
			if err != nil || !bytes.Equal(tx.Raw, b.Txs[i].Raw) {
				t.Fatalf("Tx(block %d, %d) = %v", b.Height, i, err)
			}
		}
		if _, err := db.Finding(ctx, b.Findings[0].ID); err != nil {
			t.Errorf("finding of block %d: %v", b.Height, err)
		}
	}

	// Verdicts for the whole range: 1,800 transaction verdicts with long
	// ids, in one call.
	var recs []record.AuditRecord
	for _, b := range blocks {
		r := record.AuditRecord{Chain: "big", Height: b.Height, Hash: b.Hash, Verdict: ledger.Verdict{Status: ledger.Verified}, At: time.Now()}
		for i := range b.Txs {
			r.Txs = append(r.Txs, record.TxAudit{Index: i, ID: b.Txs[i].ID + string(bytes.Repeat([]byte("x"), 4000)), Verdict: ledger.Verdict{Status: ledger.Verified}})
		}
		recs = append(recs, r)
	}
	if err := db.PutAudit(ctx, "big", recs, nil, record.AuditCheckpoint{Height: 3, At: time.Now()}); err != nil {
		t.Fatalf("PutAudit of 3 large blocks = %v", err)
	}
	if got, err := db.AuditCheckpoint(ctx, "big"); err != nil || got.Height != 3 {
		t.Errorf("AuditCheckpoint = %+v, %v", got, err)
	}

	// A reorg removes the last block whole.
	if err := db.Rollback(ctx, ledger.Reorg{Chain: "big", Ancestor: 2, Time: time.Now()}); err != nil {
		t.Fatalf("Rollback = %v", err)
	}
	if _, err := db.Tx(ctx, "big", blocks[2].Txs[599].ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Tx of the rolled back block = %v, want not found", err)
	}
	if err := db.Commit(ctx, blocks[2]); err != nil {
		t.Fatalf("Commit after the rollback = %v", err)
	}
}

// TestSpillUndone checks that a spill that fails after committing pieces
// leaves every key as it was: new keys gone, overwritten and deleted keys
// back, no journal.
func TestSpillUndone(t *testing.T) {
	ctx := context.Background()
	db := openDir(t, t.TempDir())
	defer db.Close()
	before := map[string][]byte{}
	err := db.update(ctx, func(txn kv) error {
		for i := range 100 {
			k := fmt.Appendf(nil, "z/old/%03d", i)
			before[string(k)] = fmt.Appendf(nil, "value %d", i)
			if err := txn.Set(k, before[string(k)]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{7}, 200<<10)
	boom := errors.New("boom")
	s := 0
	err = db.update(ctx, func(txn kv) error {
		s++
		for i := range 100 {
			k := fmt.Appendf(nil, "z/old/%03d", i)
			var err error
			if i%2 == 0 {
				err = txn.Set(k, []byte("changed"))
			} else {
				err = txn.Delete(k)
			}
			if err != nil {
				return err
			}
		}
		// 12 MB in values kept in the LSM tree (below valueThreshold),
		// which badger bounds per transaction: several pieces.
		for i := range 2000 {
			if err := txn.Set(fmt.Appendf(nil, "z/new/%04d", i), big[:6<<10+i%1000]); err != nil {
				return err
			}
		}
		if _, ok := txn.(*spill); ok {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || s != 2 {
		t.Fatalf("update = %v after %d runs, want boom after a spill", err, s)
	}
	err = db.view(func(txn kv) error {
		for k, v := range before {
			got, err := txn.Get([]byte(k))
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if !bytes.Equal(got, v) {
				return fmt.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		return scan(txn, []byte("z/new/"), nil, func(k, _ []byte) (bool, error) {
			return false, fmt.Errorf("new key %s survived", k)
		})
	})
	if err != nil {
		t.Error(err)
	}
	if n := journalKeys(t, db); n != 0 {
		t.Errorf("%d journal records left", n)
	}
}

// TestSpillCrash leaves a spill with committed pieces and no last piece,
// as a crash does, and checks that Open restores the index.
func TestSpillCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDir(t, dir)
	if err := db.PutChain(ctx, ledger.Chain{ID: "big", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	// 30,000 transactions: their keys and the pointers to their records
	// (which go to the blob segments) are more than one badger
	// transaction.
	blocks := bigBlocks(t, "big", 2, 30000, 32)
	if err := db.Commit(ctx, blocks[0]); err != nil {
		t.Fatal(err)
	}
	// Block 2, written as a spill that stops before its last piece.
	s := newSpill(db.db, db.blobs)
	if err := commitBlock(s, blocks[1], nil); err != nil {
		t.Fatal(err)
	}
	s.txn.Discard()
	if s.pieces < 2 {
		t.Fatalf("block 2 was written in %d pieces, want several", s.pieces)
	}
	if _, err := db.Tx(ctx, "big", blocks[1].Txs[0].ID); err != nil {
		t.Fatalf("the first piece is not committed: %v", err)
	}
	db.Close()

	if r, err := Check(ctx, dir, Options{}); err != nil || !r.OK() {
		t.Fatalf("Check of the crashed index = %+v, %v", r, err)
	}
	db = openDir(t, dir)
	defer db.Close()
	if n := journalKeys(t, db); n != 0 {
		t.Errorf("%d journal records left after Open", n)
	}
	for _, tx := range blocks[1].Txs {
		if _, err := db.Tx(ctx, "big", tx.ID); !errors.Is(err, ledger.ErrNotFound) {
			t.Fatalf("Tx %s of the interrupted block = %v, want not found", tx.ID, err)
		}
	}
	if _, err := db.Finding(ctx, blocks[1].Findings[0].ID); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("finding of the interrupted block = %v, want not found", err)
	}
	if cp, err := db.Checkpoint(ctx, "big"); err != nil || cp.Height != 1 {
		t.Fatalf("Checkpoint = %+v, %v; want 1", cp, err)
	}
	if err := db.Commit(ctx, blocks[1]); err != nil {
		t.Fatalf("Commit of block 2 again = %v", err)
	}
	if _, err := db.Tx(ctx, "big", blocks[1].Txs[999].ID); err != nil {
		t.Fatal(err)
	}
}

// TestSpillOnePieceReadsNothing checks that a spill that fits one piece
// reads no before-images: they are needed only once a piece commits
// before the last, and the lookups, mostly of keys that do not exist,
// grow with the tree.
func TestSpillOnePieceReadsNothing(t *testing.T) {
	ctx := context.Background()
	db := openDir(t, t.TempDir())
	defer db.Close()
	gets := expvar.Get("badger_get_num_user").(*expvar.Int)
	before := gets.Value()
	err := db.runSpill(ctx, func(txn kv) error {
		for i := range 1000 {
			if err := txn.Set(fmt.Appendf(nil, "z/new/%04d", i), []byte("value")); err != nil {
				return err
			}
		}
		if s := txn.(*spill); s.pieces != 0 {
			t.Errorf("the write took %d pieces before the last, want none", s.pieces)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := gets.Value() - before; n != 0 {
		t.Errorf("a one-piece spill of 1000 new keys made %d reads of the tree, want 0", n)
	}
	err = db.view(func(txn kv) error {
		v, err := txn.Get([]byte("z/new/0999"))
		if err == nil && string(v) != "value" {
			err = fmt.Errorf("z/new/0999 = %q, want %q", v, "value")
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
	if n := journalKeys(t, db); n != 0 {
		t.Errorf("%d journal records left", n)
	}
}

// TestReadJournalRejects checks that a damaged journal record is an
// error, not a partial restore.
func TestReadJournalRejects(t *testing.T) {
	nop := func([]byte, []byte, bool) error { return nil }
	for _, rec := range [][]byte{nil, {2}, {1, 3}, {1, 0, 5, 'a'}, {1, 1, 1, 'a', 9, 'b'}, {1, 0, 0}} {
		if err := readJournal(rec, nop); !errors.Is(err, ErrCorrupt) {
			t.Errorf("readJournal(%v) = %v, want ErrCorrupt", rec, err)
		}
	}
	var got []string
	err := readJournal([]byte{1, 0, 1, 'a', 1, 1, 'b', 2, 'v', 'w'}, func(k, v []byte, existed bool) error {
		got = append(got, fmt.Sprintf("%s=%s/%v", k, v, existed))
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[a=/false b=vw/true]" {
		t.Errorf("readJournal = %v, %v", got, err)
	}
}

// A badger transaction is a kv through badgerkv.Txn, and so is a spill.
var (
	_ kv = badgerkv.Txn{}
	_ kv = (*spill)(nil)
)
