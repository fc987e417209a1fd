package index

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

func TestAuditRecords(t *testing.T) {
	ctx := context.Background()
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
	rec := AuditRecord{Chain: "ch", Height: 0, Verdict: v, Txs: []TxAudit{{Index: 0, ID: "aa", Verdict: bad}}, Findings: []string{"f1"}, At: at}
	f := ledger.Finding{ID: "f1", Rule: "FAB-SIG-CREATOR", Chain: "ch", Severity: ledger.Critical, Status: ledger.StatusOpen, FirstSeen: at, LastSeen: at}
	cp := AuditCheckpoint{Height: 0, At: at, Chaincodes: map[string][]byte{"kvcc": {1, 2}}}
	if err := db.PutAudit(ctx, "ch", []AuditRecord{rec}, []ledger.Finding{f}, cp); err != nil {
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
			return errors.Is(db.PutAudit(ctx, "other", []AuditRecord{rec}, nil, cp), ledger.ErrInvalid)
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
