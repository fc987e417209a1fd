package audit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// mvccFindings returns the findings of the re-validation rules.
func mvccFindings(fs []ledger.Finding) []ledger.Finding {
	var out []ledger.Finding
	for _, f := range fs {
		if f.Rule == RuleMVCCValid.ID || f.Rule == RuleMVCCInvalid.ID {
			out = append(out, f)
		}
	}
	return out
}

// txCheck returns the re-validation check of transaction i of a result.
func txCheck(r *BlockResult, i int) (ledger.Check, bool) {
	for _, c := range r.Txs[i].Verdict.Checks {
		if c.Name == mvccCheck {
			return c, true
		}
	}
	return ledger.Check{}, false
}

// TestMVCCReplay re-validates the real 2.5.9 peer ledger, whose block 10
// holds three concurrent read-modify-write invokes (tx 0 VALID, txs 1 and
// 2 MVCC_READ_CONFLICT), and copies of it whose validation codes lie.
func TestMVCCReplay(t *testing.T) {
	clean := readChain(t, "fabric-2.5.9/peer", "mychannel_")
	rs := auditAll(t, newAuditor(t, ledger.CryptoIntl), clean)
	if fs := mvccFindings(findings(rs)); len(fs) > 0 {
		t.Fatalf("clean ledger: %s", listFindings(fs))
	}
	judged := 0
	for _, r := range rs {
		for i := range r.Txs {
			if c, ok := txCheck(r, i); ok {
				judged++
				if !c.OK {
					t.Errorf("clean Block(%d) tx %d: %+v", r.Height, i, c)
				}
			}
		}
	}
	for i := range 3 {
		if _, ok := txCheck(rs[10], i); !ok {
			t.Errorf("block 10 tx %d was not re-validated", i)
		}
	}
	t.Logf("%d transactions re-validated", judged)

	for _, tt := range []struct {
		name   string
		tx     int
		code   byte
		rule   *ledger.RuleInfo
		phrase string
	}{
		{"conflicting tx marked VALID", 2, codeValid, RuleMVCCValid, `key "ctr" of kvcc, read at no version (absent), was written by tx 0 of this block`},
		{"VALID tx marked as a conflict", 0, codeMVCCConflict, RuleMVCCInvalid, "would have marked it VALID"},
		{"VALID tx marked as a phantom read", 0, codePhantomConflict, RuleMVCCInvalid, "recorded PHANTOM_READ_CONFLICT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
			blocks[10] = setFilterCode(t, blocks[10], tt.tx, tt.code)
			rs := auditAll(t, newAuditor(t, ledger.CryptoIntl), blocks)
			fs := mvccFindings(findings(rs))
			// One lie, one finding: the writes of a transaction whose code
			// is in doubt make what reads them unknown, not wrong.
			if len(fs) != 1 {
				t.Fatalf("findings = %s, want one %s", listFindings(fs), tt.rule.ID)
			}
			f := fs[0]
			if f.Rule != tt.rule.ID || f.Subject.Kind != "tx" || f.Subject.Ref != rs[10].Txs[tt.tx].ID || f.Subject.Height != 10 ||
				f.Evidence["tx"] != string(rune('0'+tt.tx)) || !strings.Contains(f.Message, tt.phrase) {
				t.Errorf("finding = %+v", f)
			}
			if c, ok := txCheck(rs[10], tt.tx); !ok || c.OK || rs[10].Txs[tt.tx].Verdict.Status != ledger.Failed {
				t.Errorf("tx %d verdict = %+v", tt.tx, rs[10].Txs[tt.tx].Verdict)
			}
		})
	}
}

// stateCase is what a case of an MVCC test judges against: a state from
// base, changed by prepare when set, and the block's updates from u, or
// none (emptyBatch).
func stateCase(base func() *commitState, prepare func(*commitState), u func() *updateBatch) (*commitState, *updateBatch) {
	s := base()
	if prepare != nil {
		prepare(s)
	}
	if u == nil {
		return s, emptyBatch()
	}
	return s, u()
}

// emptyBatch is the updates of a block at height 9 that changes nothing.
func emptyBatch() *updateBatch { return &updateBatch{height: 9, writes: map[stateKey]stateWrite{}} }

// TestMVCCRangeQuery replays range queries over a small state, as
// Fabric's range query validator does.
func TestMVCCRangeQuery(t *testing.T) {
	newState := func() *commitState {
		s := &commitState{}
		s.start()
		s.apply(&updateBatch{height: 1, writes: map[stateKey]stateWrite{{"cc", "", "a"}: {value: []byte("1")}}})
		s.apply(&updateBatch{height: 2, writes: map[stateKey]stateWrite{{"cc", "", "b"}: {value: []byte("2")}, {"other", "", "b2"}: {value: []byte("x")}}})
		s.apply(&updateBatch{height: 3, writes: map[stateKey]stateWrite{{"cc", "", "c"}: {value: []byte("3"), tx: 4}}})
		return s
	}
	read := func(k string, blk, tx uint64) ledger.KVRead { return ledger.KVRead{Key: k, BlockNum: blk, TxNum: tx} }
	all := []ledger.KVRead{read("a", 1, 0), read("b", 2, 0), read("c", 3, 4)}
	// summary is the range query of reads summarised with degree 2 (the
	// three keys make one run of 3 reads, one leaf at level 1).
	summaryWith := func(newHash func() hash.Hash, reads ...ledger.KVRead) ledger.RangeRead {
		m := newMerkleSummary(2, newHash)
		for _, r := range reads {
			m.add(r.Key, r.BlockNum, r.TxNum)
		}
		level, hashes, _ := m.done()
		return ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, MerkleHashes: hashes, MerkleLevel: level, MerkleDegree: 2}
	}
	summary := func(reads ...ledger.KVRead) ledger.RangeRead { return summaryWith(sha256.New, reads...) }
	for _, tt := range []struct {
		name    string
		rq      ledger.RangeRead
		u       func() *updateBatch
		prepare func(*commitState)
		conflict,
		known bool
		why string
	}{
		{name: "same keys and versions", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: all}, known: true},
		{name: "unbounded end", rq: ledger.RangeRead{StartKey: "", ItrExhausted: true, Keys: all}, known: true},
		{name: "a key appeared", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: all[:2]},
			conflict: true, known: true, why: `now also holds key "c" at version 3:4`},
		{name: "not exhausted: the end key is the last read", rq: ledger.RangeRead{StartKey: "a", EndKey: "b", Keys: all[:2]}, known: true},
		{name: "exhausted: the end key is excluded", rq: ledger.RangeRead{StartKey: "a", EndKey: "c", ItrExhausted: true, Keys: all[:2]}, known: true},
		{name: "a key changed version", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: []ledger.KVRead{read("a", 1, 0), read("b", 1, 9), read("c", 3, 4)}},
			conflict: true, known: true, why: `returned key "b" at version 1:9, now at version 2:0`},
		{name: "a key is gone", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: append(all[:3:3], read("d", 1, 1))},
			conflict: true, known: true, why: `returned key "d", which is no longer in it`},
		{name: "written earlier in the block", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: all},
			u: func() *updateBatch {
				u := emptyBatch()
				u.writes[stateKey{"cc", "", "b"}] = stateWrite{value: []byte("new"), tx: 1}
				return u
			}, conflict: true, known: true, why: "written by tx 1 of this block"},
		{name: "deleted earlier in the block", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: all},
			u: func() *updateBatch {
				u := emptyBatch()
				u.writes[stateKey{"cc", "", "a"}] = stateWrite{tx: 0}
				return u
			}, conflict: true, known: true, why: `returned key "a" where the state has key "b"`},
		{name: "Merkle summary of the same keys", rq: summary(all...), known: true},
		{name: "Merkle summary: a key changed version", rq: summary(read("a", 1, 0), read("b", 1, 9), read("c", 3, 4)),
			conflict: true, known: true, why: "give level 1 (1 hashes) with other hashes"},
		{name: "Merkle summary: a key appeared", rq: summary(append(all[:3:3], read("d", 4, 0))...),
			conflict: true, known: true, why: "but its 3 keys in the state give level 1 (1 hashes)"},
		{name: "Merkle summary: too few keys to summarise", rq: summary(all...), prepare: func(s *commitState) {
			s.apply(&updateBatch{height: 4, writes: map[stateKey]stateWrite{{"cc", "", "a"}: {}}})
		}, conflict: true, known: true, why: "are too few to be summarised"},
		{name: "Merkle summary: written earlier in the block", rq: summary(all...),
			u: func() *updateBatch {
				u := emptyBatch()
				u.writes[stateKey{"cc", "", "b"}] = stateWrite{value: []byte("new"), tx: 1}
				return u
			}, conflict: true, known: true, why: `key "b" was written by tx 1 of this block`},
		{name: "Merkle summary with SM3 (a national-crypto peer) of the same keys", rq: summaryWith(sm3.New, all...), known: true},
		{name: "Merkle summary with SM3: a key changed version", rq: summaryWith(sm3.New, read("a", 1, 0), read("b", 1, 9), read("c", 3, 4)),
			conflict: true, known: true, why: "give level 1 (1 hashes) with other hashes"},
		{name: "Merkle summary of degree below 2", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, MerkleHashes: [][]byte{{1}}, MerkleLevel: 1}},
		{name: "incomplete state", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: all},
			prepare: func(s *commitState) { s.complete = false }},
		{name: "a key in doubt", rq: ledger.RangeRead{StartKey: "a", EndKey: "z", ItrExhausted: true, Keys: all},
			prepare: func(s *commitState) {
				s.distrust([]ledger.NsRWSet{{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "q"}}}})
			}},
		{name: "a key in doubt outside the range", rq: ledger.RangeRead{StartKey: "a", EndKey: "d", ItrExhausted: true, Keys: all},
			prepare: func(s *commitState) {
				s.distrust([]ledger.NsRWSet{{Namespace: "cc", Writes: []ledger.KVWrite{{Key: "d"}, {Key: "0"}}}})
			}, known: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, u := stateCase(newState, tt.prepare, tt.u)
			c, known := s.rangeQuery("cc", tt.rq, u, 9)
			if (c != nil) != tt.conflict || known != tt.known {
				t.Fatalf("rangeQuery = %+v, known %v; want conflict %v, known %v", c, known, tt.conflict, tt.known)
			}
			if c != nil && (!c.phantom || !strings.Contains(c.why, tt.why)) {
				t.Errorf("conflict = %+v, want a phantom naming %q", c, tt.why)
			}
		})
	}
}

// TestMVCCStoredState audits the 2.5.9 peer ledger in two runs over a
// real index, the second resuming at block 10 whose VALID tx 0 was marked
// MVCC_READ_CONFLICT: judging it needs the state stored by the first run
// (tx 0 read a key that never existed and kvcc's definition at the
// version block 2 wrote). The second run is also made to keep almost
// nothing in memory, reading every key back from the index.
func TestMVCCStoredState(t *testing.T) {
	for _, tt := range []struct {
		name   string
		budget int
	}{{"in memory", 0}, {"read back from the index", 1024}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, cfg := storedFlipped(t)
			chain := cfg.Chain
			cp, err := db.AuditCheckpoint(ctx, chain.ID)
			if err != nil || cp.Height != 9 || !cp.StateComplete {
				t.Fatalf("AuditCheckpoint = %+v, %v; want 9 with the complete state", cp, err)
			}
			if e, ok, err := db.AuditState(ctx, chain.ID, "_lifecycle", "", []byte("namespaces/fields/kvcc/Sequence")); err != nil || !ok || e.Block != 2 || e.Tx != 0 {
				t.Fatalf("stored kvcc Sequence = %+v, %v, %v; want version 2:0", e, ok, err)
			}

			a, err := resume(ctx, db, cfg, 10)
			if err != nil {
				t.Fatal(err)
			}
			a.fab().commit.state.budget = tt.budget
			if err := a.auditStored(ctx, db, 10, 12, false); err != nil {
				t.Fatal(err)
			}
			if tt.budget > 0 && !a.fab().commit.state.stored.partial {
				t.Errorf("nothing was evicted with a budget of %d bytes", tt.budget)
			}
			if n := a.Summary().Findings[RuleMVCCInvalid.ID]; n != 1 {
				t.Errorf("%d %s findings after resuming, want 1 (block 10 tx 0): %v", n, RuleMVCCInvalid.ID, a.Summary().Findings)
			}
			if n := a.Summary().Findings[RuleMVCCValid.ID]; n != 0 {
				t.Errorf("%d %s findings after resuming, want none", n, RuleMVCCValid.ID)
			}
			rec, err := db.Audit(ctx, chain.ID, 12)
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := checkNamed(rec.Txs[0].Verdict, mvccCheck); !ok || !c.OK {
				t.Errorf("block 12 tx 0 re-validation after resuming = %+v (present %v), want judged valid", c, ok)
			}
			cp, err = db.AuditCheckpoint(ctx, chain.ID)
			if err != nil || cp.Height != 12 || !cp.StateComplete || cp.StateGen != 1 {
				t.Errorf("AuditCheckpoint = height %d, complete %v, generation %d, %v; want 12, complete, generation 1", cp.Height, cp.StateComplete, cp.StateGen, err)
			}
		})
	}
}

// storedFlipped stores the real 2.5.9 peer ledger with block 10's VALID
// tx 0 marked MVCC_READ_CONFLICT in a real index, and audits blocks 0..9.
func storedFlipped(t *testing.T) (*index.DB, Config) {
	t.Helper()
	blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
	blocks[10] = setFilterCode(t, blocks[10], 0, codeMVCCConflict)
	db, chain := storedChain(t, blocks)
	cfg := Config{Chain: chain, Now: func() time.Time { return fixedNow }}
	if _, err := Reaudit(context.Background(), db, cfg, 0, 9); err != nil {
		t.Fatal(err)
	}
	return db, cfg
}

// checkNamed returns the check of a verdict with the given name.
func checkNamed(v ledger.Verdict, name string) (ledger.Check, bool) {
	for _, c := range v.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return ledger.Check{}, false
}

// TestMVCCOneLieOneFinding replays two blocks: in the first, tx 1 is
// recorded VALID although tx 0 wrote the key it read (a flipped code);
// in the second, a transaction reads the key at tx 0's version, which is
// right if the flip was made after commit. Whether the peer applied
// tx 1's writes is not known, so only tx 1 is reported.
func TestMVCCOneLieOneFinding(t *testing.T) {
	a := newAuditor(t, ledger.CryptoIntl)
	a.fab().commit.state.start()
	put := func(h uint64, i int, read ledger.KVRead, value string) ledger.Tx {
		return ledger.Tx{ID: fmt.Sprintf("tx%d-%d", h, i), Height: h, Index: i, Type: typeEndorser, Valid: true, Status: "VALID",
			Fabric: &ledger.FabricTx{RWSets: []ledger.NsRWSet{{Namespace: "cc", Reads: []ledger.KVRead{read},
				Writes: []ledger.KVWrite{{Key: "n", Value: []byte(value)}}}}}}
	}
	run := func(b *ledger.Block) *BlockResult {
		res := &BlockResult{Height: b.Height, Txs: make([]TxVerdict, len(b.Txs))}
		u := buildBatch(b, a.fab().commit.lookup(b.Height), a.fab().revalidator(res, b))
		a.fab().commit.state.apply(u)
		return res
	}
	absent := ledger.KVRead{Key: "n", Missing: true}
	r1 := run(&ledger.Block{Height: 5, Txs: []ledger.Tx{put(5, 0, absent, "a"), put(5, 1, absent, "b")}})
	r2 := run(&ledger.Block{Height: 6, Txs: []ledger.Tx{put(6, 0, ledger.KVRead{Key: "n", BlockNum: 5, TxNum: 0}, "c")}})
	fs := mvccFindings(append(r1.Findings, r2.Findings...))
	if len(fs) != 1 || fs[0].Rule != RuleMVCCValid.ID || fs[0].Subject.Ref != "tx5-1" {
		t.Fatalf("findings = %s, want one %s for tx5-1", listFindings(fs), RuleMVCCValid.ID)
	}
	if _, ok := txCheck(r2, 0); ok {
		t.Errorf("block 6 tx 0 was judged on a key in doubt: %+v", r2.Txs[0].Verdict)
	}
	// A VALID write clears the doubt: the next read is judged again.
	r3 := run(&ledger.Block{Height: 7, Txs: []ledger.Tx{put(7, 0, ledger.KVRead{Key: "n", BlockNum: 6, TxNum: 0}, "d")}})
	if c, ok := txCheck(r3, 0); !ok || !c.OK {
		t.Errorf("block 7 tx 0 re-validation = %+v (present %v), want judged valid", c, ok)
	}
}
