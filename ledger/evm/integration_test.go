package evm_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/index"
)

// startGeth starts a real geth --dev node with scripted traffic, shared by
// the tests of this package that only read from it.
func startGeth(t *testing.T, o geth.TrafficOptions) (*geth.Node, *geth.Traffic) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts a real geth")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := geth.Start(ctx, geth.Options{Dir: t.TempDir(), AllowUnprotected: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	tr, err := n.Drive(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return n, tr
}

// ingestAll backfills every block of the node into a fresh in-memory index.
func ingestAll(t *testing.T, http, ws string) (*index.DB, *ledger.Ingester) {
	t.Helper()
	ctx := context.Background()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := evm.Dial(ctx, evm.Config{Chain: "dev", HTTP: http, WS: ws, FetchCode: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := db.PutChain(ctx, ledger.Chain{ID: "dev", Kind: ledger.KindEVM, Crypto: ledger.CryptoIntl, ChainID: c.ChainID()}); err != nil {
		t.Fatal(err)
	}
	in, err := ledger.NewIngester("dev", c, db, ledger.IngestConfig{Batch: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	return db, in
}

func findingsByRule(t *testing.T, db *index.DB) map[string][]*ledger.Finding {
	t.Helper()
	fs, _, err := db.Findings(context.Background(), ledger.FindingFilter{}, ledger.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*ledger.Finding{}
	for _, f := range fs {
		out[f.Rule] = append(out[f.Rule], f)
	}
	return out
}

func TestIngestRealGeth(t *testing.T) {
	n, tr := startGeth(t, geth.TrafficOptions{Unprotected: true, Bulk: 20})
	db, in := ingestAll(t, n.HTTP, "")
	ctx := context.Background()
	cp, err := db.Checkpoint(ctx, "dev")
	if err != nil || cp.Height == 0 || cp.Height != in.Head() {
		t.Fatalf("Checkpoint = %d, %v; head %d", cp.Height, err, in.Head())
	}
	var txs int
	for h := uint64(0); h <= cp.Height; h++ {
		b, err := db.Block(ctx, "dev", h)
		if err != nil {
			t.Fatalf("Block(%d) = %v", h, err)
		}
		// One verification status from integrity and cryptographic checks
		// only: the unprotected transaction's replay risk is a finding
		// beside it, not a failure of its block.
		if b.Verdict.Status != ledger.Verified {
			t.Errorf("Block(%d) verdict = %q, want verified", h, b.Verdict.Status)
			for _, c := range b.Verdict.Checks {
				if !c.OK {
					t.Errorf("Block(%d) check %s failed: %s", h, c.Name, c.Detail)
				}
			}
		}
		txs += len(b.Txs)
	}
	if txs != len(tr.Txs) {
		t.Errorf("indexed %d txs, sent %d", txs, len(tr.Txs))
	}
	for _, h := range tr.Txs {
		tx, err := db.Tx(ctx, "dev", h.Hex())
		if err != nil {
			t.Fatalf("Tx(%s) = %v", h.Hex(), err)
		}
		if tx.From == "" || len(tx.Sigs) != 1 {
			t.Errorf("Tx(%s) from %q sigs %d", h.Hex(), tx.From, len(tx.Sigs))
		}
	}
	types := map[string]bool{}
	for _, h := range tr.Txs {
		tx, _ := db.Tx(ctx, "dev", h.Hex())
		types[tx.Type] = true
	}
	for _, want := range []string{"legacy", "access-list", "dynamic-fee"} {
		if !types[want] {
			t.Errorf("no %s transaction indexed (have %v)", want, types)
		}
	}
	for name, addr := range tr.Contracts {
		c, err := db.Contract(ctx, "dev", addr.Hex())
		if err != nil {
			t.Fatalf("Contract(%s) = %v", name, err)
		}
		if len(c.Code) == 0 || len(c.CodeHash) != 32 || c.Creator == "" || c.DeployTx == "" {
			t.Errorf("Contract(%s) = code %d bytes, hash %x, creator %q, tx %q", name, len(c.Code), c.CodeHash, c.Creator, c.DeployTx)
		}
	}
	counter, _ := db.Tx(ctx, "dev", tr.Txs[len(tr.Txs)-20-5].Hex())
	if len(counter.Logs) != 1 || counter.Status != "success" {
		t.Errorf("counter call: logs %d status %s, want 1 log, success", len(counter.Logs), counter.Status)
	}
	hist, _, err := db.AddressHistory(ctx, "dev", tr.Contracts["Counter"].Hex(), ledger.Page{})
	if err != nil || len(hist) < 4 {
		t.Errorf("AddressHistory(Counter) = %d entries, %v; want >= 4 (created, 3 calls)", len(hist), err)
	}
	got := findingsByRule(t, db)
	if len(got[evm.RuleUnprotected.ID]) != 1 {
		t.Errorf("replay-risk findings = %d, want 1 (the unprotected tx)", len(got[evm.RuleUnprotected.ID]))
	}
	for _, f := range got[evm.RuleUnprotected.ID] {
		tx, err := db.Tx(ctx, "dev", f.Subject.Ref)
		if err != nil {
			t.Fatalf("Tx(%s) = %v", f.Subject.Ref, err)
		}
		if tx.Verdict.Status != ledger.Verified {
			t.Errorf("unprotected Tx(%s) verdict = %q %+v, want verified (its replay risk is a finding, not a failed check)", tx.ID, tx.Verdict.Status, tx.Verdict.Checks)
		}
	}
	for rule, fs := range got {
		if rule != evm.RuleUnprotected.ID {
			t.Errorf("clean chain raised %d %s findings: %s", len(fs), rule, fs[0].Message)
		}
	}
}

func TestDialRejectsWrongChainID(t *testing.T) {
	n, _ := startGeth(t, geth.TrafficOptions{})
	_, err := evm.Dial(context.Background(), evm.Config{Chain: "dev", HTTP: n.HTTP, ChainID: 1})
	if !errors.Is(err, evm.ErrChainID) {
		t.Fatalf("Dial(chain id 1) = %v, want ErrChainID", err)
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

// tempDir makes a directory for state shared across benchmarks.
func tempDir() (string, error) { return os.MkdirTemp("", "lianjian-bench-") }
