package supervise

import (
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// ChangeKind says what a workflow entry records.
type ChangeKind string

// Kinds of workflow entries.
const (
	// KindStatus is a status change made by a person.
	KindStatus ChangeKind = "status"
	// KindConfirm is a regulator confirming a resolution.
	KindConfirm ChangeKind = "confirm"
	// KindComment adds a comment (and optionally evidence or a deadline)
	// without moving the finding.
	KindComment ChangeKind = "comment"
	// KindRedetected is a rule seeing a resolved problem again; it reopens
	// the finding.
	KindRedetected ChangeKind = "redetected"
	// KindReorged resolves a finding about a block, transaction or
	// contract that a chain reorganisation removed from the chain; seeing
	// the problem again (the transaction re-included) reopens it.
	KindReorged ChangeKind = "reorged"
)

// Change is one entry of a finding's history. Entries are appended, never
// rewritten: Seq numbers them from 1.
type Change struct {
	Seq      int               `json:"seq"`
	Kind     ChangeKind        `json:"kind"`
	From     ledger.Status     `json:"from"`
	To       ledger.Status     `json:"to"`
	Comment  string            `json:"comment,omitempty"`
	Actor    string            `json:"actor"`
	Role     Role              `json:"role,omitempty"`
	At       time.Time         `json:"at"`
	Evidence map[string]string `json:"evidence,omitempty"`
	Deadline time.Time         `json:"deadline,omitzero"`
}

// State is the workflow state kept beside a finding.
type State struct {
	Seq       int       `json:"seq"`            // number of history entries
	Since     time.Time `json:"since,omitzero"` // time of the last status change
	Confirmed bool      `json:"confirmed"`      // a regulator confirmed the resolution
	Deadline  time.Time `json:"deadline,omitzero"`
	// Reorged is set while the finding is resolved because its subject was
	// reorganised away.
	Reorged bool `json:"reorged,omitempty"`
}

// Request is what a caller asks of the workflow.
type Request struct {
	To       ledger.Status // target status; empty for a comment
	Confirm  bool          // confirm a resolution (regulator)
	Comment  string
	Evidence map[string]string
	Deadline time.Time // rectification deadline (regulator)
	Actor    string
	Role     Role
	Org      string // the caller's org, for operators
}

// operatorSteps are the forward moves open to operators.
var operatorSteps = map[ledger.Status][]ledger.Status{
	ledger.StatusOpen:         {ledger.StatusAcknowledged, ledger.StatusRectifying, ledger.StatusResolved},
	ledger.StatusAcknowledged: {ledger.StatusRectifying, ledger.StatusResolved},
	ledger.StatusRectifying:   {ledger.StatusResolved},
}

// ValidStatus reports whether s is a workflow status.
func ValidStatus(s ledger.Status) bool {
	switch s {
	case ledger.StatusOpen, ledger.StatusAcknowledged, ledger.StatusRectifying,
		ledger.StatusResolved, ledger.StatusAcceptedRisk, ledger.StatusFalsePositive:
		return true
	}
	return false
}

// Closed reports whether s ends the workflow until a reopen.
func Closed(s ledger.Status) bool {
	return s == ledger.StatusResolved || s == ledger.StatusAcceptedRisk || s == ledger.StatusFalsePositive
}

// Apply checks req against the finding and its state and returns the
// history entry to append. Operators move their own org's findings
// forward up to resolved; regulators move any finding anywhere, set
// deadlines, confirm resolutions and reopen; auditors only read.
func Apply(f *ledger.Finding, st State, req Request, now time.Time) (Change, error) {
	c := Change{
		Seq: st.Seq + 1, Kind: KindStatus, From: f.Status, To: f.Status,
		Comment: req.Comment, Actor: req.Actor, Role: req.Role, At: now.UTC(),
		Evidence: req.Evidence, Deadline: req.Deadline,
	}
	if req.Actor == "" {
		return c, fmt.Errorf("%w: no actor", ErrTransition)
	}
	switch req.Role {
	case RoleRegulator:
	case RoleOperator:
		if req.Org == "" || f.Subject.Org != req.Org {
			return c, fmt.Errorf("%w: finding belongs to another org", ErrTransition)
		}
		if req.Confirm || !req.Deadline.IsZero() {
			return c, fmt.Errorf("%w: only a regulator confirms or sets deadlines", ErrTransition)
		}
	default:
		return c, fmt.Errorf("%w: role %q cannot change findings", ErrTransition, req.Role)
	}
	switch {
	case req.Confirm:
		if req.To != "" || f.Status != ledger.StatusResolved || st.Confirmed {
			return c, fmt.Errorf("%w: only an unconfirmed resolved finding can be confirmed", ErrTransition)
		}
		c.Kind = KindConfirm
		return c, nil
	case req.To == "":
		if req.Comment == "" && len(req.Evidence) == 0 && req.Deadline.IsZero() {
			return c, fmt.Errorf("%w: nothing to record", ErrTransition)
		}
		c.Kind = KindComment
		return c, nil
	case !ValidStatus(req.To):
		return c, fmt.Errorf("%w: unknown status %q", ErrTransition, req.To)
	case req.To == f.Status:
		return c, fmt.Errorf("%w: finding is already %s", ErrTransition, f.Status)
	}
	if req.Role == RoleOperator && !allowed(operatorSteps[f.Status], req.To) {
		return c, fmt.Errorf("%w: operator cannot move %s to %s", ErrTransition, f.Status, req.To)
	}
	c.To = req.To
	return c, nil
}

func allowed(steps []ledger.Status, to ledger.Status) bool {
	for _, s := range steps {
		if s == to {
			return true
		}
	}
	return false
}

// Next returns the state after c.
func (st State) Next(c Change) State {
	st.Seq = c.Seq
	if c.From != c.To {
		st.Since = c.At
		st.Confirmed = false
		st.Reorged = c.Kind == KindReorged
	}
	if c.Kind == KindConfirm {
		st.Confirmed = true
	}
	if !c.Deadline.IsZero() {
		st.Deadline = c.Deadline
	}
	return st
}

// Redetect decides whether a finding seen again at seen reopens: only a
// resolved finding reopens, and only when the problem was seen after the
// resolution (replaying old blocks does not reopen anything). Accepted
// risks and false positives stay closed.
//
// A finding resolved by a reorganisation reopens whenever it is seen
// again: its subject is back on the chain, whatever the time the
// re-including block carries.
func Redetect(old *ledger.Finding, st State, seen time.Time, evidence map[string]string) (Change, bool) {
	if old.Status != ledger.StatusResolved || (!st.Reorged && !seen.After(st.Since)) {
		return Change{}, false
	}
	at := seen.UTC()
	if at.Before(st.Since) {
		at = st.Since // history stays in time order
	}
	return Change{
		Seq: st.Seq + 1, Kind: KindRedetected, From: old.Status, To: ledger.StatusOpen,
		Comment: "rule " + old.Rule + " detected the problem again",
		Actor:   "rule:" + old.Rule, At: at, Evidence: evidence,
	}, true
}

// Reorged decides whether a finding about a subject at height, which a
// reorganisation back to block ancestor removed from the chain at time
// at, is resolved: open and acknowledged findings are; closed ones keep
// the decision people made.
func Reorged(f *ledger.Finding, st State, ancestor uint64, at time.Time) (Change, bool) {
	if Closed(f.Status) {
		return Change{}, false
	}
	return Change{
		Seq: st.Seq + 1, Kind: KindReorged, From: f.Status, To: ledger.StatusResolved,
		Comment: fmt.Sprintf("block %d, holding the %s, was removed by a chain reorganisation back to block %d", f.Subject.Height, f.Subject.Kind, ancestor),
		Actor:   "lianjian", At: at.UTC(),
	}, true
}
