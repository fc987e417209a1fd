package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/supervise"
)

// AppendAudit appends an action to the hash-chained audit log and returns
// the sealed entry. Concurrent appends serialise through badger's conflict
// detection on the last entry.
func (d *DB) AppendAudit(ctx context.Context, a supervise.Action) (supervise.Entry, error) {
	var e supervise.Entry
	err := d.update(ctx, func(txn *badger.Txn) error {
		prev, err := lastAudit(txn)
		if err != nil {
			return err
		}
		e = supervise.Entry{Action: a}
		e.Seal(prev)
		return put(txn, auditKey(e.Seq), e)
	})
	return e, err
}

// lastAudit returns the newest audit entry, or nil for an empty log. It
// reads the key through txn.Get so that a concurrent append conflicts.
func lastAudit(txn *badger.Txn) (*supervise.Entry, error) {
	opts := badger.DefaultIteratorOptions
	opts.Reverse = true
	opts.PrefetchValues = false
	opts.Prefix = []byte{tagAuditLog, '/'}
	it := txn.NewIterator(opts)
	defer it.Close()
	it.Seek(auditKey(^uint64(0)))
	if !it.Valid() {
		return nil, nil
	}
	k := it.Item().KeyCopy(nil)
	var e supervise.Entry
	if err := get(txn, k, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// AuditEntries calls fn with audit entries from seq from (1 for the
// start) in order, until fn returns false or the log ends.
func (d *DB) AuditEntries(ctx context.Context, from uint64, fn func(e *supervise.Entry) bool) error {
	return d.view(func(txn *badger.Txn) error {
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
	err := d.view(func(txn *badger.Txn) error {
		return scan(txn, []byte{tagAuditLog, '/'}, nil, func(_, val []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var e supervise.Entry
			if err := decode(val, &e); err != nil {
				return false, fmt.Errorf("%w at entry %d: %w", supervise.ErrBrokenChain, v.Count()+1, err)
			}
			return true, v.Check(&e)
		})
	})
	if err != nil && !errors.Is(err, supervise.ErrBrokenChain) {
		err = fmt.Errorf("read audit log: %w", err)
	}
	return v.Count(), err
}
