package audit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// TestReaudit stores the 2.5.9 peer ledger in a real index, re-audits all
// of it and then ranges above 0, and reads the verdicts back. A range
// starting above a stored checkpoint restores the nearest one below it,
// with the chaincode policies in force there.
func TestReaudit(t *testing.T) {
	ctx := context.Background()
	blocks := readChain(t, "fabric-2.5.9/peer", "mychannel_")
	db, chain := storedChain(t, blocks)
	top := uint64(len(blocks) - 1)
	// Cases run in order: each continues from the checkpoint the previous
	// one left, or not. A re-audit that does not go past the stored
	// checkpoint leaves it where it is.
	tests := []struct {
		name       string
		from, to   uint64
		wantPolicy bool   // kvcc's endorsement policy known and evaluated
		wantCP     uint64 // stored checkpoint afterwards
	}{
		{"up to block 8", 0, 8, true, 8},
		{"past the block after the checkpoint: records only", 11, 11, false, 8},
		{"straddling the checkpoint: the part past it continues", 5, 11, true, 11},
		{"continued", 12, 12, true, 12},
		{"all again", 0, top, true, 12},
		{"middle, after kvcc was defined, no checkpoint kept below: replayed from the genesis block", 5, 11, true, 12},
		{"below the checkpoint, from the one stored at 8", 9, 10, true, 12},
		{"last block again, from the one stored at 11", 12, 12, true, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Chain: chain, Now: func() time.Time { return fixedNow }}
			sum, err := Reaudit(ctx, db, cfg, tt.from, tt.to)
			if err != nil {
				t.Fatalf("Reaudit(%d, %d): %v", tt.from, tt.to, err)
			}
			if sum.Blocks != int(tt.to-tt.from+1) || sum.Integrity != 0 {
				t.Errorf("Reaudit(%d, %d) = %d blocks, %d integrity findings %v", tt.from, tt.to, sum.Blocks, sum.Integrity, sum.Findings)
			}
			cp, err := db.AuditCheckpoint(ctx, chain.ID)
			if err != nil || cp.Height != tt.wantCP || !cp.EndorsementComplete {
				t.Errorf("AuditCheckpoint = %d (complete %v), %v; want %d, complete", cp.Height, cp.EndorsementComplete, err, tt.wantCP)
			}
			kvccPolicy := false
			for h := tt.from; h <= tt.to; h++ {
				rec, err := db.Audit(ctx, chain.ID, h)
				if err != nil {
					t.Fatalf("Audit(%d): %v", h, err)
				}
				if rec.Verdict.Status != ledger.Verified || len(rec.Txs) == 0 {
					t.Errorf("Audit(%d) = %+v, want verified with txs", h, rec)
				}
				for _, tx := range rec.Txs {
					for _, c := range tx.Verdict.Checks {
						if c.Name == "endorsement-policy:kvcc" && c.OK && !strings.HasPrefix(c.Detail, "not evaluated") {
							kvccPolicy = true
						}
					}
				}
			}
			if kvccPolicy != tt.wantPolicy {
				t.Errorf("kvcc endorsement policy evaluated = %v, want %v", kvccPolicy, tt.wantPolicy)
			}
		})
	}
	ta, err := db.TxAudit(ctx, chain.ID, "b8d4f94baae7147ea8321ebce9e95746de6a98c88eb15cd8f06cd190738c4185")
	if err != nil || ta.Verdict.Status != ledger.Verified || ta.Index != 0 {
		t.Errorf("TxAudit(block 12 tx 0) = %+v, %v, want verified", ta, err)
	}
	if _, err := db.Audit(ctx, chain.ID, 99); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Audit(99) error = %v, want ErrNotFound", err)
	}
}

// storedChain commits raw Fabric blocks, as chain "test", to a real
// index (on the memory backend), closed when the test ends.
func storedChain(t *testing.T, blocks [][]byte) (*index.DB, ledger.Chain) {
	t.Helper()
	ctx := context.Background()
	chain := ledger.Chain{ID: "test", Kind: ledger.KindFabric, Crypto: ledger.CryptoIntl}
	db := chainIndex(t, chain)
	for _, raw := range blocks {
		b, err := fabric.DecodeBlock(chain.ID, raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	return db, chain
}

// TestRecordFindingOnce: a finding raised several times on one block
// (one rule failing several checks about one subject, such as each
// sealer signature over a forged block hash) is one finding in the index,
// and its id is in the block's audit record once.
func TestRecordFindingOnce(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	subj := ledger.Subject{Kind: "block", Ref: "ab", Height: 3}
	seal := ledger.NewFinding(&ledger.RuleInfo{ID: "FISCO-SEALER-SIGNATURE", Severity: ledger.Critical, Category: ledger.CatCrypto}, "c", subj, at, "sealer 0", nil)
	hash := ledger.NewFinding(&ledger.RuleInfo{ID: "FISCO-HEADER-HASH", Severity: ledger.Critical, Category: ledger.CatIntegrity}, "c", subj, at, "hash", nil)
	r := &BlockResult{Height: 3, Findings: []ledger.Finding{seal, hash, seal, seal}}
	rec := Record("c", r, at)
	if want := []string{seal.ID, hash.ID}; strings.Join(rec.Findings, ",") != strings.Join(want, ",") {
		t.Errorf("Record findings = %v, want %v", rec.Findings, want)
	}
}
