// Package storage is the backend-neutral key-value store the index can be
// written against, in the style of go-ethereum's ethdb: point reads,
// prefix iteration in either direction, read views and atomic updates.
// It imports no backend. The backends are memdb (in memory) and
// ledger/index/badgerkv (badger; the adapter lives under ledger/index,
// the only place badger may be imported); both pass the conformance
// suite in storagetest.
//
// Keys are non-empty byte strings ordered bytewise; values may be empty.
// Slices passed to Set and Delete must not be changed until the update
// returns; slices returned by Get are the caller's, and those returned by
// an Iterator may be kept but not modified.
package storage

import (
	"bytes"
	"errors"
)

var (
	// ErrNotFound is returned by Get for a key that is not in the store.
	ErrNotFound = errors.New("storage: not found")
	// ErrClosed is returned by every operation on a closed store.
	ErrClosed = errors.New("storage: closed")
)

// Reader reads keys and iterates prefixes of one consistent state of the
// store.
type Reader interface {
	// Get returns a copy of the value of key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// Has reports whether key is in the store.
	Has(key []byte) (bool, error)
	// NewIterator iterates the keys starting with prefix in ascending
	// order, or descending when reverse is set. A non-empty start bounds
	// the iteration to the keys at or after prefix+start (at or before it
	// when reverse is set). The iterator must be released.
	NewIterator(prefix, start []byte, reverse bool) Iterator
}

// Iterator walks keys in order. Next must be called before the first
// Key; the slices Key and Value return stay valid after Next and must not
// be modified.
type Iterator interface {
	Next() bool
	Key() []byte
	// Value reads the current key's value; a backend may read it only
	// now, so an iteration over keys alone never reads values. An error
	// concerns this value only: the iteration may go on.
	Value() ([]byte, error)
	// Error is the error that ended the iteration, if any.
	Error() error
	Release()
}

// Writer changes keys.
type Writer interface {
	Set(key, value []byte) error
	Delete(key []byte) error
}

// ReadWriter is the view of an update: reads see the update's own writes.
// Iterators must be released before the update writes again.
type ReadWriter interface {
	Reader
	Writer
}

// Store is a key-value store. Its Reader methods read the latest committed
// state; each call may see a different one.
type Store interface {
	Reader
	// View runs fn on one consistent state that writes committed while
	// fn runs do not change.
	View(fn func(r Reader) error) error
	// Update runs fn and commits its writes all together if fn returns
	// nil, and none of them otherwise. Readers see none of the writes
	// until the commit.
	Update(fn func(rw ReadWriter) error) error
	// Close releases the store; every later operation fails with
	// ErrClosed. Closing twice is not an error.
	Close() error
}

// Batch collects writes to commit atomically with Write; a Batch is not
// safe for concurrent use.
type Batch struct {
	ops []op
}

type op struct {
	key, value []byte
	del        bool
}

// Set records that key is to be set to value.
func (b *Batch) Set(key, value []byte) error {
	b.ops = append(b.ops, op{key: bytes.Clone(key), value: bytes.Clone(value)})
	return nil
}

// Delete records that key is to be deleted.
func (b *Batch) Delete(key []byte) error {
	b.ops = append(b.ops, op{key: bytes.Clone(key), del: true})
	return nil
}

// Len is the number of writes recorded.
func (b *Batch) Len() int { return len(b.ops) }

// Reset forgets the writes recorded.
func (b *Batch) Reset() { b.ops = b.ops[:0] }

// Write commits the recorded writes to s in one update: all or none.
func (b *Batch) Write(s Store) error {
	return s.Update(func(rw ReadWriter) error {
		for _, o := range b.ops {
			var err error
			if o.del {
				err = rw.Delete(o.key)
			} else {
				err = rw.Set(o.key, o.value)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// PrefixEnd is the smallest key greater than every key starting with
// prefix, or nil when there is none (prefix empty or all 0xff).
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xff {
			end := bytes.Clone(prefix[:i+1])
			end[i]++
			return end
		}
	}
	return nil
}
