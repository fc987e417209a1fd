// Package memdb is an in-memory storage.Store. The committed state is an
// immutable sorted slice replaced whole by each commit (copy-on-write), so
// readers never lock and a view keeps the state it started with; updates
// run one at a time and buffer their writes until they commit.
package memdb

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/lianjian/lianjian/ledger/storage"
)

var errEmptyKey = errors.New("memdb: empty key")

type entry struct{ key, value []byte }

func compare(a, b entry) int { return bytes.Compare(a.key, b.key) }

// DB is an in-memory storage.Store, safe for concurrent use.
type DB struct {
	mu     sync.Mutex // serialises updates
	state  atomic.Pointer[snapshot]
	closed atomic.Bool
}

var _ storage.Store = (*DB)(nil)

// New returns an empty store.
func New() *DB {
	db := &DB{}
	db.state.Store(&snapshot{})
	return db
}

func (db *DB) current() (*snapshot, error) {
	if db.closed.Load() {
		return nil, storage.ErrClosed
	}
	return db.state.Load(), nil
}

// Get implements storage.Reader.
func (db *DB) Get(key []byte) ([]byte, error) {
	s, err := db.current()
	if err != nil {
		return nil, err
	}
	return s.Get(key)
}

// Has implements storage.Reader.
func (db *DB) Has(key []byte) (bool, error) {
	s, err := db.current()
	if err != nil {
		return false, err
	}
	return s.Has(key)
}

// NewIterator implements storage.Reader.
func (db *DB) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	s, err := db.current()
	if err != nil {
		return &iterator{err: err}
	}
	return s.NewIterator(prefix, start, reverse)
}

// View implements storage.Store.
func (db *DB) View(fn func(storage.Reader) error) error {
	s, err := db.current()
	if err != nil {
		return err
	}
	return fn(s)
}

// Update implements storage.Store.
func (db *DB) Update(fn func(storage.ReadWriter) error) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	s, err := db.current()
	if err != nil {
		return err
	}
	t := &txn{base: s, pending: map[string]*[]byte{}}
	if err := fn(t); err != nil {
		return err
	}
	if db.closed.Load() {
		return storage.ErrClosed
	}
	db.state.Store(t.commit())
	return nil
}

// Close implements storage.Store.
func (db *DB) Close() error {
	db.closed.Store(true)
	return nil
}

// snapshot is one committed state: entries sorted by key, never modified.
type snapshot struct{ entries []entry }

func (s *snapshot) find(key []byte) (int, bool) {
	return slices.BinarySearchFunc(s.entries, entry{key: key}, compare)
}

func (s *snapshot) Get(key []byte) ([]byte, error) {
	if i, ok := s.find(key); ok {
		return bytes.Clone(s.entries[i].value), nil
	}
	return nil, storage.ErrNotFound
}

func (s *snapshot) Has(key []byte) (bool, error) {
	_, ok := s.find(key)
	return ok, nil
}

// bounds returns the range of entries an iteration covers.
func (s *snapshot) bounds(prefix, start []byte, reverse bool) (lo, hi int) {
	lo, _ = s.find(prefix)
	hi = len(s.entries)
	if end := storage.PrefixEnd(prefix); end != nil {
		hi, _ = s.find(end)
	}
	if len(start) > 0 {
		from := append(bytes.Clone(prefix), start...)
		i, found := s.find(from)
		if !reverse {
			lo = max(lo, i)
		} else {
			if found {
				i++
			}
			hi = min(hi, i)
		}
	}
	return lo, max(lo, hi)
}

func (s *snapshot) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	lo, hi := s.bounds(prefix, start, reverse)
	return newIterator(s.entries[lo:hi], reverse)
}

// txn is an update: writes buffered over a snapshot. A nil value in
// pending is a delete.
type txn struct {
	base    *snapshot
	pending map[string]*[]byte
}

func (t *txn) Get(key []byte) ([]byte, error) {
	if v, ok := t.pending[string(key)]; ok {
		if v == nil {
			return nil, storage.ErrNotFound
		}
		return bytes.Clone(*v), nil
	}
	return t.base.Get(key)
}

func (t *txn) Has(key []byte) (bool, error) {
	if v, ok := t.pending[string(key)]; ok {
		return v != nil, nil
	}
	return t.base.Has(key)
}

func (t *txn) Set(key, value []byte) error {
	if len(key) == 0 {
		return errEmptyKey
	}
	v := slices.Clip(bytes.Clone(value)) // Clip: a caller's append copies
	if v == nil {
		v = []byte{}
	}
	t.pending[string(key)] = &v
	return nil
}

func (t *txn) Delete(key []byte) error {
	if len(key) == 0 {
		return errEmptyKey
	}
	t.pending[string(key)] = nil
	return nil
}

// NewIterator merges the snapshot's range with the pending writes in it.
func (t *txn) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	if len(t.pending) == 0 {
		return t.base.NewIterator(prefix, start, reverse) // nothing to merge
	}
	lo, hi := t.base.bounds(prefix, start, reverse)
	var out []entry
	for _, e := range t.base.entries[lo:hi] {
		if _, ok := t.pending[string(e.key)]; !ok {
			out = append(out, e)
		}
	}
	from := append(bytes.Clone(prefix), start...)
	for k, v := range t.pending {
		key := []byte(k)
		if v == nil || !bytes.HasPrefix(key, prefix) {
			continue
		}
		if c := bytes.Compare(key, from); len(start) > 0 && (!reverse && c < 0 || reverse && c > 0) {
			continue
		}
		out = append(out, entry{key, *v})
	}
	slices.SortFunc(out, compare)
	return newIterator(out, reverse)
}

// commit returns the snapshot with the pending writes applied.
func (t *txn) commit() *snapshot {
	writes := make([]entry, 0, len(t.pending))
	for k, v := range t.pending {
		e := entry{key: slices.Clip([]byte(k))}
		if v != nil {
			e.value = *v
		}
		writes = append(writes, e)
	}
	slices.SortFunc(writes, compare)
	deleted := func(w entry) bool { return t.pending[string(w.key)] == nil }
	old := t.base.entries
	out := make([]entry, 0, len(old)+len(writes))
	i := 0
	for _, w := range writes {
		for i < len(old) && bytes.Compare(old[i].key, w.key) < 0 {
			out = append(out, old[i])
			i++
		}
		if i < len(old) && bytes.Equal(old[i].key, w.key) {
			i++
		}
		if !deleted(w) {
			out = append(out, w)
		}
	}
	out = append(out, old[i:]...)
	return &snapshot{entries: out}
}

// iterator walks a sorted slice of entries, backwards when reverse.
type iterator struct {
	entries []entry
	reverse bool
	pos     int // 1 + index of the current entry, counted from the start
	err     error
}

func newIterator(entries []entry, reverse bool) *iterator {
	return &iterator{entries: entries, reverse: reverse}
}

func (it *iterator) Next() bool {
	if it.err != nil || it.pos >= len(it.entries) {
		it.pos = len(it.entries) + 1
		return false
	}
	it.pos++
	return true
}

func (it *iterator) current() *entry {
	if it.pos < 1 || it.pos > len(it.entries) {
		return nil
	}
	if it.reverse {
		return &it.entries[len(it.entries)-it.pos]
	}
	return &it.entries[it.pos-1]
}

func (it *iterator) Key() []byte {
	if e := it.current(); e != nil {
		return e.key
	}
	return nil
}

func (it *iterator) Value() ([]byte, error) {
	if e := it.current(); e != nil {
		return e.value, nil
	}
	return nil, nil
}

func (it *iterator) Error() error { return it.err }
func (it *iterator) Release()     { it.entries = nil }
