package index

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// ChangeFinding applies a workflow request to a finding: it reads the
// finding and its state, lets supervise.Apply decide outside any write
// transaction, then appends the history entry and stores the new status
// in one transaction, provided the finding did not change in between
// (else it decides again). It returns the updated finding and the entry.
func (d *DB) ChangeFinding(ctx context.Context, id string, req supervise.Request, now time.Time) (*ledger.Finding, supervise.Change, error) {
	for attempt := 0; ; attempt++ {
		var base supervise.Stored
		err := d.view(func(txn kv) error {
			var err error
			base, err = storedFinding(txn, id, true)
			return err
		})
		if err == nil && base.Finding == nil {
			err = fmt.Errorf("finding %s: %w", id, ledger.ErrNotFound)
		}
		if err != nil {
			return nil, supervise.Change{}, err
		}
		f := *base.Finding
		c, err := supervise.Apply(&f, base.State, req, now)
		if err != nil {
			return nil, c, err
		}
		f.Status = c.To
		err = d.update(ctx, func(txn kv) error {
			cur, err := storedFinding(txn, id, true)
			if err != nil {
				return err
			}
			if !sameBase(cur, base) {
				return fmt.Errorf("finding %s: %w", id, errStale)
			}
			if err := appendChange(txn, id, base.State, c); err != nil {
				return err
			}
			return put(txn, findingKey(id), f)
		})
		switch {
		case errors.Is(err, errStale) && attempt < 8 && ctx.Err() == nil:
			continue
		case err != nil:
			return nil, c, err
		}
		return &f, c, nil
	}
}

// FindingHistory returns a finding's workflow history, oldest first, and
// its current workflow state.
func (d *DB) FindingHistory(ctx context.Context, id string) ([]supervise.Change, supervise.State, error) {
	var out []supervise.Change
	var st supervise.State
	err := d.view(func(txn kv) error {
		if ok, err := txn.Has(findingKey(id)); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("finding %s: %w", id, ledger.ErrNotFound)
		}
		var err error
		if st, err = loadState(txn, id); err != nil {
			return err
		}
		return scan(txn, changePrefix(id), nil, func(_, v []byte) (bool, error) {
			var c supervise.Change
			if err := decode(v, &c); err != nil {
				return false, err
			}
			out = append(out, c)
			return true, nil
		})
	})
	return out, st, err
}

// FindingState returns a finding's workflow state (deadline, confirmation);
// a finding never changed has the zero state.
func (d *DB) FindingState(ctx context.Context, id string) (supervise.State, error) {
	var st supervise.State
	err := d.view(func(txn kv) error {
		var err error
		st, err = loadState(txn, id)
		return err
	})
	return st, err
}

func loadState(txn kv, id string) (supervise.State, error) {
	var st supervise.State
	if err := get(txn, stateKey(id), &st); err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return st, err
	}
	return st, nil
}

// appendChange writes history entry c after state st. History keys are
// written once: an existing key means a concurrent writer got there first,
// and the transaction fails instead of overwriting.
func appendChange(txn kv, id string, st supervise.State, c supervise.Change) error {
	k := changeKey(id, c.Seq)
	if ok, err := txn.Has(k); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("finding %s history entry %d exists: %w", id, c.Seq, badger.ErrConflict)
	}
	if err := put(txn, k, c); err != nil {
		return err
	}
	return put(txn, stateKey(id), st.Next(c))
}

// PutFindings inserts findings or refreshes existing ones, as
// supervise.Detected decides.
func (d *DB) PutFindings(ctx context.Context, fs []ledger.Finding) error {
	if len(fs) == 0 {
		return nil
	}
	return d.withFindings(ctx, fs, func(ws []supervise.Write) error {
		return d.update(ctx, func(txn kv) error { return putFindings(txn, ws) })
	})
}

// errStale means a finding changed between the read that a workflow
// decision was made from and the write: decide again.
var errStale = errors.New("finding changed since it was read")

// withFindings decides, outside any write transaction, what to store for
// the detections fs (supervise.Detected, from the findings and states the
// index holds), and runs write with the result. When a finding changed
// in between (a person moved it, another stage saw it), write fails with
// errStale, and the decision is made again from the new state.
func (d *DB) withFindings(ctx context.Context, fs []ledger.Finding, write func(ws []supervise.Write) error) error {
	for attempt := 0; ; attempt++ {
		ws, err := d.detected(fs)
		if err != nil {
			return err
		}
		err = write(ws)
		if !errors.Is(err, errStale) || attempt == 8 {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// detected reads what the index holds of the findings fs and returns
// what supervise.Detected decides to store for each.
func (d *DB) detected(fs []ledger.Finding) ([]supervise.Write, error) {
	if len(fs) == 0 {
		return nil, nil
	}
	ws := make([]supervise.Write, len(fs))
	decided := map[string]supervise.Stored{} // what the writes before leave
	err := d.view(func(txn kv) error {
		for i := range fs {
			st, ok := decided[fs[i].ID]
			if !ok {
				var err error
				if st, err = storedFinding(txn, fs[i].ID, false); err != nil {
					return err
				}
			}
			var err error
			if ws[i], err = supervise.Detected(st, fs[i]); err != nil {
				return err
			}
			next := supervise.Stored{Finding: &ws[i].Finding}
			if next.Finding.Status == ledger.StatusResolved {
				next.State = st.State
			}
			decided[fs[i].ID] = next
		}
		return nil
	})
	return ws, err
}

// storedFinding returns the finding id as stored, with its workflow state
// when state is set or the finding is resolved (the state a detection may
// reopen it from).
func storedFinding(txn kv, id string, state bool) (supervise.Stored, error) {
	var st supervise.Stored
	if id == "" {
		return st, nil
	}
	var f ledger.Finding
	switch err := get(txn, findingKey(id), &f); {
	case errors.Is(err, ledger.ErrNotFound):
		return st, nil
	case err != nil:
		return st, err
	}
	st.Finding = &f
	if state || f.Status == ledger.StatusResolved {
		var err error
		if st.State, err = loadState(txn, id); err != nil {
			return st, err
		}
	}
	return st, nil
}

// putFindings stores what supervise.Detected decided: each finding, its
// chain index entry and its history entry, if any. It decides nothing;
// it only checks that the index still holds what the decision was made
// from, and fails with errStale otherwise.
func putFindings(txn kv, ws []supervise.Write) error {
	for i := range ws {
		w := &ws[i]
		now, err := storedFinding(txn, w.Finding.ID, false)
		if err != nil {
			return err
		}
		if !sameBase(now, w.Base) {
			return fmt.Errorf("finding %s: %w", w.Finding.ID, errStale)
		}
		if err := put(txn, findingKey(w.Finding.ID), w.Finding); err != nil {
			return err
		}
		if err := txn.Set(findingChainKey(w.Finding.Chain, w.Finding.ID), nil); err != nil {
			return err
		}
		if w.Change != nil {
			if err := appendChange(txn, w.Finding.ID, w.Base.State, *w.Change); err != nil {
				return err
			}
		}
	}
	return nil
}

// sameBase reports whether a stored finding is still the one a decision
// was made from, as far as the decision depends on it: there or not, its
// status, its first and last seen times, and its workflow state (every
// change of which appends a history entry, so its Seq tells).
func sameBase(now, base supervise.Stored) bool {
	if (now.Finding == nil) != (base.Finding == nil) {
		return false
	}
	if now.Finding == nil {
		return true
	}
	a, b := now.Finding, base.Finding
	return a.Status == b.Status && a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen) && now.State.Seq == base.State.Seq
}
