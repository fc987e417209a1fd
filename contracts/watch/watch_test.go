package watch_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/watch"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/record"
)

func openIndex(t *testing.T) *index.DB {
	t.Helper()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// commit appends blocks carrying the given contracts to a new chain.
func commit(t *testing.T, db *index.DB, c ledger.Chain, blocks ...[]ledger.Contract) {
	t.Helper()
	ctx := context.Background()
	if err := db.PutChain(ctx, c); err != nil {
		t.Fatal(err)
	}
	var parent []byte
	for h, cs := range blocks {
		b := &ledger.Block{
			Chain: c.ID, Height: uint64(h), Hash: []byte{byte(h + 1)}, ParentHash: parent,
			Time: time.Unix(1700000000+int64(h), 0).UTC(), Contracts: cs,
		}
		if c.Kind == ledger.KindFabric {
			b.Fabric = &ledger.FabricBlock{}
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d) = %v", h, err)
		}
		parent = b.Hash
	}
}

func step(t *testing.T, db *index.DB) int {
	t.Helper()
	w, err := watch.New(db, watch.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.Step(context.Background())
	if err != nil {
		t.Fatalf("Step = %v", err)
	}
	return n
}

func TestWatchEVM(t *testing.T) {
	db := openIndex(t)
	killable := ledger.Contract{Chain: "dev", Address: "0xAbC0000000000000000000000000000000000001", Creator: "0xDeP",
		DeployTx: "0x01", Height: 1, Code: []byte{0x33, 0xff}, CodeHash: []byte{9}}
	empty := ledger.Contract{Chain: "dev", Address: "0x02", Creator: "0xdep", DeployTx: "0x02", Height: 2}
	commit(t, db, ledger.Chain{ID: "dev", Kind: ledger.KindEVM}, nil, []ledger.Contract{killable}, []ledger.Contract{empty}, nil)
	if n := step(t, db); n != 4 {
		t.Errorf("Step processed %d blocks, want 4", n)
	}
	if n := step(t, db); n != 0 {
		t.Errorf("second Step processed %d blocks, want 0", n)
	}
	ctx := context.Background()
	tests := []struct {
		ref      string
		status   string
		findings bool
	}{
		{"0xabc0000000000000000000000000000000000001", record.ScanDone, true},
		{"0x02", record.ScanFailed, false},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			s, err := db.ContractScan(ctx, "dev", tt.ref, 0)
			if err != nil {
				t.Fatalf("ContractScan(%s) = %v", tt.ref, err)
			}
			if s.Status != tt.status || (len(s.Findings) > 0) != tt.findings {
				t.Errorf("ContractScan(%s) = %s with %d findings", tt.ref, s.Status, len(s.Findings))
			}
		})
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Rule: "EVM-SELFDESTRUCT"}, ledger.Page{Limit: 10})
	if err != nil || len(fs) != 1 {
		t.Fatalf("Findings(EVM-SELFDESTRUCT) = %d, %v, want 1", len(fs), err)
	}
	f := fs[0]
	if f.Subject.Kind != "contract" || f.Subject.Ref != tests[0].ref || f.Evidence["deployTx"] != "0x01" || f.Evidence["deployer"] != "0xdep" {
		t.Errorf("finding subject %+v evidence %v", f.Subject, f.Evidence)
	}
}

func TestWatchRewind(t *testing.T) {
	db := openIndex(t)
	ctx := context.Background()
	k := ledger.Contract{Chain: "dev", Address: "0x01", DeployTx: "0x01", Height: 1, Code: []byte{0x33, 0xff}}
	commit(t, db, ledger.Chain{ID: "dev", Kind: ledger.KindEVM}, nil, []ledger.Contract{k}, nil)
	step(t, db)
	if err := db.Rollback(ctx, ledger.Reorg{Chain: "dev", Ancestor: 0, Depth: 2, Time: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	k2 := ledger.Contract{Chain: "dev", Address: "0x03", DeployTx: "0x03", Height: 1, Code: []byte{0x33, 0xff}}
	b := &ledger.Block{Chain: "dev", Height: 1, Hash: []byte{0xee}, ParentHash: []byte{1}, Contracts: []ledger.Contract{k2}}
	if err := db.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	if n := step(t, db); n != 1 {
		t.Errorf("Step after reorg processed %d blocks, want 1", n)
	}
	if _, err := db.ContractScan(ctx, "dev", "0x03", 0); err != nil {
		t.Errorf("ContractScan(0x03) after reorg = %v", err)
	}
}

func TestAttach(t *testing.T) {
	db := openIndex(t)
	ctx := context.Background()
	def := ledger.Contract{Chain: "fab", Address: "basic", Version: "1.0", Sequence: 1, DeployTx: "tx1", Creator: "Org1MSP", Height: 1}
	commit(t, db, ledger.Chain{ID: "fab", Kind: ledger.KindFabric}, nil, []ledger.Contract{def})
	step(t, db)
	s, err := db.ContractScan(ctx, "fab", "basic", 1)
	if err != nil || s.Status != record.ScanPending {
		t.Fatalf("ContractScan(basic#1) = %+v, %v, want pending", s, err)
	}
	finding := contracts.Finding{Rule: "CC-SYSTEM-TIME", Severity: ledger.High, Message: "time.Now",
		Location: contracts.Location{Path: "main.go", Line: 12}}
	tests := []struct {
		name string
		a    watch.Attachment
		want error
	}{
		{"attached", watch.Attachment{Chain: "fab", Name: "basic", Version: "1.0", Sequence: 1, Source: "basic@abc", Findings: []contracts.Finding{finding}}, nil},
		{"unknown sequence", watch.Attachment{Chain: "fab", Name: "basic", Sequence: 2}, ledger.ErrNotFound},
		{"unknown chaincode", watch.Attachment{Chain: "fab", Name: "other", Sequence: 1}, ledger.ErrNotFound},
		{"wrong version", watch.Attachment{Chain: "fab", Name: "basic", Version: "2.0", Sequence: 1}, watch.ErrVersion},
		{"unknown rule", watch.Attachment{Chain: "fab", Name: "basic", Sequence: 1, Findings: []contracts.Finding{{Rule: "NOPE"}}}, ledger.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := watch.Attach(ctx, db, tt.a)
			if !errors.Is(err, tt.want) {
				t.Errorf("Attach = %v, want %v", err, tt.want)
			}
		})
	}
	s, err = db.ContractScan(ctx, "fab", "basic", 1)
	if err != nil || s.Status != record.ScanDone || s.By != record.ScanByAuditor || len(s.Findings) != 1 {
		t.Fatalf("ContractScan(basic#1) after attach = %+v, %v", s, err)
	}
	f, err := db.Finding(ctx, s.Findings[0])
	if err != nil {
		t.Fatal(err)
	}
	if f.Subject.Kind != "chaincode" || f.Evidence["sequence"] != "1" || f.Evidence["version"] != "1.0" || f.Evidence["deployTx"] != "tx1" {
		t.Errorf("attached finding %+v", f)
	}
	// The watcher seeing the definition again keeps the attached scan.
	if err := db.CommitContractScans(ctx, "fab", ledger.Checkpoint{Height: 1, Hash: []byte{2}},
		[]record.ContractScan{{Chain: "fab", Ref: "basic", Sequence: 1, Status: record.ScanPending}}, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.ContractScan(ctx, "fab", "basic", 1); s.Status != record.ScanDone {
		t.Errorf("pending record replaced the attached scan: %+v", s)
	}
}

func TestSourceFindings(t *testing.T) {
	at := time.Unix(1700000000, 0)
	fs := []contracts.Finding{{Rule: "EVM-SELFDESTRUCT", Severity: "bogus", Location: contracts.Location{Path: "a.sol", Line: 3}}}
	out, err := watch.SourceFindings("audit", "repo@abc", fs, at)
	if err != nil || len(out) != 1 {
		t.Fatalf("SourceFindings = %v, %v", out, err)
	}
	if out[0].Severity != ledger.High && out[0].Severity.Rank() < 0 {
		t.Errorf("severity %q not taken from the rule", out[0].Severity)
	}
	if out[0].Subject.Kind != "source" || !slices.Contains([]string{"a.sol"}, out[0].Evidence["path"]) {
		t.Errorf("SourceFindings()[0] = %+v", out[0])
	}
	if _, err := watch.SourceFindings("Bad Chain", "x", nil, at); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("SourceFindings(bad chain) = %v, want ErrInvalid", err)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close() // before the leak check: deferred calls run last-in first-out
	k := ledger.Contract{Chain: "dev", Address: "0x01", DeployTx: "0x01", Height: 1, Code: []byte{0x33, 0xff}}
	commit(t, db, ledger.Chain{ID: "dev", Kind: ledger.KindEVM}, nil, []ledger.Contract{k})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- watch.Run(ctx, db, watch.Config{Interval: 10 * time.Millisecond}, nil) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := db.ContractScan(context.Background(), "dev", "0x01", 0); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not scan the contract within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  watch.Config
		ok   bool
	}{
		{"zero", watch.Config{}, true},
		{"negative interval", watch.Config{Interval: -1}, false},
		{"negative batch", watch.Config{Batch: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := watch.New(nil, tt.cfg, nil)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, watch.ErrConfig)) {
				t.Errorf("New(%+v) = %v, want ok=%v", tt.cfg, err, tt.ok)
			}
		})
	}
}
