package audit

import (
	"context"
	"testing"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// liveRanges are the range queries liveRangeTraffic ran.
type liveRanges struct {
	merkle, raw fabnet.Tx // VALID scans of more and of fewer than 50 keys
	phantom     fabnet.Tx // a scan of the large range that conflicted
}

// liveRangeTraffic writes 60 keys m0…m59 and runs range queries over
// them: a scan of all of them, which the peer records as a Merkle
// summary, a scan of a few, recorded as reads, and concurrent scans of
// all of them that each write a key inside the range, so that all but
// one fail with PHANTOM_READ_CONFLICT.
func liveRangeTraffic(ctx context.Context, t *testing.T, n *fabnet.Network) liveRanges {
	t.Helper()
	if got, err := n.BulkPut(ctx, "m", 60, 4); err != nil || got != 60 {
		t.Fatalf("BulkPut = %d, %v; want 60 puts", got, err)
	}
	var r liveRanges
	var err error
	if r.merkle, err = n.Scan(ctx, "m", "n", "scanned-all"); err != nil {
		t.Fatal(err)
	}
	if r.raw, err = n.Scan(ctx, "m1", "m2", "scanned-few"); err != nil {
		t.Fatal(err)
	}
	txs, err := n.ScanConcurrent(ctx, "m", "n", 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range txs {
		if tx.Code == "PHANTOM_READ_CONFLICT" {
			r.phantom = tx
		}
	}
	return r
}

// checkLiveRanges checks the range queries of a real ledger: the peer
// recorded the large ones as Merkle summaries and the small one as reads,
// the audit judged all three as the peer did, and flipping the validation
// code of a Merkle-summarised scan either way is caught.
func checkLiveRanges(t *testing.T, blocks [][]byte, rs []*BlockResult, r liveRanges) {
	t.Helper()
	type at struct{ height, index int }
	where := map[string]at{}
	for h, raw := range blocks {
		b, err := fabric.DecodeBlock("x", raw)
		if err != nil {
			t.Fatal(err)
		}
		for i, tx := range b.Txs {
			if tx.ID != r.merkle.ID && tx.ID != r.raw.ID && tx.ID != r.phantom.ID {
				continue
			}
			where[tx.ID] = at{h, i}
			var rq []ledger.RangeRead
			for _, ns := range tx.Fabric.RWSets {
				rq = append(rq, ns.RangeReads...)
			}
			if merkle := tx.ID != r.raw.ID; len(rq) != 1 || (len(rq[0].MerkleHashes) > 0) != merkle {
				t.Errorf("tx %s range reads = %+v, want one, summarised %v", tx.ID, rq, merkle)
			}
		}
	}
	for _, tx := range []fabnet.Tx{r.merkle, r.raw, r.phantom} {
		w, ok := where[tx.ID]
		if !ok {
			t.Fatalf("tx %s (%s) not in the ledger", tx.ID, tx.Code)
		}
		if c, ok := txCheck(rs[w.height], w.index); !ok || !c.OK {
			t.Errorf("Block(%d) tx %d (%s, %s) re-validation = %+v, %v; want judged as recorded", w.height, w.index, tx.ID, tx.Code, c, ok)
		}
	}
	for _, tt := range []struct {
		tx   fabnet.Tx
		code byte
		rule *ledger.RuleInfo
	}{
		{r.merkle, codePhantomConflict, RuleMVCCInvalid},
		{r.phantom, codeValid, RuleMVCCValid},
	} {
		w := where[tt.tx.ID]
		forged := append([][]byte(nil), blocks...)
		forged[w.height] = setFilterCode(t, blocks[w.height], w.index, tt.code)
		fs := mvccFindings(findings(auditAll(t, newAuditor(t, ledger.CryptoIntl), forged)))
		if len(fs) != 1 || fs[0].Rule != tt.rule.ID || fs[0].Subject.Ref != tt.tx.ID || fs[0].Subject.Height != uint64(w.height) {
			t.Errorf("Block(%d) tx %d (%s) recorded %s as code %d: findings %s, want one %s", w.height, w.index, tt.tx.ID, tt.tx.Code,
				tt.code, listFindings(fs), tt.rule.ID)
		}
		if tt.rule == RuleMVCCValid && len(fs) == 1 && fs[0].Evidence["expected"] != "PHANTOM_READ_CONFLICT" {
			t.Errorf("finding expects %s, want PHANTOM_READ_CONFLICT", fs[0].Evidence["expected"])
		}
	}
	t.Logf("range queries (block, tx): Merkle summary %v, reads %v, phantom read %v", where[r.merkle.ID], where[r.raw.ID], where[r.phantom.ID])
}
