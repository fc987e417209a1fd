package index

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// openDisk opens an index in a fresh directory on disk; the caller
// closes it.
func openDisk(t *testing.T) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db, dir
}

func appendN(t *testing.T, db *DB, n int) {
	t.Helper()
	for i := range n {
		a := supervise.Action{Time: time.Unix(int64(1_700_000_000+i), 0), Actor: "reg", Op: "POST /api/v1/users", Target: fmt.Sprint(i), Remote: "127.0.0.1", Outcome: "ok"}
		if _, err := db.AppendAudit(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
}

// checkpointAt signs and stores the next checkpoint of the log as it is.
func checkpointAt(t *testing.T, db *DB, s *supervise.Signer) supervise.Checkpoint {
	t.Helper()
	ctx := context.Background()
	c := supervise.Checkpoint{Seq: 1, Head: make([]byte, 32), Time: time.Now().UTC()}
	if last, err := db.LastAuditCheckpoint(ctx); err == nil {
		c.Seq = last.Seq + 1
	}
	err := db.AuditEntries(ctx, 1, func(e *supervise.Entry) bool { c.Size, c.Head = e.Seq, e.Hash; return true })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(&c); err != nil {
		t.Fatal(err)
	}
	if err := db.PutAuditCheckpoint(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuditLogCheckpointStore(t *testing.T) {
	ctx := context.Background()
	db, dir := openDisk(t)
	if _, err := db.LastAuditCheckpoint(ctx); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("LastAuditCheckpoint(empty) = %v, want ErrNotFound", err)
	}
	priv, _, _ := supervise.GenerateKey()
	s, err := supervise.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, db, 3)
	c1 := checkpointAt(t, db, s)
	appendN(t, db, 2)
	c2 := checkpointAt(t, db, s)
	for _, seq := range []uint64{1, 2, 4} {
		c := c2
		c.Seq = seq
		if err := db.PutAuditCheckpoint(ctx, c); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("PutAuditCheckpoint(seq %d) = %v, want ErrInvalid: checkpoints are appended in order, never replaced", seq, err)
		}
	}
	db.Close()
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var have []supervise.Checkpoint
	if err := db.AuditCheckpoints(ctx, 1, func(c *supervise.Checkpoint) bool { have = append(have, *c); return true }); err != nil {
		t.Fatal(err)
	}
	if len(have) != 2 || !have[0].Equal(&c1) || !have[1].Equal(&c2) || have[1].Size != 5 {
		t.Fatalf("AuditCheckpoints after reopening = %+v, want checkpoints 1 (3 entries) and 2 (5 entries)", have)
	}
	if last, err := db.LastAuditCheckpoint(ctx); err != nil || !last.Equal(&c2) {
		t.Fatalf("LastAuditCheckpoint = %+v, %v", last, err)
	}
}

// TestAuditLogConcurrentAppends appends from many goroutines at once:
// every append lands, and the chain holds.
func TestAuditLogConcurrentAppends(t *testing.T) {
	db := openMem(t)
	var wg sync.WaitGroup
	var failed sync.Map
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := db.AppendAudit(context.Background(), supervise.Action{Time: time.Now(), Actor: fmt.Sprint(g), Op: "op", Target: fmt.Sprint(i)}); err != nil {
					failed.Store(fmt.Sprint(g, i), err)
				}
			}
		})
	}
	wg.Wait()
	failures := 0
	failed.Range(func(k, v any) bool { failures++; t.Logf("append %v: %v", k, v); return true })
	n, err := db.VerifyAudit(context.Background())
	if err != nil || n+uint64(failures) != 200 {
		t.Fatalf("VerifyAudit after 200 concurrent appends (%d refused) = %d, %v; want every append in one chain", failures, n, err)
	}
}

// TestAuditLogAnchoredOnDisk tampers with a real index as someone with
// write access to the data directory would, and checks that the walk
// against the checkpoints names it.
func TestAuditLogAnchoredOnDisk(t *testing.T) {
	ctx := context.Background()
	priv, _, _ := supervise.GenerateKey()
	s, err := supervise.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, txn *badger.Txn)
		want   []supervise.ProblemKind
	}{
		{"intact", func(*testing.T, *badger.Txn) {}, nil},
		{"last five deleted", func(t *testing.T, txn *badger.Txn) {
			for seq := uint64(26); seq <= 30; seq++ {
				if err := txn.Delete(auditKey(seq)); err != nil {
					t.Fatal(err)
				}
			}
		}, []supervise.ProblemKind{supervise.ProblemTruncated}},
		{"entry 14 rewritten, chain recomputed", func(t *testing.T, txn *badger.Txn) {
			var prev *supervise.Entry
			for seq := uint64(13); seq <= 30; seq++ {
				var e supervise.Entry
				if err := get(badgerkv.Txn{T: txn}, auditKey(seq), &e); err != nil {
					t.Fatal(err)
				}
				if seq == 14 {
					e.Outcome = "403 Forbidden"
				}
				if prev != nil {
					e.Seal(prev)
				}
				if err := put(badgerkv.Txn{T: txn}, auditKey(seq), e); err != nil {
					t.Fatal(err)
				}
				prev = &e
			}
		}, []supervise.ProblemKind{supervise.ProblemRewritten}},
		{"entry 7 undecodable", func(t *testing.T, txn *badger.Txn) {
			if err := txn.Set(auditKey(7), []byte("{")); err != nil {
				t.Fatal(err)
			}
		}, []supervise.ProblemKind{supervise.ProblemBrokenChain}}, // entry 10 still has checkpoint 1's head
		{"checkpoints deleted with the tail", func(t *testing.T, txn *badger.Txn) {
			for seq := uint64(21); seq <= 30; seq++ {
				if err := txn.Delete(auditKey(seq)); err != nil {
					t.Fatal(err)
				}
			}
			if err := txn.Delete(auditHeadKey(3)); err != nil {
				t.Fatal(err)
			}
		}, nil}, // the index alone no longer shows it: the external copy does (supervise tests)
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openDisk(t)
			defer db.Close()
			for range 3 {
				appendN(t, db, 10)
				checkpointAt(t, db, s)
			}
			if err := db.db.Update(func(txn *badger.Txn) error { tc.tamper(t, txn); return nil }); err != nil {
				t.Fatal(err)
			}
			var stored []supervise.Checkpoint
			if err := db.AuditCheckpoints(ctx, 1, func(c *supervise.Checkpoint) bool { stored = append(stored, *c); return true }); err != nil {
				t.Fatal(err)
			}
			v, probs := supervise.Anchors{Key: s.Public(), Stored: stored}.Verifier()
			if err := db.CheckAudit(ctx, v); err != nil {
				t.Fatal(err)
			}
			r := v.Report()
			r.Problems = append(probs, r.Problems...)
			var kinds []supervise.ProblemKind
			for _, p := range r.Problems {
				kinds = append(kinds, p.Kind)
			}
			if !slices.Equal(kinds, tc.want) {
				t.Fatalf("problems = %v, want kinds %v", r.Problems, tc.want)
			}
		})
	}
}
