package index

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// TestDetectedStale checks that a re-detection decided from a finding
// that a person changed before the write is not stored as decided: the
// write fails as stale, and PutFindings decides again from the new state,
// so the history keeps every entry in order.
func TestDetectedStale(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := ledger.NewFinding(wfRule, "c", ledger.Subject{Kind: "node", Ref: "peer0", Org: "Org1MSP"}, t0, "old", nil)
	if err := db.PutFindings(ctx, []ledger.Finding{f}); err != nil {
		t.Fatal(err)
	}
	reg := supervise.Request{Actor: "reg", Role: supervise.RoleRegulator, To: ledger.StatusResolved}
	if _, _, err := db.ChangeFinding(ctx, f.ID, reg, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	seen := ledger.NewFinding(wfRule, "c", f.Subject, t0.Add(2*time.Hour), "old again", nil)
	ws, err := db.detected([]ledger.Finding{seen})
	if err != nil || ws[0].Change == nil || ws[0].Finding.Status != ledger.StatusOpen {
		t.Fatalf("detected = %+v, %v; want a reopening", ws, err)
	}
	// A regulator comments between the decision and the write.
	if _, _, err := db.ChangeFinding(ctx, f.ID, supervise.Request{Actor: "reg", Role: supervise.RoleRegulator, Comment: "noted"}, t0.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.update(ctx, func(txn kv) error { return putFindings(txn, ws) }); !errors.Is(err, errStale) {
		t.Fatalf("putFindings from a stale decision = %v, want errStale", err)
	}
	if err := db.PutFindings(ctx, []ledger.Finding{seen, seen}); err != nil {
		t.Fatalf("PutFindings = %v", err)
	}
	hist, st, err := db.FindingHistory(ctx, f.ID)
	if err != nil || len(hist) != 3 || st.Seq != 3 {
		t.Fatalf("FindingHistory = %d entries, seq %d, %v; want 3", len(hist), st.Seq, err)
	}
	for i, want := range []supervise.ChangeKind{supervise.KindStatus, supervise.KindComment, supervise.KindRedetected} {
		if hist[i].Seq != i+1 || hist[i].Kind != want {
			t.Errorf("history[%d] = seq %d %s, want seq %d %s", i, hist[i].Seq, hist[i].Kind, i+1, want)
		}
	}
	got, err := db.Finding(ctx, f.ID)
	if err != nil || got.Status != ledger.StatusOpen || !got.FirstSeen.Equal(t0) || !got.LastSeen.Equal(seen.LastSeen) {
		t.Errorf("Finding = %+v, %v; want reopened, first seen %s, last seen %s", got, err, t0, seen.LastSeen)
	}
}
