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

// ChangeFinding applies a workflow request to a finding in one
// transaction: it loads the finding and its state, lets supervise.Apply
// decide, appends the history entry and stores the new status. It returns
// the updated finding and the entry.
func (d *DB) ChangeFinding(ctx context.Context, id string, req supervise.Request, now time.Time) (*ledger.Finding, supervise.Change, error) {
	var f ledger.Finding
	var c supervise.Change
	err := d.update(ctx, func(txn kv) error {
		if err := get(txn, findingKey(id), &f); err != nil {
			if errors.Is(err, ledger.ErrNotFound) {
				return fmt.Errorf("finding %s: %w", id, ledger.ErrNotFound)
			}
			return err
		}
		st, err := loadState(txn, id)
		if err != nil {
			return err
		}
		if c, err = supervise.Apply(&f, st, req, now); err != nil {
			return err
		}
		f.Status = c.To
		if err := appendChange(txn, id, st, c); err != nil {
			return err
		}
		return put(txn, findingKey(id), f)
	})
	if err != nil {
		return nil, c, err
	}
	return &f, c, nil
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

// redetect is called by putFindings for a finding seen again: a resolved
// finding whose problem was seen after its resolution is reopened, and the
// re-detection is appended to its history. It returns the status to keep.
func redetect(txn kv, old *ledger.Finding, seen *ledger.Finding) (ledger.Status, error) {
	if old.Status != ledger.StatusResolved {
		return old.Status, nil
	}
	st, err := loadState(txn, old.ID)
	if err != nil {
		return "", err
	}
	c, ok := supervise.Redetect(old, st, seen.LastSeen, seen.Evidence)
	if !ok {
		return old.Status, nil
	}
	if err := appendChange(txn, old.ID, st, c); err != nil {
		return "", err
	}
	return c.To, nil
}
