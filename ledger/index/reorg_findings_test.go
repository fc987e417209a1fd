package index

import (
	"context"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// TestRollbackResolvesFindings checks which findings a rollback resolves:
// open and acknowledged ones about blocks, transactions and contracts
// above the common ancestor; not those below it, not node findings, not
// closed ones. A resolved one reopens when seen again, even with an older
// time (the re-including block's).
func testRollbackResolvesFindings(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	if err := db.PutChain(ctx, ledger.Chain{ID: "a", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	for _, b := range ledgertest.Chain("a", "main", 0, 4, nil) {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	rule := &ledger.RuleInfo{ID: "T-RULE", Title: "t", Doc: "d", Severity: ledger.High, Category: ledger.CatCrypto}
	seen := time.Unix(1000, 0).UTC()
	mk := func(kind, ref string, h uint64) ledger.Finding {
		return ledger.NewFinding(rule, "a", ledger.Subject{Kind: kind, Ref: ref, Height: h, Org: "Org1MSP"}, seen, "m", nil)
	}
	below, above, contract := mk("tx", "t1", 1), mk("tx", "t3", 3), mk("contract", "c3", 3)
	node, acked, accepted := mk("node", "n1", 3), mk("block", "b3", 3), mk("tx", "t3b", 3)
	if err := db.PutFindings(ctx, []ledger.Finding{below, above, contract, node, acked, accepted}); err != nil {
		t.Fatal(err)
	}
	reg := supervise.Request{Actor: "reg", Role: supervise.RoleRegulator}
	for id, to := range map[string]ledger.Status{acked.ID: ledger.StatusAcknowledged, accepted.ID: ledger.StatusAcceptedRisk} {
		req := reg
		req.To = to
		if _, _, err := db.ChangeFinding(ctx, id, req, seen.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	at := seen.Add(time.Hour)
	if err := db.Rollback(ctx, ledger.Reorg{Chain: "a", Ancestor: 2, Depth: 1, Time: at}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		f    ledger.Finding
		want ledger.Status
	}{
		{"tx below the ancestor", below, ledger.StatusOpen},
		{"tx above", above, ledger.StatusResolved},
		{"contract above", contract, ledger.StatusResolved},
		{"node", node, ledger.StatusOpen},
		{"acknowledged block above", acked, ledger.StatusResolved},
		{"accepted risk above", accepted, ledger.StatusAcceptedRisk},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Finding(ctx, tt.f.ID)
			if err != nil || got.Status != tt.want {
				t.Errorf("status = %v, %v; want %s", got, err, tt.want)
			}
		})
	}
	hist, st, err := db.FindingHistory(ctx, above.ID)
	if err != nil || len(hist) != 1 || hist[0].Kind != supervise.KindReorged || !hist[0].At.Equal(at) || !st.Reorged {
		t.Fatalf("history = %+v, state %+v, %v; want one reorged entry at %s", hist, st, err, at)
	}
	// Seen again, with the older time of the block that re-includes it.
	again := above
	again.Subject.Height = 4
	if err := db.PutFindings(ctx, []ledger.Finding{again}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Finding(ctx, above.ID); err != nil || got.Status != ledger.StatusOpen {
		t.Errorf("re-included finding = %+v, %v; want reopened", got, err)
	}
	hist, st, _ = db.FindingHistory(ctx, above.ID)
	if len(hist) != 2 || hist[1].Kind != supervise.KindRedetected || hist[1].At.Before(hist[0].At) || st.Reorged {
		t.Errorf("history = %+v, state %+v; want reorged then redetected, in time order", hist, st)
	}
}
