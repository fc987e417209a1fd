package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/storage"
)

// Options configures the index.
type Options struct {
	// SyncWrites makes every commit wait for fsync. Without it a process
	// crash still loses nothing committed (the write-ahead log is in the
	// page cache), but a power loss may lose the last commits.
	SyncWrites bool
	// EncryptionKey enables encryption at rest (AES, 16, 24 or 32 bytes).
	EncryptionKey []byte
	// ReadOnly opens the index without write access.
	ReadOnly bool
	// InMemory keeps the index in memory only (tests, dry runs); the
	// directory is ignored.
	InMemory bool
	// Logger receives badger's warnings and errors; nil discards them.
	Logger *slog.Logger
	// MappedBudget bounds the process's file-backed resident memory, of
	// which badger's mapped tables are most: above it the pages of the
	// index's mapped files are handed back to the kernel
	// (resident_linux.go). 0 means DefaultMappedBudget; negative turns
	// the watch off.
	MappedBudget int64
}

// DefaultMappedBudget is the default Options.MappedBudget: the program's
// own text (about 55 MiB resident) and a working set of tables. The API
// over 1 M transactions served its first minute after a reopen at twice
// the rate with 192 MiB as with 96 (fewer pages read back from disk);
// an import of 1 M transactions peaks at about 290 MiB besides.
const DefaultMappedBudget = 160 << 20

// Validate checks the options.
func (o Options) Validate() error {
	switch len(o.EncryptionKey) {
	case 0, 16, 24, 32:
	default:
		return fmt.Errorf("%w: encryption key has %d bytes, want 16, 24 or 32", ledger.ErrInvalid, len(o.EncryptionKey))
	}
	return nil
}

// DB is the index, on badger (Open) or on the memory backend
// (OpenMemory). It implements ledger.Store.
type DB struct {
	// be is the backend; db, lost and spillMu serve the badger one.
	be backend
	db *badger.DB
	// blobs holds the large values (raw blocks) outside badger; nil in
	// memory.
	blobs *badgerkv.Blobs
	dir   string
	lost  *lostReads
	// record makes Close record the tables as verified (verified.go).
	record bool
	// spillMu runs spills (spill.go) one at a time.
	spillMu sync.Mutex
	// stopWatch stops the resident-set watch; watchDone is closed when
	// it has stopped.
	stopWatch chan struct{}
	watchDone <-chan struct{}
}

var _ ledger.Store = (*DB)(nil)

// Open opens or creates the index in dir.
//
// A damaged index is an error wrapping ErrCorrupt (a *CorruptError that
// names the file), never a panic: before badger opens the files, Open
// reads them as badger will (files.go) and verifies the checksum of every
// block of each table it has not verified before (verified.go). Reads
// meeting damage later return the same kind of error.
func Open(dir string, o Options) (*DB, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if !o.InMemory {
		if err := preflight(dir, o); err != nil {
			return nil, err
		}
	}
	lost := new(lostReads)
	db, err := openBadger(o.badgerOptions(dir, lost))
	if err != nil {
		return nil, openError(dir, err)
	}
	blobs, err := o.openBlobs(dir)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	if !o.ReadOnly {
		if _, err := recoverJournal(db, blobs); err != nil {
			db.Close()
			closeBlobs(blobs)
			return nil, fmt.Errorf("open index %s: undo a write a crash interrupted: %w", dir, err)
		}
	}
	d := newBadgerDB(db, dir, lost)
	d.blobs = blobs
	d.record = !o.InMemory && !o.ReadOnly
	if err := d.checkFormat(!o.ReadOnly); err != nil {
		db.Close()
		closeBlobs(blobs)
		var fe *FormatError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("open index %s: record format: %w", dir, err)
	}
	if !o.ReadOnly {
		if err := d.migrateNodeKeys(context.Background()); err != nil {
			db.Close()
			closeBlobs(blobs)
			return nil, fmt.Errorf("open index %s: move nodes to org-scoped keys: %w", dir, err)
		}
	}
	if !o.InMemory {
		budget := o.MappedBudget
		if budget == 0 {
			budget = DefaultMappedBudget
		}
		d.stopWatch = make(chan struct{})
		d.watchDone = watchResident(dir, budget, d.stopWatch)
	}
	return d, nil
}

// newBadgerDB returns the index on the badger db opened in dir.
func newBadgerDB(db *badger.DB, dir string, lost *lostReads) *DB {
	d := &DB{db: db, dir: dir, lost: lost}
	d.be = badgerBackend{d}
	return d
}

// valueThreshold is the size from which a value is kept outside the LSM
// tree, written once, with only a pointer in the tree: raw blocks (B/
// records) and other large values. On disk they go to the blob segments
// (badgerkv.Blobs, under blobDir), read with pread, so that they do not
// stay mapped into the process as badger's value log would; in memory,
// and in the before-images of a spill, to badger's value log. Smaller
// values, among them every record a block rewrites (identities,
// checkpoints), stay in the tree, so the segments hold little that is
// ever overwritten. Below this size a value costs more in the tree
// (write-ahead log, memtable, L0 table, compression) than a separate
// read costs a reader.
const valueThreshold = 8 << 10

// routedToBlobs names the keys whose values go to the blob segments
// below valueThreshold: transaction records (t/). Each is written once,
// when its block is indexed, and read one at a time, by id; there is
// one per transaction, about 450 bytes for a Fabric endorser
// transaction, the largest share of the bytes an import would put in
// the LSM tree, where every compaction rewrites them again (more than
// half the tree at 1 M transactions). In the segments they are written
// once, and the tree keeps a pointer.
func routedToBlobs(key []byte) bool { return len(key) > 0 && key[0] == tagTx }

// blobDir is the directory of the blob segments inside the index.
const blobDir = "blobs"

// openBlobs opens the blob segments of the index in dir; none in memory.
func (o Options) openBlobs(dir string) (*badgerkv.Blobs, error) {
	if o.InMemory {
		return nil, nil
	}
	return badgerkv.OpenBlobs(filepath.Join(dir, blobDir), badgerkv.BlobOptions{
		Threshold: valueThreshold, Route: routedToBlobs, SyncWrites: o.SyncWrites, ReadOnly: o.ReadOnly,
		EncryptionKey: o.EncryptionKey,
	})
}

func closeBlobs(b *badgerkv.Blobs) {
	if b != nil {
		b.Close()
	}
}

// badgerOptions returns the badger options for the index in dir; lost
// counts the values badger fails to read.
func (o Options) badgerOptions(dir string, lost *lostReads) badger.Options {
	bo := badger.DefaultOptions(dir).
		WithSyncWrites(o.SyncWrites).
		WithReadOnly(o.ReadOnly).
		WithLogger(badgerLogger{o.Logger, lost}).
		WithNumVersionsToKeep(1).
		WithMemTableSize(16 << 20).
		// Memory (README: Memory): 16 MiB memtables, one being
		// written and one being flushed (a memtable bounds a badger
		// transaction to 15% of it; spill.go writes larger ones in
		// pieces); two compactors; no compression, whose buffers
		// a table builder holds until the table is done (160 of 260 MB
		// of table builders at the peak of an import of 200 k
		// transactions, which took 690 MB RSS with Snappy, three
		// memtables and four compactors, and 478 MB without).
		WithNumMemtables(2).
		WithNumCompactors(2).
		WithCompression(options.None).
		WithBlockCacheSize(32 << 20).
		// Open has verified every table; check each block again as it is
		// read from disk, and every value read from a value log.
		WithChecksumVerificationMode(options.OnBlockRead).
		WithVerifyValueChecksum(true)
	// Every level's tables of BaseTableSize (2 MiB; Options has no With
	// method for it): a compaction holds each table it builds whole in
	// memory, and by default tables double in size with each level below
	// the first, so the heap of an import grew with its index (72–90 MB
	// of table builders at 1 M transactions, with the Go runtime's memory
	// limit binding and the garbage collector running almost without
	// pause). Smaller tables also rewrite less of a level at the edges of
	// a compaction.
	bo.TableSizeMultiplier = 1
	if o.InMemory {
		// Without files there is no value log: every value stays in the
		// LSM tree.
		bo = bo.WithDir("").WithValueDir("").WithInMemory(true)
	} else {
		bo = bo.WithValueThreshold(valueThreshold)
	}
	if len(o.EncryptionKey) > 0 {
		bo = bo.WithEncryptionKey(o.EncryptionKey).WithIndexCacheSize(32 << 20)
	}
	return bo
}

// preflight checks the files of the index in dir, under badger's
// directory lock, and returns the first damage as a *CorruptError. A
// writer records the tables it verified.
func preflight(dir string, o Options) error {
	return checkBeforeOpen(dir, o, fileCheck{blocks: true, verified: readVerified(dir)})
}

func checkBeforeOpen(dir string, o Options, c fileCheck) error {
	unlock, err := lockDir(dir, o.ReadOnly)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new index; badger creates the directory
	}
	if err != nil {
		return fmt.Errorf("open index %s: %w", dir, err)
	}
	defer unlock()
	if !o.ReadOnly {
		if err := removeEmptyMemtables(dir); err != nil {
			return fmt.Errorf("open index %s: %w", dir, err)
		}
	}
	var first *Damage
	n, err := checkFiles(dir, o, c, func(d Damage) bool { first = &d; return false })
	if err != nil {
		return fmt.Errorf("open index %s: %w", dir, err)
	}
	if first != nil {
		return &CorruptError{Dir: dir, Damage: *first}
	}
	if c.blocks && !o.ReadOnly {
		_ = writeVerified(dir, n.ids) // only an optimisation
	}
	return nil
}

// removeEmptyMemtables removes write-ahead log files of no bytes: a
// crash right after badger created one leaves it so, and badger then
// fails to open the index (dgraph-io/badger#2207). Such a file holds
// nothing.
func removeEmptyMemtables(dir string) error {
	mems, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return err
	}
	for _, m := range mems {
		if st, err := os.Stat(m); err == nil && st.Size() == 0 {
			if err := os.Remove(m); err != nil {
				return fmt.Errorf("remove the empty write-ahead log %s a crash left: %w", m, err)
			}
		}
	}
	return nil
}

// emptyMemtable reports whether dir holds a write-ahead log file of no
// bytes, which only a writer's Open removes.
func emptyMemtable(dir string) bool {
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, m := range mems {
		if st, err := os.Stat(m); err == nil && st.Size() == 0 {
			return true
		}
	}
	return false
}

// openBadger opens badger, turning a panic into a *CorruptError.
func openBadger(bo badger.Options) (db *badger.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			pe := panicError(r)
			err = &CorruptError{Dir: bo.Dir, Damage: Damage{File: badgerFile(pe.Error()), Kind: DamageUnreadable, Err: pe}}
		}
	}()
	return badger.Open(bo)
}

// openError translates an error of badger.Open.
func openError(dir string, err error) error {
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	if strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return fmt.Errorf("open index %s: %w", dir, ErrLocked)
	}
	if err := (&DB{dir: dir}).corrupt(err); errors.Is(err, ErrCorrupt) {
		return err
	}
	return fmt.Errorf("open index %s: %w", dir, err)
}

// Close flushes and closes the index.
func (d *DB) Close() error { return d.be.close() }

// badgerClose closes badger. A writer records the tables it leaves as
// verified: they were verified at Open or written since.
func (d *DB) badgerClose() error {
	var ids []uint64
	if d.record {
		for _, t := range d.db.Tables() {
			ids = append(ids, t.ID)
		}
	}
	// The resident-set watch runs on while badger closes: closing
	// flushes the memtables and compacts level 0, through the mapping.
	err := d.db.Close()
	if d.stopWatch != nil {
		close(d.stopWatch)
		<-d.watchDone
		d.stopWatch = nil
	}
	if d.blobs != nil {
		err = errors.Join(err, d.blobs.Close())
	}
	if err != nil {
		return err
	}
	if d.record {
		if unlock, err := lockDir(d.dir, false); err == nil {
			_ = writeVerified(d.dir, ids) // only an optimisation
			unlock()
		}
	}
	return nil
}

// badgerLogger routes badger's logging to slog, dropping info and debug,
// and counts the values badger could not read in lost.
type badgerLogger struct {
	l    *slog.Logger
	lost *lostReads
}

func (b badgerLogger) Errorf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	b.lost.note(msg)
	if b.l != nil {
		b.l.Error("badger", "msg", msg)
	}
}

func (b badgerLogger) Warningf(f string, a ...any) {
	if b.l == nil {
		return
	}
	msg := fmt.Sprintf(f, a...)
	if strings.HasPrefix(msg, "Cache life expectancy") {
		// A histogram badger prints when blocks leave its cache soon
		// after they entered, as they do when an import or audit reads
		// each block once: tuning advice, not a warning for operators.
		b.l.Debug("badger", "msg", msg)
		return
	}
	b.l.Warn("badger", "msg", msg)
}
func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

func get(txn kv, k []byte, v any) error {
	b, err := txn.Get(k)
	if errors.Is(err, storage.ErrNotFound) {
		return ledger.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("corrupt record %q: %w", k, err)
	}
	return nil
}

func put(txn kv, k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", k, err)
	}
	return txn.Set(k, b)
}

// update runs fn and commits its writes atomically.
func (d *DB) update(ctx context.Context, fn func(txn kv) error) error {
	return closed(d.be.update(ctx, 0, fn))
}

// updateSized is update for a write of about size bytes.
func (d *DB) updateSized(ctx context.Context, size int64, fn func(txn kv) error) error {
	return closed(d.be.update(ctx, size, fn))
}

// closed names the error of a call on a closed index, whichever backend
// said so, as ledger.ErrClosed (the API answers it 503, not 500).
func closed(err error) error {
	if errors.Is(err, badger.ErrDBClosed) || errors.Is(err, storage.ErrClosed) {
		return fmt.Errorf("%w: %w", ledger.ErrClosed, err)
	}
	return err
}

// badgerUpdate runs fn in a read-write transaction, retrying on
// conflicts. A write too large for one transaction runs again as a spill
// (spill.go); one of about size bytes that will not fit one transaction
// goes straight to a spill.
func (d *DB) badgerUpdate(ctx context.Context, size int64, fn func(txn kv) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if size >= d.db.MaxBatchSize() {
			err = d.runSpill(ctx, fn)
		} else if err = d.commit(fn); errors.Is(err, badger.ErrTxnTooBig) {
			err = d.runSpill(ctx, fn)
		}
		if errors.Is(err, badger.ErrConflict) && attempt < 8 {
			time.Sleep(time.Duration(attempt+1) * time.Millisecond)
			continue
		}
		if errors.Is(err, badger.ErrTxnTooBig) {
			return fmt.Errorf("%w: write too large for one transaction", ledger.ErrInvalid)
		}
		return err
	}
}

// PutChain records a chain's description.
func (d *DB) PutChain(ctx context.Context, c ledger.Chain) error {
	if !ledger.ValidChainID(c.ID) {
		return fmt.Errorf("%w: chain id %q (want lower-case letters, digits, '.', '_' or '-')", ledger.ErrInvalid, c.ID)
	}
	return d.update(ctx, func(txn kv) error { return put(txn, chainKey(c.ID), c) })
}

func decode(v []byte, out any) error {
	if err := json.Unmarshal(v, out); err != nil {
		return fmt.Errorf("corrupt record: %w", err)
	}
	return nil
}
