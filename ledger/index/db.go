package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger"
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
}

// Validate checks the options.
func (o Options) Validate() error {
	switch len(o.EncryptionKey) {
	case 0, 16, 24, 32:
	default:
		return fmt.Errorf("%w: encryption key has %d bytes, want 16, 24 or 32", ledger.ErrInvalid, len(o.EncryptionKey))
	}
	return nil
}

// DB is the badger index. It implements ledger.Store.
type DB struct {
	db *badger.DB
}

var _ ledger.Store = (*DB)(nil)

// Open opens or creates the index in dir.
func Open(dir string, o Options) (*DB, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	bo := badger.DefaultOptions(dir).
		WithSyncWrites(o.SyncWrites).
		WithReadOnly(o.ReadOnly).
		WithLogger(badgerLogger{o.Logger}).
		WithNumVersionsToKeep(1).
		WithMemTableSize(32 << 20).
		WithNumMemtables(3).
		WithBlockCacheSize(64 << 20)
	if o.InMemory {
		bo = bo.WithDir("").WithValueDir("").WithInMemory(true)
	}
	if len(o.EncryptionKey) > 0 {
		bo = bo.WithEncryptionKey(o.EncryptionKey).WithIndexCacheSize(32 << 20)
	}
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	return &DB{db: db}, nil
}

// Close flushes and closes the index.
func (d *DB) Close() error { return d.db.Close() }

// badgerLogger routes badger's logging to slog, dropping info and debug.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	if b.l != nil {
		b.l.Error("badger", "msg", fmt.Sprintf(f, a...))
	}
}

func (b badgerLogger) Warningf(f string, a ...any) {
	if b.l != nil {
		b.l.Warn("badger", "msg", fmt.Sprintf(f, a...))
	}
}
func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

// blockRecord is the stored form of a block: the header fields plus the ids
// of its transactions, which are stored under their own keys.
type blockRecord struct {
	ledger.Block
	TxIDs []string `json:"txIds"`
}

func get(txn *badger.Txn, k []byte, v any) error {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ledger.ErrNotFound
	}
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("corrupt record %q: %w", k, err)
		}
		return nil
	})
}

func put(txn *badger.Txn, k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", k, err)
	}
	return txn.Set(k, b)
}

// update runs fn in a read-write transaction, retrying on conflicts.
func (d *DB) update(ctx context.Context, fn func(txn *badger.Txn) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := d.db.Update(fn)
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
	if !ValidChainID(c.ID) {
		return fmt.Errorf("%w: chain id %q (want lower-case letters, digits, '.', '_' or '-')", ledger.ErrInvalid, c.ID)
	}
	return d.update(ctx, func(txn *badger.Txn) error { return put(txn, chainKey(c.ID), c) })
}

func decode(v []byte, out any) error {
	if err := json.Unmarshal(v, out); err != nil {
		return fmt.Errorf("corrupt record: %w", err)
	}
	return nil
}
