// Package badgerkv is the badger backend of storage.Store. It lives under
// ledger/index because only the index may import badger.
package badgerkv

import (
	"bytes"
	"errors"
	"path/filepath"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/storage"
)

// Store is a storage.Store over a badger database. View and Update are
// badger transactions: an Update larger than one badger transaction fails
// with badger.ErrTxnTooBig.
type Store struct {
	db     *badger.DB
	blobs  *Blobs
	closed atomic.Bool
}

var _ storage.Store = (*Store)(nil)

// New returns a Store over db keeping large values in blobs (none when
// nil); closing the Store closes both.
func New(db *badger.DB, blobs *Blobs) *Store { return &Store{db: db, blobs: blobs} }

// Open opens a badger database with opt as a Store, with large values in
// segments under opt.Dir/blobs unless opt keeps everything in memory.
func Open(opt badger.Options) (*Store, error) {
	db, err := badger.Open(opt)
	if err != nil {
		return nil, err
	}
	var blobs *Blobs
	if !opt.InMemory {
		blobs, err = OpenBlobs(filepath.Join(opt.Dir, "blobs"), BlobOptions{
			SyncWrites: opt.SyncWrites, ReadOnly: opt.ReadOnly, EncryptionKey: opt.EncryptionKey})
		if err != nil {
			db.Close()
			return nil, err
		}
	}
	return New(db, blobs), nil
}

// Get implements storage.Reader.
func (s *Store) Get(key []byte) (v []byte, err error) {
	err = s.View(func(r storage.Reader) error { v, err = r.Get(key); return err })
	return v, err
}

// Has implements storage.Reader.
func (s *Store) Has(key []byte) (ok bool, err error) {
	err = s.View(func(r storage.Reader) error { ok, err = r.Has(key); return err })
	return ok, err
}

// NewIterator implements storage.Reader; the iterator holds a read
// transaction until it is released.
func (s *Store) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	if s.closed.Load() {
		return &iterator{err: storage.ErrClosed}
	}
	txn := s.db.NewTransaction(false)
	it := newIterator(Txn{T: txn, B: s.blobs}, prefix, start, reverse)
	it.done = txn.Discard
	return it
}

// View implements storage.Store.
func (s *Store) View(fn func(storage.Reader) error) error {
	if s.closed.Load() {
		return storage.ErrClosed
	}
	return s.db.View(func(txn *badger.Txn) error { return fn(Txn{T: txn, B: s.blobs}) })
}

// Update implements storage.Store.
func (s *Store) Update(fn func(storage.ReadWriter) error) error {
	if s.closed.Load() {
		return storage.ErrClosed
	}
	return s.db.Update(func(txn *badger.Txn) error { return Txn{T: txn, B: s.blobs}.Run(fn) })
}

// Close implements storage.Store.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	err := s.db.Close()
	if s.blobs != nil {
		err = errors.Join(err, s.blobs.Close())
	}
	return err
}

// Txn is a badger transaction as a storage.ReadWriter, keeping values of
// B's threshold and more in B (none when B is nil).
//
// With P set, such values wait in P until Flush appends them, so that an
// update that fails (too large for one badger transaction, and run again
// in pieces; a conflict, and retried) appends nothing: without P each is
// appended as it is set.
type Txn struct {
	T *badger.Txn
	B *Blobs
	P *Pending
}

// Pending holds the large values of an update until it is flushed; the
// zero value is empty.
type Pending struct {
	keys [][]byte
	vals map[string][]byte
}

// placeholder is what badger holds for a pending value until Flush: as
// long as the longest pointer, so that the transaction's size as badger
// counts it hardly changes when the pointer replaces it.
var placeholder = make([]byte, 1+5+10+10+4)

// Run runs fn on t, its large values pending, and, when fn succeeds,
// flushes them, so that t may commit.
func (t Txn) Run(fn func(storage.ReadWriter) error) error {
	if t.B != nil && t.P == nil {
		t.P = new(Pending)
	}
	if err := fn(t); err != nil {
		return err
	}
	return t.Flush()
}

// Flush appends the pending values to the segments, points their keys
// at them and makes them durable as the store's writes are: t may then
// commit.
func (t Txn) Flush() error {
	if t.B == nil {
		return nil
	}
	if t.P != nil && len(t.P.keys) > 0 {
		keys := t.P.keys[:0]
		vals := make([][]byte, 0, len(t.P.keys))
		for _, k := range t.P.keys {
			v, ok := t.P.vals[string(k)]
			if !ok {
				continue // deleted or set small again since, or listed twice
			}
			delete(t.P.vals, string(k))
			keys = append(keys, k)
			vals = append(vals, v)
		}
		ptrs, err := t.B.AppendAll(vals)
		if err != nil {
			return err
		}
		for i, k := range keys {
			if err := t.T.SetEntry(badger.NewEntry(k, ptrs[i]).WithMeta(metaBlob)); err != nil {
				return err
			}
		}
		*t.P = Pending{}
	}
	return t.B.Sync()
}

// forget drops a pending value of key.
func (t Txn) forget(key []byte) {
	if t.P != nil && t.P.vals != nil {
		delete(t.P.vals, string(key))
	}
}

// Get implements storage.Reader.
func (t Txn) Get(key []byte) ([]byte, error) {
	item, err := t.T.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return t.value(item)
}

// value reads item's value, from the segments when it points there.
func (t Txn) value(item *badger.Item) ([]byte, error) {
	if item.UserMeta() == metaBlob && t.P != nil {
		if v, ok := t.P.vals[string(item.Key())]; ok {
			return bytes.Clone(v), nil
		}
	}
	v, err := item.ValueCopy(nil)
	if err != nil || item.UserMeta() != metaBlob {
		return v, err
	}
	if t.B == nil {
		return nil, &BlobError{Key: item.KeyCopy(nil), Kind: BlobMissing, Err: errors.New("the value points into a blob segment, and the store has none")}
	}
	v, err = t.B.Read(v)
	var be *BlobError
	if errors.As(err, &be) {
		be.Key = item.KeyCopy(nil)
	}
	return v, err
}

// Has implements storage.Reader.
func (t Txn) Has(key []byte) (bool, error) {
	_, err := t.T.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// NewIterator implements storage.Reader.
func (t Txn) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	return newIterator(t, prefix, start, reverse)
}

// Set implements storage.Writer.
func (t Txn) Set(key, value []byte) error {
	if t.B == nil || !t.B.Keeps(key, value) {
		t.forget(key)
		return t.T.Set(key, value)
	}
	if t.P != nil {
		if err := t.T.SetEntry(badger.NewEntry(key, placeholder).WithMeta(metaBlob)); err != nil {
			return err
		}
		if t.P.vals == nil {
			t.P.vals = map[string][]byte{}
		}
		if _, ok := t.P.vals[string(key)]; !ok {
			t.P.keys = append(t.P.keys, key)
		}
		t.P.vals[string(key)] = value
		return nil
	}
	p, err := t.B.Append(value)
	if err != nil {
		return err
	}
	return t.T.SetEntry(badger.NewEntry(key, p).WithMeta(metaBlob))
}

// Delete implements storage.Writer.
func (t Txn) Delete(key []byte) error {
	t.forget(key)
	return t.T.Delete(key)
}

// iterator adapts a badger iterator. Values are read when asked for, not
// prefetched, so that a walk over keys reads no value. Badger's Prefix
// option is used only forwards: a reverse iteration seeks to the end of
// the prefix, which may be a key outside it that the option would end the
// iteration on.
type iterator struct {
	txn     Txn
	it      *badger.Iterator
	prefix  []byte
	seek    []byte
	reverse bool
	started bool
	key     []byte
	err     error
	done    func()
}

func newIterator(txn Txn, prefix, start []byte, reverse bool) *iterator {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Reverse = reverse
	prefix = bytes.Clone(prefix)
	seek := append(bytes.Clone(prefix), start...)
	if reverse {
		if len(start) == 0 {
			seek = storage.PrefixEnd(prefix)
		}
	} else {
		opts.Prefix = prefix
	}
	return &iterator{txn: txn, it: txn.T.NewIterator(opts), prefix: prefix, seek: seek, reverse: reverse}
}

func (i *iterator) Next() bool {
	if i.it == nil || i.err != nil {
		return false
	}
	if !i.started {
		i.started = true
		if len(i.seek) == 0 {
			i.it.Rewind()
		} else {
			i.it.Seek(i.seek)
		}
		// Reverse from the end of the prefix: skip that key, outside it.
		if i.reverse && i.it.Valid() && !bytes.HasPrefix(i.it.Item().Key(), i.prefix) && bytes.Equal(i.it.Item().Key(), i.seek) {
			i.it.Next()
		}
	} else {
		i.it.Next()
	}
	if !i.it.ValidForPrefix(i.prefix) {
		i.key = nil
		return false
	}
	i.key = i.it.Item().KeyCopy(nil)
	return true
}

func (i *iterator) Key() []byte { return i.key }

func (i *iterator) Value() ([]byte, error) {
	if i.it == nil || i.key == nil {
		return nil, nil
	}
	return i.txn.value(i.it.Item())
}

func (i *iterator) Error() error { return i.err }

func (i *iterator) Release() {
	if i.it != nil {
		i.it.Close()
		i.it = nil
	}
	if i.done != nil {
		i.done()
		i.done = nil
	}
}
