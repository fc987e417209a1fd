package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// The audit log and its checkpoints are append-only: no method of DB
// deletes or rewrites an entry (L/SEQ) or a checkpoint (M/SEQ), so entries
// are kept for as long as the index, and at least
// supervise.MinRetention.

// AppendAudit appends an action to the hash-chained audit log and returns
// the sealed entry. Concurrent appends serialise through badger's conflict
// detection on the key of the new entry (see claim).
func (d *DB) AppendAudit(ctx context.Context, a supervise.Action) (supervise.Entry, error) {
	var e supervise.Entry
	err := d.update(ctx, func(txn kv) error {
		prev, err := lastAudit(txn)
		if err != nil {
			return err
		}
		e = supervise.Entry{Action: a}
		e.Seal(prev)
		if err := claim(txn, auditKey(e.Seq)); err != nil {
			return err
		}
		return put(txn, auditKey(e.Seq), e)
	})
	return e, err
}

// claim reads k, which must not exist yet, through txn.Has (a read of the
// key in badger): badger checks only keys read for conflicts, so two
// transactions that both write k would otherwise both commit, the later
// one replacing the first.
func claim(txn kv, k []byte) error {
	ok, err := txn.Has(k)
	switch {
	case err != nil:
		return err
	case ok:
		return fmt.Errorf("%w: %q exists", ledger.ErrInvalid, k)
	}
	return nil
}

// lastAudit returns the newest audit entry, or nil for an empty log.
func lastAudit(txn kv) (*supervise.Entry, error) {
	prefix := []byte{tagAuditLog, '/'}
	it := txn.NewIterator(prefix, auditKey(^uint64(0))[len(prefix):], true)
	defer it.Release()
	if !it.Next() {
		return nil, it.Error()
	}
	k := it.Key()
	var e supervise.Entry
	if err := get(txn, k, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// AuditEntries calls fn with audit entries from seq from (1 for the
// start) in order, until fn returns false or the log ends.
func (d *DB) AuditEntries(ctx context.Context, from uint64, fn func(e *supervise.Entry) bool) error {
	return d.view(func(txn kv) error {
		return scan(txn, []byte{tagAuditLog, '/'}, auditKey(from), func(_, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var e supervise.Entry
			if err := decode(v, &e); err != nil {
				return false, err
			}
			return fn(&e), nil
		})
	})
}

// VerifyAudit recomputes the whole audit log chain. It returns the number
// of entries checked and, for a broken chain, an error wrapping
// supervise.ErrBrokenChain that names the first broken entry; an entry
// that no longer decodes counts as broken.
func (d *DB) VerifyAudit(ctx context.Context) (uint64, error) {
	var v supervise.Verifier
	err := d.walkAudit(ctx, &v, true)
	return v.Count(), err
}

// CheckAudit feeds the whole audit log to v, in order: every entry,
// past any break, so that v's Report sees all of it. An entry that no
// longer decodes goes to v.Corrupt. The error is a read failure only.
func (d *DB) CheckAudit(ctx context.Context, v *supervise.Verifier) error {
	return d.walkAudit(ctx, v, false)
}

func (d *DB) walkAudit(ctx context.Context, v *supervise.Verifier, stop bool) error {
	err := d.view(func(txn kv) error {
		return scan(txn, []byte{tagAuditLog, '/'}, nil, func(k, val []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var e supervise.Entry
			var perr error
			if err := decode(val, &e); err != nil {
				perr = v.Corrupt(seqOf(k), err)
			} else {
				perr = v.Check(&e)
			}
			if stop {
				return perr == nil, perr
			}
			return true, nil
		})
	})
	if err != nil && !errors.Is(err, supervise.ErrBrokenChain) {
		err = fmt.Errorf("read audit log: %w", err)
	}
	return err
}

// seqOf is the sequence number in an audit log or checkpoint key.
func seqOf(k []byte) uint64 {
	if len(k) != 10 {
		return 0
	}
	return binary.BigEndian.Uint64(k[2:])
}

// PutAuditCheckpoint stores the next checkpoint of the audit log: its seq
// must follow the last stored one (1 for the first), or the error wraps
// ledger.ErrInvalid. Checkpoints are never replaced.
func (d *DB) PutAuditCheckpoint(ctx context.Context, c supervise.Checkpoint) error {
	return d.update(ctx, func(txn kv) error {
		last, err := lastAuditCheckpoint(txn)
		want := uint64(1)
		switch {
		case err == nil:
			want = last.Seq + 1
		case !errors.Is(err, ledger.ErrNotFound):
			return err
		}
		if c.Seq != want {
			return fmt.Errorf("%w: audit log checkpoint seq: have %d want %d", ledger.ErrInvalid, c.Seq, want)
		}
		if err := claim(txn, auditHeadKey(c.Seq)); err != nil {
			return err
		}
		return put(txn, auditHeadKey(c.Seq), c)
	})
}

// LastAuditCheckpoint returns the newest audit log checkpoint, or
// ledger.ErrNotFound when there is none.
func (d *DB) LastAuditCheckpoint(ctx context.Context) (supervise.Checkpoint, error) {
	var c supervise.Checkpoint
	err := d.view(func(txn kv) error {
		var err error
		c, err = lastAuditCheckpoint(txn)
		return err
	})
	return c, err
}

// lastAuditCheckpoint reads the newest checkpoint.
func lastAuditCheckpoint(txn kv) (supervise.Checkpoint, error) {
	var c supervise.Checkpoint
	prefix := []byte{tagAuditHead, '/'}
	it := txn.NewIterator(prefix, auditHeadKey(^uint64(0))[len(prefix):], true)
	k := []byte(nil)
	if it.Next() {
		k = it.Key()
	}
	err := it.Error()
	it.Release()
	if err != nil {
		return c, err
	}
	if k == nil {
		return c, ledger.ErrNotFound
	}
	return c, get(txn, k, &c)
}

// AuditCheckpoints calls fn with the audit log checkpoints from seq from
// (1 for the first) in order, until fn returns false or they end.
func (d *DB) AuditCheckpoints(ctx context.Context, from uint64, fn func(c *supervise.Checkpoint) bool) error {
	return d.view(func(txn kv) error {
		return scan(txn, []byte{tagAuditHead, '/'}, auditHeadKey(from), func(_, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var c supervise.Checkpoint
			if err := decode(v, &c); err != nil {
				return false, err
			}
			return fn(&c), nil
		})
	})
}
