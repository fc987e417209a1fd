package audit

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/index"
)

// tamperSource serves the blocks of src with the stored bytes (Block.Raw)
// of some heights rewritten, as if they had been altered in the index
// after ingest: the model fields stay as the node served them. It is
// Sequential, so that a source whose chain checks need blocks in order
// (FISCO BCOS) still gets them so.
type tamperSource struct {
	ledger.Source
	tamper map[uint64]func(raw []byte) []byte
}

func (tamperSource) Sequential() {}

func (s tamperSource) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	bs, err := s.Source.Blocks(ctx, from, to)
	for _, b := range bs {
		if fn := s.tamper[b.Height]; fn != nil {
			b.Raw = fn(b.Raw)
		}
	}
	return bs, err
}

// chainIndex returns a real index on the memory backend holding the
// description of chain c, closed when the test ends.
func chainIndex(t *testing.T, c ledger.Chain) *index.DB {
	t.Helper()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutChain(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return db
}

// ingestInto backfills blocks 0..to of src into a fresh memory index
// under chain c.
func ingestInto(t *testing.T, c ledger.Chain, src ledger.Source, to uint64) *index.DB {
	t.Helper()
	db := chainIndex(t, c)
	in, err := ledger.NewIngester(c.ID, src, db, ledger.IngestConfig{Batch: 8, To: to}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background()); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return db
}

// editBundle rewrites the block JSON of a stored bundle.
func editBundle(t *testing.T, raw []byte, edit func(block map[string]json.RawMessage)) []byte {
	t.Helper()
	var bd ledger.Bundle
	var blk map[string]json.RawMessage
	if err := json.Unmarshal(raw, &bd); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bd.Block, &blk); err != nil {
		t.Fatal(err)
	}
	edit(blk)
	var err error
	if bd.Block, err = json.Marshal(blk); err != nil {
		t.Fatal(err)
	}
	return bd.Marshal()
}

// integrityAt returns the integrity findings the audit stored, by height
// and rule.
func integrityAt(t *testing.T, db *index.DB, chain string) map[uint64]map[string]bool {
	t.Helper()
	fs, _, err := db.Findings(context.Background(), ledger.FindingFilter{Chain: chain, Category: ledger.CatIntegrity}, ledger.Page{Limit: index.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64]map[string]bool{}
	for _, f := range fs {
		if out[f.Subject.Height] == nil {
			out[f.Subject.Height] = map[string]bool{}
		}
		out[f.Subject.Height][f.Rule] = true
	}
	return out
}

// TestReauditEVM re-audits a real geth chain from the index alone: the
// clean chain gives no integrity finding and a verdict per block and
// transaction, Follow audits it as ingest commits it, and a stored block whose transaction, header or place in
// the chain was altered after ingest is caught at its height.
func TestReauditEVM(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real geth")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := geth.Start(ctx, geth.Options{Dir: t.TempDir(), AllowUnprotected: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if _, err := n.Drive(ctx, geth.TrafficOptions{Unprotected: true, Bulk: 10}); err != nil {
		t.Fatal(err)
	}
	c, err := evm.Dial(ctx, evm.Config{Chain: "dev", HTTP: n.HTTP})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head, err := c.Head(ctx)
	if err != nil || head < 8 {
		t.Fatalf("Head = %d, %v; want a few blocks", head, err)
	}
	chain := ledger.Chain{ID: "dev", Kind: ledger.KindEVM, Crypto: ledger.CryptoIntl, ChainID: c.ChainID()}

	clean := ingestInto(t, chain, c, head)
	sum, err := Reaudit(ctx, clean, Config{Chain: chain}, 0, head)
	if err != nil {
		t.Fatalf("Reaudit = %v", err)
	}
	if sum.Integrity != 0 || sum.Blocks != int(head)+1 || sum.Txs == 0 || sum.Signatures != sum.Txs {
		t.Errorf("Reaudit(clean) = %d blocks, %d txs, %d signatures, %d integrity findings %v; want %d blocks, a signature per tx, none",
			sum.Blocks, sum.Txs, sum.Signatures, sum.Integrity, sum.Findings, head+1)
	}
	if fs := integrityAt(t, clean, "dev"); len(fs) != 0 {
		t.Errorf("clean chain: integrity findings %v", fs)
	}
	for h := uint64(0); h <= head; h++ {
		if rec, err := clean.Audit(ctx, "dev", h); err != nil || rec.Verdict.Status != ledger.Verified {
			t.Fatalf("Audit(%d) = %v, %v; want verified", h, rec, err)
		}
	}
	// Re-auditing a range that starts mid-chain resumes from the stored
	// block below it.
	if sum, err := Reaudit(ctx, clean, Config{Chain: chain}, head/2, head); err != nil || sum.Integrity != 0 {
		t.Errorf("Reaudit(%d..%d) = %d integrity findings %v, %v", head/2, head, sum.Integrity, sum.Findings, err)
	}

	// Follow audits what ingest committed, with its own checkpoint.
	followed := ingestInto(t, chain, c, head)
	fctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Follow(fctx, followed, Config{Chain: chain}, FollowConfig{Poll: 20 * time.Millisecond, MaxBlocks: 5})
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		cp, err := followed.AuditCheckpoint(ctx, "dev")
		if err == nil && cp.Height == head {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Follow: audit checkpoint %d, %v after a minute; want %d", cp.Height, err, head)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Follow = %v", err)
	}
	if fs := integrityAt(t, followed, "dev"); len(fs) != 0 {
		t.Errorf("followed chain: integrity findings %v", fs)
	}

	// Pick a block with transactions for the transaction tamper.
	txAt := uint64(0)
	for h := uint64(1); h <= head && txAt == 0; h++ {
		if b, err := clean.Block(ctx, "dev", h); err == nil && len(b.Txs) > 0 {
			txAt = h
		}
	}
	if txAt == 0 || txAt+4 > head {
		t.Fatalf("no block with transactions early enough (tx at %d, head %d)", txAt, head)
	}
	hdrAt, spliceAt := txAt+2, txAt+4
	var spliced []byte
	if b, err := clean.Block(ctx, "dev", spliceAt-1); err == nil {
		spliced = b.Raw
	} else {
		t.Fatal(err)
	}
	tampered := ingestInto(t, chain, tamperSource{Source: c, tamper: map[uint64]func([]byte) []byte{
		txAt: func(raw []byte) []byte {
			return editBundle(t, raw, func(blk map[string]json.RawMessage) {
				var txs []map[string]json.RawMessage
				if err := json.Unmarshal(blk["transactions"], &txs); err != nil {
					t.Fatal(err)
				}
				txs[0]["value"] = json.RawMessage(`"0x1bc16d674ec80000"`) // 2 ether
				blk["transactions"], _ = json.Marshal(txs)
			})
		},
		hdrAt: func(raw []byte) []byte {
			return editBundle(t, raw, func(blk map[string]json.RawMessage) {
				blk["gasLimit"] = json.RawMessage(`"0x1"`)
			})
		},
		spliceAt: func([]byte) []byte { return spliced },
	}}, head)
	sum, err = Reaudit(ctx, tampered, Config{Chain: chain}, 0, head)
	if err != nil {
		t.Fatalf("Reaudit(tampered) = %v", err)
	}
	got := integrityAt(t, tampered, "dev")
	for h, rule := range map[uint64]string{txAt: evm.RuleTxHash.ID, hdrAt: evm.RuleHeaderHash.ID, spliceAt: evm.RuleParentHash.ID} {
		if !got[h][rule] {
			t.Errorf("tampered block %d: integrity findings %v, want %s", h, got[h], rule)
		}
	}
	if !got[txAt][evm.RuleTxRoot.ID] {
		t.Errorf("tampered block %d: integrity findings %v, want %s too", txAt, got[txAt], evm.RuleTxRoot.ID)
	}
	for h := range got {
		if h != txAt && h != hdrAt && h != spliceAt && h != spliceAt+1 {
			t.Errorf("integrity findings %v at block %d, which was not tampered with", got[h], h)
		}
	}
	if sum.Integrity == 0 {
		t.Error("Reaudit(tampered) summary counts no integrity finding")
	}
	for _, h := range []uint64{txAt, hdrAt, spliceAt} {
		if rec, err := tampered.Audit(ctx, "dev", h); err != nil || rec.Verdict.Status != ledger.Failed {
			t.Errorf("Audit(%d) = %v, %v; want failed", h, rec, err)
		}
	}
}
