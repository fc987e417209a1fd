package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/storage"
)

// Writes too large for one badger transaction.
//
// Badger bounds a transaction to 15% of a memtable. A Fabric block may
// carry 100 MB, and an audit of a range of such blocks more, so a write
// that meets badger.ErrTxnTooBig is run again as a spill: the same
// function over a kv that commits a piece whenever the pending writes
// approach half of badger's bound, and starts the next piece in a new
// transaction. Every key is journalled with the value it had before the
// write began (its before-image), in the same piece as its first change,
// under J/OP/PIECE (keys.go). The last piece deletes the journal as it commits, so the journal is
// what makes the pieces one write: until the last piece commits, the
// before-images can restore every key the write changed. A write that
// fails restores them at once; after a crash, Open does (recoverJournal).
//
// The before-images of a piece are read when the piece commits, not as
// each key is set, and the last piece's never: it commits atomically
// with the deletion of the journal, so nothing can need them. A write
// that fits one piece, the usual case (runs of blocks whose raw bytes
// exceed badger's bound but go to the blob segments), thus reads
// nothing but what its writer reads. Reading a before-image is a point
// lookup through every level of the tree, mostly of a key that does not
// exist; at 1 M transactions these lookups took a seventh of the CPU of
// an import, and more the deeper the tree.
// Readers in the writing process may see the pieces committed so far
// while a spill runs (its checkpoint moves in the last piece); no reader
// of a reopened index sees a part of one.
//
// Spills run one at a time. A key changed by another writer between a
// spill's first change of it and a crash of the spill is restored to its
// before-image; the usual transaction conflicts catch such a change while
// the spill runs.
// journalVersion is the first byte of a journal record. The rest is a
// sequence of before-images: a byte saying whether the key existed (1) or
// not (0), the uvarint-length-prefixed key and, for a key that existed,
// its uvarint-length-prefixed value.
const journalVersion = 1

// kv is what the index reads and writes through: a storage.ReadWriter,
// free of badger types. A badger transaction is one through
// badgerkv.Txn; so is *spill. Code writing through a kv releases its
// iterators before it writes.
type kv interface {
	storage.ReadWriter
}

// spill is a kv that spreads one write over several badger transactions.
type spill struct {
	db      *badger.DB
	blobs   *badgerkv.Blobs
	pending badgerkv.Pending // the current piece's large values
	txn     *badger.Txn
	op      uint64
	pieces  uint32              // pieces committed, each with a journal record
	touched map[string]struct{} // the keys earlier pieces changed
	// piece lists the keys the current piece changes, as given: the
	// transaction holds them unchanged until it commits (badger's
	// Txn.Set). Those it changes first are found from it only when the
	// piece is not the last (beforeImages), so the usual write of one
	// piece copies and hashes no key for its journal.
	piece [][]byte
	// size and count estimate the current piece as badger does; the piece
	// is committed when either reaches its bound.
	size, count       int64
	maxSize, maxCount int64
	threshold         int64 // the size from which a value is kept outside the tree
}

var spillOps atomic.Uint64

func newSpill(db *badger.DB, blobs *badgerkv.Blobs) *spill {
	op := uint64(time.Now().UnixNano()) + spillOps.Add(1)
	threshold := db.Opts().ValueThreshold
	if blobs != nil {
		threshold = min(threshold, int64(blobs.Threshold()))
	}
	return &spill{
		db: db, blobs: blobs, txn: db.NewTransaction(true), op: op, touched: map[string]struct{}{},
		maxSize: db.MaxBatchSize() / 2, maxCount: db.MaxBatchCount() / 2,
		threshold: threshold,
	}
}

// kv is the current piece's transaction as a kv.
func (s *spill) kv() badgerkv.Txn { return badgerkv.Txn{T: s.txn, B: s.blobs, P: &s.pending} }

func (s *spill) Get(k []byte) ([]byte, error) { return s.kv().Get(k) }
func (s *spill) Has(k []byte) (bool, error)   { return s.kv().Has(k) }
func (s *spill) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	return s.kv().NewIterator(prefix, start, reverse)
}
func (s *spill) Set(k, v []byte) error { return s.write(k, v, false) }
func (s *spill) Delete(k []byte) error { return s.write(k, nil, true) }

// estimate is what an entry adds to a transaction, as badger counts it:
// its size, and how many entries badger counts. A value the blob
// segments keep is set twice, as a placeholder now and as its pointer
// when the piece commits (badgerkv.Txn.Flush), and badger counts both.
func (s *spill) estimate(k, v []byte) (size, count int64) {
	switch {
	case s.blobs != nil && s.blobs.Keeps(k, v):
		return 2 * (int64(len(k)) + 14 + 10), 2
	case int64(len(v)) >= s.threshold:
		return int64(len(k)) + 14 + 10, 1
	}
	return int64(len(k)) + int64(len(v)) + 12, 1
}

func (s *spill) write(k, v []byte, del bool) error {
	s.piece = append(s.piece, k)
	var err error
	if del {
		err = s.txn.Delete(k)
	} else {
		err = s.kv().Set(k, v)
	}
	if err != nil {
		return err
	}
	size, count := s.estimate(k, v)
	s.size += size
	s.count += count
	if s.size >= s.maxSize || s.count+2 >= s.maxCount {
		return s.flush()
	}
	return nil
}

// fresh returns the keys the current piece changes first, in the order
// it first changes them, and notes them as touched.
func (s *spill) fresh() []string {
	var out []string
	for _, k := range s.piece {
		if _, ok := s.touched[string(k)]; ok {
			continue
		}
		key := string(k)
		s.touched[key] = struct{}{}
		out = append(out, key)
	}
	return out
}

// beforeImages returns the journal record of the keys the current piece
// changes first: their values as committed, which the piece does not
// yet change, or nil when there are none.
func (s *spill) beforeImages() ([]byte, error) {
	fresh := s.fresh()
	if len(fresh) == 0 {
		return nil, nil
	}
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	r := badgerkv.Txn{T: txn, B: s.blobs}
	journal := []byte{journalVersion}
	for _, k := range fresh {
		v, err := r.Get([]byte(k))
		switch {
		case errors.Is(err, storage.ErrNotFound):
			journal = append(journal, 0)
			journal = binary.AppendUvarint(journal, uint64(len(k)))
			journal = append(journal, k...)
		case err != nil:
			return nil, err
		default:
			journal = append(journal, 1)
			journal = binary.AppendUvarint(journal, uint64(len(k)))
			journal = append(journal, k...)
			journal = binary.AppendUvarint(journal, uint64(len(v)))
			journal = append(journal, v...)
		}
	}
	return journal, nil
}

// flush commits the current piece with its journal record and starts the
// next. The record goes in the piece's transaction when it fits there,
// else in a transaction of its own committed just before the piece: a
// crash between the two leaves before-images of keys not yet changed,
// which restore them as they are.
func (s *spill) flush() error {
	journal, err := s.beforeImages()
	if err != nil {
		return err
	}
	if journal != nil {
		k := journalKey(s.op, s.pieces)
		err := s.txn.Set(k, journal)
		if errors.Is(err, badger.ErrTxnTooBig) {
			err = s.db.Update(func(txn *badger.Txn) error { return txn.Set(k, journal) })
		}
		if err != nil {
			return err
		}
	}
	if err := s.commit(); err != nil {
		return err
	}
	if journal != nil {
		s.pieces++
	}
	s.txn = s.db.NewTransaction(true)
	s.piece = s.piece[:0]
	s.size, s.count = 0, 0
	return nil
}

// finish commits the last piece and deletes the journal with it.
func (s *spill) finish() error {
	for p := range s.pieces {
		if err := s.txn.Delete(journalKey(s.op, p)); err != nil {
			return err
		}
	}
	return s.commit()
}

// commit commits the current piece, its large values appended to the
// blob segments first.
func (s *spill) commit() error {
	if err := s.kv().Flush(); err != nil {
		s.txn.Discard()
		return err
	}
	return s.txn.Commit()
}

// runSpill runs fn as a spill: see the top of this file. A failed spill
// is undone before runSpill returns.
func (d *DB) runSpill(ctx context.Context, fn func(txn kv) error) (err error) {
	d.spillMu.Lock()
	defer d.spillMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.recoverCorrupt(&err)
	n := d.lost.count()
	s := newSpill(d.db, d.blobs)
	err = fn(s)
	if err == nil {
		err = s.finish()
	} else {
		s.txn.Discard()
	}
	if err != nil {
		if uerr := undoJournal(d.db, d.blobs, s.op); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo the partial write: %w", uerr))
		}
	}
	return d.checkLost(n, err)
}

// recoverJournal undoes every spill a crash interrupted.
func recoverJournal(db *badger.DB, blobs *badgerkv.Blobs) (int, error) {
	var ops []uint64
	err := db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = journalPrefix(), false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) != 2+12 {
				return fmt.Errorf("journal key %x has %d bytes, want 14", k, len(k))
			}
			op := binary.BigEndian.Uint64(k[2:10])
			if len(ops) == 0 || ops[len(ops)-1] != op {
				ops = append(ops, op)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, op := range ops {
		if err := undoJournal(db, blobs, op); err != nil {
			return 0, err
		}
	}
	return len(ops), nil
}

// undoJournal restores the before-images journalled by spill op, newest
// piece first, each piece in one transaction that also deletes its
// record; a crash part way leaves the rest for the next Open.
func undoJournal(db *badger.DB, blobs *badgerkv.Blobs, op uint64) error {
	var pieces []uint32
	prefix := journalOpPrefix(op)
	err := db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix, opts.PrefetchValues = prefix, false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			pieces = append(pieces, binary.BigEndian.Uint32(it.Item().Key()[10:]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(pieces) - 1; i >= 0; i-- {
		k := journalKey(op, pieces[i])
		err := db.Update(func(txn *badger.Txn) error {
			item, err := txn.Get(k)
			if err != nil {
				return err
			}
			rec, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			rw := badgerkv.Txn{T: txn, B: blobs}
			err = readJournal(rec, func(key, value []byte, existed bool) error {
				if existed {
					return rw.Set(key, value)
				}
				return txn.Delete(key)
			})
			if err != nil {
				return fmt.Errorf("journal %x: %w", k, err)
			}
			if err := txn.Delete(k); err != nil {
				return err
			}
			if blobs != nil {
				return blobs.Sync()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// readJournal calls fn with each before-image of a journal record.
func readJournal(rec []byte, fn func(key, value []byte, existed bool) error) error {
	if len(rec) == 0 || rec[0] != journalVersion {
		return fmt.Errorf("%w: journal record version %v, want %d", ErrCorrupt, rec[:min(len(rec), 1)], journalVersion)
	}
	field := func(b []byte) ([]byte, []byte, error) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return nil, nil, fmt.Errorf("%w: journal record cut short", ErrCorrupt)
		}
		return b[w : w+int(n)], b[w+int(n):], nil
	}
	for b := rec[1:]; len(b) > 0; {
		existed := b[0]
		if existed > 1 {
			return fmt.Errorf("%w: journal entry flag %d", ErrCorrupt, existed)
		}
		k, rest, err := field(b[1:])
		if err != nil {
			return err
		}
		var v []byte
		if existed == 1 {
			if v, rest, err = field(rest); err != nil {
				return err
			}
		}
		if len(k) == 0 {
			return fmt.Errorf("%w: journal entry with an empty key", ErrCorrupt)
		}
		if err := fn(k, v, existed == 1); err != nil {
			return err
		}
		b = rest
	}
	return nil
}
