package supervise

import (
	"errors"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

func TestDetected(t *testing.T) {
	rule := &ledger.RuleInfo{ID: "NODE-OLD-VERSION", Title: "t", Doc: "d", Severity: ledger.High, Category: ledger.CatNode}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	subj := ledger.Subject{Kind: "node", Ref: "peer0"}
	seen := ledger.NewFinding(rule, "c", subj, t0.Add(2*time.Hour), "again", nil)
	stored := func(status ledger.Status, first, last time.Time) *ledger.Finding {
		f := ledger.NewFinding(rule, "c", subj, first, "before", nil)
		f.Status, f.LastSeen = status, last
		return &f
	}
	tests := []struct {
		name        string
		stored      Stored
		wantStatus  ledger.Status
		wantChange  bool
		first, last time.Time
	}{
		{"new", Stored{}, ledger.StatusOpen, false, seen.FirstSeen, seen.LastSeen},
		{"acknowledged keeps its status and first seen", Stored{Finding: stored(ledger.StatusAcknowledged, t0, t0)}, ledger.StatusAcknowledged, false, t0, seen.LastSeen},
		{"resolved before the detection reopens", Stored{Finding: stored(ledger.StatusResolved, t0, t0), State: State{Seq: 2, Since: t0.Add(time.Hour)}}, ledger.StatusOpen, true, t0, seen.LastSeen},
		{"resolved after the detection stays", Stored{Finding: stored(ledger.StatusResolved, t0, t0.Add(3*time.Hour)), State: State{Seq: 2, Since: t0.Add(3 * time.Hour)}}, ledger.StatusResolved, false, t0, t0.Add(3 * time.Hour)},
		{"false positive stays", Stored{Finding: stored(ledger.StatusFalsePositive, t0, t0)}, ledger.StatusFalsePositive, false, t0, seen.LastSeen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Detected(tt.stored, seen)
			if err != nil {
				t.Fatal(err)
			}
			if w.Finding.Status != tt.wantStatus || (w.Change != nil) != tt.wantChange || !w.Finding.FirstSeen.Equal(tt.first) || !w.Finding.LastSeen.Equal(tt.last) {
				t.Errorf("Detected = status %s, change %v, seen %s..%s; want %s, %v, %s..%s",
					w.Finding.Status, w.Change, w.Finding.FirstSeen, w.Finding.LastSeen, tt.wantStatus, tt.wantChange, tt.first, tt.last)
			}
			if w.Change != nil && (w.Change.Seq != tt.stored.State.Seq+1 || w.Change.Kind != KindRedetected) {
				t.Errorf("Detected change = %+v, want redetected entry %d", w.Change, tt.stored.State.Seq+1)
			}
		})
	}
	if _, err := Detected(Stored{}, ledger.Finding{Rule: "X"}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("Detected without id = %v, want ErrInvalid", err)
	}
}
