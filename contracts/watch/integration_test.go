package watch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/contracts/watch"
	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/record"
)

// TestWatchRealGeth deploys the demo contracts on a real geth, ingests the
// chain and checks that the stage scanned every deployment and linked its
// findings to the deploy transaction and the deployer.
func TestWatchRealGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real geth")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	tr, err := n.Drive(ctx, geth.TrafficOptions{})
	if err != nil {
		t.Fatal(err)
	}
	db := openIndex(t)
	c, err := evm.Dial(ctx, evm.Config{Chain: "dev", HTTP: n.HTTP, FetchCode: true})
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
		t.Fatalf("ingest: %v", err)
	}
	w, err := watch.New(db, watch.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Step(ctx); err != nil {
		t.Fatalf("Step = %v", err)
	}
	tests := []struct {
		contract string
		rules    []string // must be reported
		clean    bool     // no finding at all
	}{
		{"Counter", nil, true},
		{"Killable", []string{"EVM-SELFDESTRUCT"}, false},
		{"Vault", []string{"EVM-ETHER-WITHDRAWAL", "EVM-UNCHECKED-CALL"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.contract, func(t *testing.T) {
			addr := strings.ToLower(tr.Contracts[tt.contract].Hex())
			k, err := db.Contract(ctx, "dev", addr)
			if err != nil {
				t.Fatalf("Contract(%s) = %v", addr, err)
			}
			s, err := db.ContractScan(ctx, "dev", addr, 0)
			if err != nil {
				t.Fatalf("ContractScan(%s) = %v", addr, err)
			}
			if s.Status != record.ScanDone || s.DeployTx != k.DeployTx || s.Deployer != strings.ToLower(k.Creator) {
				t.Errorf("ContractScan(%s) = %+v, contract %+v", tt.contract, s, k)
			}
			fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "dev", Subject: addr}, ledger.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if tt.clean && len(fs) > 0 {
				t.Errorf("%s has findings %v, want none", tt.contract, rulesOf(fs))
			}
			for _, r := range tt.rules {
				f := findRule(fs, r)
				if f == nil {
					t.Errorf("%s: no %s finding; have %v", tt.contract, r, rulesOf(fs))
					continue
				}
				if f.Evidence["deployTx"] != k.DeployTx || f.Evidence["deployer"] != strings.ToLower(k.Creator) || k.DeployTx == "" {
					t.Errorf("%s %s evidence %v, want deployTx %s deployer %s", tt.contract, r, f.Evidence, k.DeployTx, k.Creator)
				}
			}
		})
	}
}

func findRule(fs []*ledger.Finding, rule string) *ledger.Finding {
	for _, f := range fs {
		if f.Rule == rule {
			return f
		}
	}
	return nil
}

func rulesOf(fs []*ledger.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}
