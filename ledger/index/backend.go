package index

import (
	"context"
	"errors"

	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/memdb"
)

// backend is where the index keeps its keys: badger on disk (the index
// of Open) or memdb (OpenMemory). Every read of the index goes through
// view and every write through update, so the index's methods work the
// same on both.
type backend interface {
	// view runs fn on one consistent state.
	view(fn func(txn kv) error) error
	// update runs fn and commits its writes atomically; size is about
	// how many bytes fn writes, 0 when unknown.
	update(ctx context.Context, size int64, fn func(txn kv) error) error
	close() error
}

// badgerBackend is the index on badger: damage turns into *CorruptError
// (guard.go), conflicts are retried and a write too large for one badger
// transaction spills over several (spill.go).
type badgerBackend struct{ d *DB }

func (b badgerBackend) view(fn func(txn kv) error) error { return b.d.badgerView(fn) }
func (b badgerBackend) update(ctx context.Context, size int64, fn func(txn kv) error) error {
	return b.d.badgerUpdate(ctx, size, fn)
}
func (b badgerBackend) close() error { return b.d.badgerClose() }

// memBackend is the index in a memdb.DB: no files, no size limit on an
// update, nothing to recover.
type memBackend struct{ s *memdb.DB }

func (m memBackend) view(fn func(txn kv) error) error {
	return m.s.View(func(r storage.Reader) error { return fn(readOnly{r}) })
}

func (m memBackend) update(ctx context.Context, _ int64, fn func(txn kv) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.s.Update(func(rw storage.ReadWriter) error { return fn(rw) })
}

func (m memBackend) close() error { return m.s.Close() }

// errReadOnly is returned by a write inside a view.
var errReadOnly = errors.New("index: write in a read-only view")

// readOnly is a storage.Reader as the kv of a view.
type readOnly struct{ storage.Reader }

func (readOnly) Set(_, _ []byte) error { return errReadOnly }
func (readOnly) Delete([]byte) error   { return errReadOnly }

// OpenMemory returns an empty index kept in memory only, on the memdb
// backend: for tests and dry runs that need no disk. Every method of DB
// works as on an index of Open; nothing survives Close. The options
// other than Validate's checks do not apply.
func OpenMemory(o Options) (*DB, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	d := &DB{dir: ":memory:"}
	d.be = memBackend{memdb.New()}
	return d, nil
}
