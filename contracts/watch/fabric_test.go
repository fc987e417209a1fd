package watch_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/watch"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/record"
)

// fixtures holds real Fabric blocks shared by the project.
const fixtures = "../../../shared/fixtures"

// TestWatchFabricFixture ingests the real blocks of a Fabric 2.5.9 network
// whose _lifecycle committed chaincode kvcc, checks that the stage records
// the definition as awaiting a scan, and attaches an auditor's scan to it.
func TestWatchFabricFixture(t *testing.T) {
	dir := filepath.Join(fixtures, "fabric-2.5.9", "peer")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	ctx := context.Background()
	db := openIndex(t)
	if err := db.PutChain(ctx, ledger.Chain{ID: "f259", Kind: ledger.KindFabric, Channel: "mychannel"}); err != nil {
		t.Fatal(err)
	}
	dec, err := fabric.NewChannelDecoder("f259", "", false)
	if err != nil {
		t.Fatal(err)
	}
	for rb, err := range fabric.BlockDir(ctx, dir) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := dec.Decode(rb.Bytes)
		if err != nil {
			t.Fatalf("Decode(%s) = %v", rb.File, err)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d) = %v", b.Height, err)
		}
	}
	if n := step(t, db); n == 0 {
		t.Fatal("Step processed no blocks")
	}
	s, err := db.ContractScan(ctx, "f259", "kvcc", 1)
	if err != nil {
		t.Fatalf("ContractScan(kvcc#1) = %v", err)
	}
	if s.Status != record.ScanPending || s.Kind != record.ScanKindChaincode || s.DeployTx == "" {
		t.Errorf("ContractScan(kvcc#1) = %+v, want a pending chaincode record with its deploy tx", s)
	}
	f := contracts.Finding{Rule: "CC-GLOBAL-STATE", Message: "global counter", Location: contracts.Location{Path: "kvcc/main.go", Line: 9}}
	got, err := watch.Attach(ctx, db, watch.Attachment{Chain: "f259", Name: "kvcc", Sequence: 1, Source: "kvcc@fixture", Findings: []contracts.Finding{f}})
	if err != nil {
		t.Fatalf("Attach(kvcc#1) = %v", err)
	}
	if got.Version == "" || got.Version != s.Version || got.DeployTx != s.DeployTx || got.Status != record.ScanDone {
		t.Errorf("Attach(kvcc#1) = %+v, want the definition's version %q and deploy tx %s", got, s.Version, s.DeployTx)
	}
}
