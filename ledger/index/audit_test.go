package index

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

func testAuditRecords(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	if err := db.PutChain(ctx, ledger.Chain{ID: "ch", Kind: ledger.KindFabric}); err != nil {
		t.Fatal(err)
	}
	b := &ledger.Block{Chain: "ch", Height: 0, Hash: []byte{1}, Txs: []ledger.Tx{{ID: "aa", Chain: "ch", Index: 0}}}
	if err := db.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AuditCheckpoint(ctx, "ch"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("AuditCheckpoint before any audit = %v, want ErrNotFound", err)
	}
	var v ledger.Verdict
	v.Add("data-hash", true, "")
	var bad ledger.Verdict
	bad.Add("creator", false, "signature does not verify")
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := record.AuditRecord{Chain: "ch", Height: 0, Verdict: v, Txs: []record.TxAudit{{Index: 0, ID: "aa", Verdict: bad}}, Findings: []string{"f1"}, At: at}
	f := ledger.Finding{ID: "f1", Rule: "FAB-SIG-CREATOR", Chain: "ch", Severity: ledger.Critical, Status: ledger.StatusOpen, FirstSeen: at, LastSeen: at}
	cp := record.AuditCheckpoint{Height: 0, At: at, Chaincodes: map[string][]byte{"kvcc": {1, 2}}}
	if err := db.PutAudit(ctx, "ch", []record.AuditRecord{rec}, []ledger.Finding{f}, cp); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		ok   func() bool
	}{
		{"block audit", nil, func() bool {
			got, err := db.Audit(ctx, "ch", 0)
			return err == nil && got.Verdict.Status == ledger.Verified && len(got.Txs) == 1 && got.Findings[0] == "f1"
		}},
		{"tx audit", nil, func() bool {
			got, err := db.TxAudit(ctx, "ch", "aa")
			return err == nil && got.Verdict.Status == ledger.Failed
		}},
		{"checkpoint", nil, func() bool {
			got, err := db.AuditCheckpoint(ctx, "ch")
			return err == nil && got.Height == 0 && string(got.Chaincodes["kvcc"]) == "\x01\x02"
		}},
		{"finding", nil, func() bool {
			got, err := db.Finding(ctx, "f1")
			return err == nil && got.Rule == "FAB-SIG-CREATOR"
		}},
		{"missing height", ledger.ErrNotFound, func() bool { _, err := db.Audit(ctx, "ch", 9); return errors.Is(err, ledger.ErrNotFound) }},
		{"record of another chain", ledger.ErrInvalid, func() bool {
			return errors.Is(db.PutAudit(ctx, "other", []record.AuditRecord{rec}, nil, cp), ledger.ErrInvalid)
		}},
		{"bad chain id", ledger.ErrInvalid, func() bool {
			return errors.Is(db.PutAudit(ctx, "Bad/ID", nil, nil, cp), ledger.ErrInvalid)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok() {
				t.Errorf("%s failed (want error %v)", tt.name, tt.err)
			}
		})
	}
}

// TestKeyPolicyGenerations stores key-level policies, replaces them with
// a reset, and checks that only the new generation is read and that the
// old one's keys are deleted. Changes are versions: a change adds keys.
func TestKeyPolicyGenerations(t *testing.T) {
	ctx := context.Background()
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutChain(ctx, ledger.Chain{ID: "ch", Kind: ledger.KindFabric}); err != nil {
		t.Fatal(err)
	}
	kp := func(key string, policy []byte) record.KeyPolicy {
		return record.KeyPolicy{Namespace: "cc", Collection: "", Key: []byte(key), Policy: policy}
	}
	count := func() int {
		n := 0
		err := db.view(func(txn kv) error {
			return scan(txn, keyPolicyVersionPrefix("ch"), nil, func(_, _ []byte) (bool, error) { n++; return true, nil })
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		name       string
		cp         record.AuditCheckpoint
		want       []string
		count      int
		wantHeight uint64 // of the stored checkpoint
	}{
		{"first, in full", record.AuditCheckpoint{Height: 1, ResetKeyPolicies: true, KeyPolicies: []record.KeyPolicy{kp("a", []byte{1}), kp("b", []byte{2}), kp("c", []byte{3})}}, []string{"a", "b", "c"}, 3, 1},
		{"changes", record.AuditCheckpoint{Height: 2, KeyPolicies: []record.KeyPolicy{kp("a", nil), kp("d", []byte{4})}}, []string{"b", "c", "d"}, 5, 2},
		{"reset", record.AuditCheckpoint{Height: 3, ResetKeyPolicies: true, KeyPolicies: []record.KeyPolicy{kp("e", []byte{5})}}, []string{"e"}, 1, 3},
		{"records only", record.AuditCheckpoint{Height: 1, RecordsOnly: true, ResetKeyPolicies: true, KeyPolicies: []record.KeyPolicy{kp("f", []byte{6})}}, []string{"e"}, 1, 3},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := db.PutAudit(ctx, "ch", nil, nil, st.cp); err != nil {
				t.Fatal(err)
			}
			kps, err := db.AuditKeyPolicies(ctx, "ch")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range kps {
				got = append(got, string(k.Key))
			}
			if strings.Join(got, ",") != strings.Join(st.want, ",") || count() != st.count {
				t.Errorf("stored %v (%d keys), want %v (%d keys)", got, count(), st.want, st.count)
			}
			if cp, err := db.AuditCheckpoint(ctx, "ch"); err != nil || cp.Height != st.wantHeight {
				t.Errorf("checkpoint = %+v, %v; want height %d", cp, err, st.wantHeight)
			}
		})
	}
}
