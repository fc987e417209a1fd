package index

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

func testContractScans(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	if _, err := db.ContractScanCheckpoint(ctx, "dev"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("ContractScanCheckpoint(new) = %v, want ErrNotFound", err)
	}
	at := time.Unix(1700000000, 0).UTC()
	f := ledger.NewFinding(&ledger.RuleInfo{ID: "EVM-SELFDESTRUCT", Severity: ledger.High, Category: ledger.CatContract},
		"dev", ledger.Subject{Kind: "contract", Ref: "0xabc"}, at, "boom", nil)
	evmScan := record.ContractScan{Chain: "dev", Kind: record.ScanKindEVM, Ref: "0xABC", Status: record.ScanDone, By: record.ScanByWatcher, Findings: []string{f.ID}, Time: at}
	pending := record.ContractScan{Chain: "fab", Kind: record.ScanKindChaincode, Ref: "basic", Version: "1.0", Sequence: 1, Status: record.ScanPending, By: record.ScanByWatcher, Time: at}
	if err := db.CommitContractScans(ctx, "dev", ledger.Checkpoint{Height: 7, Hash: []byte{7}}, []record.ContractScan{evmScan}, []ledger.Finding{f}); err != nil {
		t.Fatalf("CommitContractScans = %v", err)
	}
	if err := db.CommitContractScans(ctx, "fab", ledger.Checkpoint{Height: 3}, []record.ContractScan{pending}, nil); err != nil {
		t.Fatalf("CommitContractScans(pending) = %v", err)
	}
	attached := pending
	attached.Status, attached.By, attached.Source = record.ScanDone, record.ScanByAuditor, "git@example:basic@abc"
	if err := db.PutContractScan(ctx, attached, nil); err != nil {
		t.Fatalf("PutContractScan = %v", err)
	}
	// A pending record seen again (e.g. after a watcher rewind) must not
	// replace the attached scan.
	if err := db.CommitContractScans(ctx, "fab", ledger.Checkpoint{Height: 3}, []record.ContractScan{pending}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		chain, ref string
		seq        uint64
		status     string
		by         string
	}{
		{"dev", "0xabc", 0, record.ScanDone, record.ScanByWatcher},
		{"fab", "basic", 1, record.ScanDone, record.ScanByAuditor},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			s, err := db.ContractScan(ctx, tt.chain, tt.ref, tt.seq)
			if err != nil {
				t.Fatalf("ContractScan(%s) = %v", tt.ref, err)
			}
			if s.Status != tt.status || s.By != tt.by {
				t.Errorf("ContractScan(%s) = %s by %s, want %s by %s", tt.ref, s.Status, s.By, tt.status, tt.by)
			}
		})
	}
	cp, err := db.ContractScanCheckpoint(ctx, "dev")
	if err != nil || cp.Height != 7 {
		t.Errorf("ContractScanCheckpoint(dev) = %d, %v, want 7", cp.Height, err)
	}
	if _, err := db.Finding(ctx, f.ID); err != nil {
		t.Errorf("Finding(%s) = %v", f.ID, err)
	}
	list, next, err := db.ContractScans(ctx, "fab", "", ledger.Page{Limit: 10})
	if err != nil || len(list) != 1 || next != "" || list[0].Ref != "basic" {
		t.Errorf("ContractScans(fab) = %v, %q, %v", list, next, err)
	}
	if _, err := db.ContractScan(ctx, "fab", "basic", 2); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("ContractScan(basic#2) = %v, want ErrNotFound", err)
	}
	if err := db.PutContractScan(ctx, record.ContractScan{Chain: "Bad Chain", Ref: "x"}, nil); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("PutContractScan(bad chain) = %v, want ErrInvalid", err)
	}
}
