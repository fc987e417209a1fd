package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/record"
)

// TestReauditBelowCheckpoint audits the real 2.5.9 peer ledger in two
// runs (checkpoints at 6 and 12), then re-ingests it with one validation
// code altered and re-audits ranges below the checkpoint: the re-audit
// restores the checkpoint at 6, reads the state as it was there, and
// reports the lie at the block altered, leaving the stored checkpoint and
// its state alone. In the real ledger block 10 holds tx 0 VALID (it read
// key ctr of kvcc, absent then) and txs 1 and 2 MVCC_READ_CONFLICT (they
// read ctr absent too, after tx 0 wrote it); block 12's tx 0 read ctr at
// 10:0. Judging a VALID tx marked a conflict needs the state before the
// block; a conflict marked VALID at block 10 conflicts within the block.
func TestReauditBelowCheckpoint(t *testing.T) {
	tests := []struct {
		name     string
		block    int
		tx       int
		code     int // -1: the clean ledger
		from, to uint64
		rule     *ledger.RuleInfo
		phrase   string
		oneRun   bool // audited 0..12 at once: no stored checkpoint below 12
	}{
		{"clean, block 10 alone", 10, 0, -1, 10, 10, nil, "", false},
		{"clean, 7..12", 10, 0, -1, 7, 12, nil, "", false},
		{"VALID tx marked as a conflict, block 10 alone", 10, 0, codeMVCCConflict, 10, 10, RuleMVCCInvalid, "would have marked it VALID", false},
		{"VALID tx marked as a conflict, 8..12", 10, 0, codeMVCCConflict, 8, 12, RuleMVCCInvalid, "would have marked it VALID", false},
		{"VALID tx marked as a phantom read, block 12 alone", 12, 0, codePhantomConflict, 12, 12, RuleMVCCInvalid, "recorded PHANTOM_READ_CONFLICT", false},
		{"conflicting tx marked VALID, block 10 alone", 10, 2, codeValid, 10, 10, RuleMVCCValid, `key "ctr" of kvcc, read at no version (absent), was written by tx 0 of this block`, false},
		{"conflicting tx marked VALID, 9..11", 10, 2, codeValid, 9, 11, RuleMVCCValid, `was written by tx 0 of this block`, false},
		{"audited at once, clean, block 10 alone", 10, 0, -1, 10, 10, nil, "", true},
		{"audited at once, VALID tx marked as a conflict, block 10 alone", 10, 0, codeMVCCConflict, 10, 10, RuleMVCCInvalid, "would have marked it VALID", true},
		{"audited at once, VALID tx marked as a phantom read, 11..12", 12, 0, codePhantomConflict, 11, 12, RuleMVCCInvalid, "recorded PHANTOM_READ_CONFLICT", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
			db, chain := storedChain(t, blocks)
			cfg := Config{Chain: chain, Now: func() time.Time { return fixedNow }}
			runs := [][2]uint64{{0, 6}, {7, 12}}
			if tt.oneRun {
				runs = [][2]uint64{{0, 12}}
			}
			for _, r := range runs {
				if _, err := Reaudit(ctx, db, cfg, r[0], r[1]); err != nil {
					t.Fatal(err)
				}
			}
			head, err := db.AuditCheckpoint(ctx, chain.ID)
			if err != nil || head.Height != 12 {
				t.Fatalf("AuditCheckpoint = %+v, %v; want 12", head, err)
			}
			ctr, _, err := db.AuditState(ctx, chain.ID, "kvcc", "", []byte("ctr"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.code >= 0 {
				// The peer's copy of the block changed after the audit:
				// re-ingest it from there.
				if err := db.Rollback(ctx, ledger.Reorg{Chain: chain.ID, Ancestor: uint64(tt.block - 1), Time: fixedNow}); err != nil {
					t.Fatal(err)
				}
				blocks[tt.block] = setFilterCode(t, blocks[tt.block], tt.tx, byte(tt.code))
				for _, raw := range blocks[tt.block:] {
					b, err := fabric.DecodeBlock(chain.ID, raw)
					if err != nil {
						t.Fatal(err)
					}
					if err := db.Commit(ctx, b); err != nil {
						t.Fatal(err)
					}
				}
			}
			sum, err := Reaudit(ctx, db, cfg, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Blocks != int(tt.to-tt.from+1) {
				t.Errorf("Reaudit(%d, %d) = %d blocks", tt.from, tt.to, sum.Blocks)
			}
			rec, err := db.Audit(ctx, chain.ID, uint64(tt.block))
			if err != nil {
				t.Fatal(err)
			}
			var fs []ledger.Finding
			for _, id := range rec.Findings {
				f, err := db.Finding(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if f.Rule == RuleMVCCValid.ID || f.Rule == RuleMVCCInvalid.ID {
					fs = append(fs, *f)
				}
			}
			n := sum.Findings[RuleMVCCValid.ID] + sum.Findings[RuleMVCCInvalid.ID]
			if tt.rule == nil {
				if len(fs) > 0 || n > 0 {
					t.Fatalf("clean re-audit: %s (%d in the summary)", listFindings(fs), n)
				}
				for i := range rec.Txs {
					if c, ok := checkNamed(rec.Txs[i].Verdict, mvccCheck); !ok || !c.OK {
						t.Errorf("block %d tx %d re-validation = %+v (present %v), want judged valid", tt.block, i, c, ok)
					}
				}
			} else {
				if len(fs) != 1 || n != 1 {
					t.Fatalf("findings at block %d = %s (%d in the summary), want one %s", tt.block, listFindings(fs), n, tt.rule.ID)
				}
				if f := fs[0]; f.Rule != tt.rule.ID || f.Subject.Height != uint64(tt.block) || f.Evidence["tx"] != fmt.Sprint(tt.tx) || !strings.Contains(f.Message, tt.phrase) {
					t.Errorf("finding = %+v", f)
				}
				if c, ok := checkNamed(rec.Txs[tt.tx].Verdict, mvccCheck); !ok || c.OK {
					t.Errorf("block %d tx %d re-validation = %+v (present %v), want failed", tt.block, tt.tx, c, ok)
				}
			}
			after, err := db.AuditCheckpoint(ctx, chain.ID)
			if err != nil || after.Height != head.Height || after.StateGen != head.StateGen || after.KeyPolicyGen != head.KeyPolicyGen || !after.At.Equal(head.At) {
				t.Errorf("AuditCheckpoint after the re-audit = %+v, %v; want it unchanged: %+v", after, err, head)
			}
			if e, _, err := db.AuditState(ctx, chain.ID, "kvcc", "", []byte("ctr")); err != nil || e.Block != ctr.Block || e.Tx != ctr.Tx {
				t.Errorf("stored ctr after the re-audit = %+v, %v; want version %d:%d", e, err, ctr.Block, ctr.Tx)
			}
		})
	}
}

// TestMVCCRangePartialState re-validates range queries over the world
// state the real 2.5.9 peer ledger leaves at block 9, with the replay
// resumed from the index and holding none of it in memory (as when it is
// over its memory budget): the keys of the range are scanned in the index
// and merged with the block's own writes. A range query that returns
// what the state holds is judged valid; one that misses a key, or returns
// one at another version (a phantom read), is caught. Keys an earlier
// block changed are in memory only, and win over the index.
func TestMVCCRangePartialState(t *testing.T) {
	ctx := context.Background()
	blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
	db, chain := storedChain(t, blocks)
	cfg := Config{Chain: chain, Now: func() time.Time { return fixedNow }}
	if _, err := Reaudit(ctx, db, cfg, 0, 9); err != nil {
		t.Fatal(err)
	}
	// The real keys of _lifecycle's kvcc definition, at their versions,
	// as a replay of blocks 0..9 in memory has them.
	const ns, prefix = "_lifecycle", "namespaces/fields/kvcc/"
	full := newAuditor(t, ledger.CryptoIntl)
	auditAll(t, full, blocks[:10])
	var real []ledger.KVRead
	for k, v := range full.fab().commit.state.vals {
		if k.ns == ns && k.coll == "" && strings.HasPrefix(k.key, prefix) && v.value != nil {
			real = append(real, ledger.KVRead{Key: k.key, BlockNum: v.block, TxNum: v.tx})
		}
	}
	slices.SortFunc(real, func(a, b ledger.KVRead) int { return strings.Compare(a.Key, b.Key) })
	if len(real) < 3 {
		t.Fatalf("kvcc definition = %+v; want 3 keys or more", real)
	}
	end := prefix[:len(prefix)-1] + "0" // just after the prefix
	rq := func(keys []ledger.KVRead) ledger.RangeRead {
		return ledger.RangeRead{StartKey: prefix, EndKey: end, ItrExhausted: true, Keys: keys}
	}
	other := real[1]
	other.TxNum++
	// After block 10 deletes the first key, rewrites the second and adds
	// one (in memory, not saved), the range holds the new key, the second
	// at its new version and the others as stored.
	added := prefix + "Zz"
	after := append([]ledger.KVRead{{Key: added, BlockNum: 10}, {Key: real[1].Key, BlockNum: 10}}, real[2:]...)
	slices.SortFunc(after, func(a, b ledger.KVRead) int { return strings.Compare(a.Key, b.Key) })
	stale := slices.Clone(after)
	for i := range stale {
		if stale[i].Key == real[1].Key {
			stale[i] = real[1]
		}
	}
	block10 := func(s *commitState) {
		s.apply(&updateBatch{height: 10, writes: map[stateKey]stateWrite{
			{ns, "", real[0].Key}: {}, {ns, "", real[1].Key}: {value: []byte("y")}, {ns, "", added}: {value: []byte("x")},
		}})
	}
	for _, tt := range []struct {
		name    string
		rq      ledger.RangeRead
		prepare func(*commitState)
		write   string // a key the block writes before the query
		status  string
		rule    *ledger.RuleInfo
		phrase  string
		judged  bool
		verdict bool
	}{
		{name: "same keys and versions", rq: rq(real), status: "VALID", judged: true, verdict: true},
		{name: "same keys, recorded as a phantom read", rq: rq(real), status: "PHANTOM_READ_CONFLICT", rule: RuleMVCCInvalid, phrase: "would have marked it VALID", judged: true},
		{name: "a stored key missed", rq: rq(real[1:]), status: "VALID", rule: RuleMVCCValid, phrase: "returned key", judged: true},
		{name: "a stored key at another version", rq: rq([]ledger.KVRead{real[0], other, real[2]}), status: "VALID", rule: RuleMVCCValid, phrase: "at version", judged: true},
		{name: "a key written earlier in the block", rq: rq(real), write: prefix + "Zz", status: "VALID", rule: RuleMVCCValid, phrase: "written by tx 0 of this block", judged: true},
		{name: "after an earlier block, in memory: same keys and versions", rq: rq(after), prepare: block10, status: "VALID", judged: true, verdict: true},
		{name: "after an earlier block, in memory: a deleted key returned", rq: rq(append([]ledger.KVRead{real[0]}, after...)), prepare: block10, status: "VALID", rule: RuleMVCCValid, phrase: "returned key", judged: true},
		{name: "after an earlier block, in memory: a rewritten key at its stored version", rq: rq(stale), prepare: block10, status: "VALID", rule: RuleMVCCValid, phrase: "now at version 10:0", judged: true},
		{name: "not exhausted: the end bounds the keys", rq: ledger.RangeRead{StartKey: prefix, EndKey: real[1].Key, Keys: real[:2]}, status: "VALID", judged: true, verdict: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := resume(ctx, db, cfg, 10)
			if err != nil {
				t.Fatal(err)
			}
			st := &a.fab().commit.state
			st.budget = 1024
			if !st.stored.partial || len(st.vals) != 0 {
				t.Fatalf("resumed state: partial %v, %d keys in memory; want partial, none", st.stored.partial, len(st.vals))
			}
			height := uint64(10)
			if tt.prepare != nil {
				tt.prepare(st)
				height = 11
			}
			tx := func(i int, status string, rws ledger.NsRWSet) ledger.Tx {
				return ledger.Tx{ID: fmt.Sprintf("tx%d", i), Height: height, Index: i, Type: typeEndorser, Valid: status == "VALID", Status: status,
					Fabric: &ledger.FabricTx{ValidationCode: map[string]int32{"VALID": codeValid, "PHANTOM_READ_CONFLICT": codePhantomConflict}[status],
						RWSets: []ledger.NsRWSet{rws}}}
			}
			b := &ledger.Block{Height: height}
			if tt.write != "" {
				b.Txs = append(b.Txs, tx(0, "VALID", ledger.NsRWSet{Namespace: ns, Writes: []ledger.KVWrite{{Key: tt.write, Value: []byte("x")}}}))
			}
			q := len(b.Txs)
			b.Txs = append(b.Txs, tx(q, tt.status, ledger.NsRWSet{Namespace: ns, RangeReads: []ledger.RangeRead{tt.rq}}))
			res := &BlockResult{Height: height, Txs: make([]TxVerdict, len(b.Txs))}
			buildBatch(b, a.fab().commit.lookup(height), a.fab().revalidator(res, b))
			fs := mvccFindings(res.Findings)
			c, judged := txCheck(res, q)
			switch {
			case judged != tt.judged || judged && c.OK != tt.verdict:
				t.Errorf("range query re-validation = %+v (judged %v), want judged %v, valid %v", c, judged, tt.judged, tt.verdict)
			case tt.rule == nil && len(fs) > 0:
				t.Errorf("findings = %s, want none", listFindings(fs))
			case tt.rule != nil && (len(fs) != 1 || fs[0].Rule != tt.rule.ID || !strings.Contains(fs[0].Message, tt.phrase)):
				t.Errorf("findings = %s, want one %s naming %q", listFindings(fs), tt.rule.ID, tt.phrase)
			}
		})
	}
}

// legacyStore reads an index as one written before states were kept by
// height: its checkpoint has no ByHeight, and the state stored with it is
// not read (index.ErrNoState), as the index answers for such a checkpoint.
type legacyStore struct{ *index.DB }

func (s legacyStore) AuditCheckpoint(ctx context.Context, chain string) (record.AuditCheckpoint, error) {
	cp, err := s.DB.AuditCheckpoint(ctx, chain)
	cp.ByHeight = false
	return cp, err
}

func (legacyStore) AuditState(context.Context, string, string, string, []byte) (record.StateEntry, bool, error) {
	return record.StateEntry{}, false, index.ErrNoState
}

func (legacyStore) AuditKeyPolicies(context.Context, string) ([]record.KeyPolicy, error) {
	return nil, nil
}

func (legacyStore) AuditCheckpointAt(_ context.Context, chain string, h uint64) (record.AuditCheckpoint, error) {
	return record.AuditCheckpoint{}, fmt.Errorf("audit checkpoint of %s at or below %d: %w", chain, h, ledger.ErrNotFound)
}

// TestResumeLegacyCheckpoint continues an audit from a checkpoint stored
// before states were kept by height, at block 10 of the real 2.5.9 ledger
// whose VALID tx 0 is marked MVCC_READ_CONFLICT: the chaincode policies
// of the checkpoint are restored and evaluated (block 12), but its state is not
// read, so the flipped code is not judged (no finding either way), and
// the checkpoint saved next claims no complete state or key-level
// policies.
func TestResumeLegacyCheckpoint(t *testing.T) {
	ctx := context.Background()
	db, cfg := storedFlipped(t)
	chain := cfg.Chain
	sum, err := Reaudit(ctx, legacyStore{db}, cfg, 10, 12)
	if err != nil {
		t.Fatal(err)
	}
	if n := sum.Findings[RuleMVCCValid.ID] + sum.Findings[RuleMVCCInvalid.ID]; n != 0 || sum.Integrity != 1 {
		t.Errorf("findings = %v (%d integrity); want none of the re-validation, one of the commit hash", sum.Findings, sum.Integrity)
	}
	rec, err := db.Audit(ctx, chain.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := checkNamed(rec.Txs[0].Verdict, mvccCheck); ok {
		t.Errorf("block 10 tx 0 was re-validated without the state: %+v", c)
	}
	if rec, err = db.Audit(ctx, chain.ID, 12); err != nil {
		t.Fatal(err)
	}
	if c, ok := checkNamed(rec.Txs[0].Verdict, "endorsement-policy:kvcc"); !ok || !c.OK || strings.HasPrefix(c.Detail, "not evaluated") {
		t.Errorf("block 12 tx 0 kvcc endorsement policy = %+v (present %v), want evaluated", c, ok)
	}
	cp, err := db.AuditCheckpoint(ctx, chain.ID)
	if err != nil || cp.Height != 12 || cp.StateComplete || cp.EndorsementComplete {
		t.Errorf("AuditCheckpoint = height %d, state complete %v, endorsement complete %v, %v; want 12, neither complete", cp.Height, cp.StateComplete, cp.EndorsementComplete, err)
	}
}
