package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/memdb"
)

// backend is where the index keeps its keys: badger on disk (the index
// of Open) or any storage.Store (OpenStore: memdb, PostgreSQL). Every read of the index goes through
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

// storeBackend is the index in a storage.Store (memdb, pgkv): the
// store bounds the size of an update, if at all, and recovers from
// crashes by itself.
type storeBackend struct{ s storage.Store }

func (b storeBackend) view(fn func(txn kv) error) error {
	return b.s.View(func(r storage.Reader) error { return fn(readOnly{r}) })
}

func (b storeBackend) update(ctx context.Context, _ int64, fn func(txn kv) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.s.Update(func(rw storage.ReadWriter) error { return fn(rw) })
}

func (b storeBackend) close() error { return b.s.Close() }

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
	return OpenStore(memdb.New(), o)
}

// OpenStore returns the index kept in s, such as a PostgreSQL store
// (ledger/storage/pgkv, opened with KeyPartition and PrefixPartition so
// that every key of a chain lands in the chain's partition). Every
// method of DB works as on an index of Open; Close closes s. Of the
// options only Validate's checks and ReadOnly apply: a writer moves
// nodes kept under the keys of before issue 15 as Open does.
func OpenStore(s storage.Store, o Options) (*DB, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	d := &DB{dir: storeName(s), be: storeBackend{s}}
	if err := d.checkFormat(!o.ReadOnly); err != nil {
		return nil, err
	}
	if !o.ReadOnly {
		if err := d.migrateNodeKeys(context.Background()); err != nil {
			return nil, fmt.Errorf("open index %s: move nodes to org-scoped keys: %w", d.dir, err)
		}
	}
	return d, nil
}

// storeName names the store s in errors: its String when it has one.
func storeName(s storage.Store) string {
	if n, ok := s.(fmt.Stringer); ok {
		return n.String()
	}
	return ":memory:"
}
