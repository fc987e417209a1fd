package supervise

import (
	"fmt"

	"github.com/lianjian/lianjian/ledger"
)

// Stored is a finding as the index holds it, with its workflow state.
// Finding is nil for one never stored. State is loaded only where the
// policy needs it: for a resolved finding, which a detection may reopen.
type Stored struct {
	Finding *ledger.Finding
	State   State
}

// Write is what to store for one detection, as [Detected] decided it from
// Base: the finding record, and the history entry to append after
// Base.State, if any. A store refuses the write (and the caller decides
// again) when it no longer holds Base.
type Write struct {
	Finding ledger.Finding
	Change  *Change
	Base    Stored
}

// Detected decides what to store when a rule reports seen and the index
// holds stored. A finding seen before keeps its id, first-seen time and
// workflow status, and gets the newer last-seen time and the new
// evidence; a resolved finding whose problem is seen after its resolution
// is reopened, with the re-detection in its history (see [Redetect]). A
// new finding is open unless it says otherwise. It reads nothing and
// writes nothing: the policy runs before the write, and the store only
// stores the result.
func Detected(stored Stored, seen ledger.Finding) (Write, error) {
	w := Write{Finding: seen, Base: stored}
	if seen.ID == "" {
		return w, fmt.Errorf("%w: finding for rule %s has no id", ledger.ErrInvalid, seen.Rule)
	}
	if old := stored.Finding; old != nil {
		f := &w.Finding
		if old.FirstSeen.Before(f.FirstSeen) {
			f.FirstSeen = old.FirstSeen
		}
		if old.LastSeen.After(f.LastSeen) {
			f.LastSeen = old.LastSeen
		}
		f.Status = old.Status
		if c, ok := Redetect(old, stored.State, seen.LastSeen, seen.Evidence); ok {
			f.Status, w.Change = c.To, &c
		}
	}
	if w.Finding.Status == "" {
		w.Finding.Status = ledger.StatusOpen
	}
	return w, nil
}
