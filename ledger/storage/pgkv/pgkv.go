// Package pgkv is the PostgreSQL backend of ledger/storage: the store of
// Lianjian when several processes on several machines share one index.
// It is the only package that imports the PostgreSQL driver (pgx).
//
// All keys live in one table, hash-partitioned by the partition of each
// key, which the key schema's owner decides (Config.Partition; the index
// gives every key of a chain its chain id and keys of no chain ""), so
// that a block's commit touches one partition and, in production, the
// table can be distributed by chain with Citus. Reads of a store see
// the latest committed state; View runs on one REPEATABLE READ snapshot;
// Update runs in one SERIALIZABLE transaction of any size and runs its
// function again when PostgreSQL reports a serialization failure or a
// deadlock, so two processes committing conflicting updates never both
// succeed. Iterators read in chunks (keyset pagination) and fetch large
// values only when asked, so memory stays bounded whatever the range.
//
// The schema is versioned (schema_migrations): Open applies the
// migrations embedded in the binary and refuses a database a newer
// binary migrated.
package pgkv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lianjian/lianjian/ledger/storage"
)

// DefaultPartitions is the number of hash partitions of a new database.
const DefaultPartitions = 16

// DefaultMaxConns is the size of the connection pool when the DSN does
// not set pool_max_conns.
const DefaultMaxConns = 16

// maxRetries bounds how often Update runs its function again after a
// serialization failure or deadlock.
const maxRetries = 12

// Config configures a store.
type Config struct {
	// DSN is a PostgreSQL connection string, as a URL
	// (postgres://user:pass@host:5432/db?sslmode=verify-full&sslrootcert=ca.pem)
	// or as keyword=value pairs. TLS is configured by its sslmode,
	// sslrootcert, sslcert and sslkey parameters; pool_max_conns sets the
	// size of the connection pool (DefaultMaxConns when absent).
	DSN string
	// Partitions is the number of hash partitions created with a new
	// database (DefaultPartitions when 0); an existing database keeps its
	// own.
	Partitions int
	// Partition returns the partition of a key: the chain it belongs to,
	// "" for keys of no chain. Nil puts every key in "".
	Partition func(key []byte) string
	// PrefixPartition returns the partition every key starting with
	// prefix belongs to, and false when keys of several partitions may
	// start with it. Iterations over a prefix it decides read that
	// partition only. Nil decides none.
	PrefixPartition func(prefix []byte) (string, bool)
	// MustExist refuses, with ErrNoSchema, a database Lianjian has not
	// set up yet instead of creating the schema.
	MustExist bool
}

// IsDSN reports whether s names a PostgreSQL database as a URL
// (postgres:// or postgresql://), as opposed to a directory.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Validate checks the configuration without connecting.
func (c Config) Validate() error {
	if c.DSN == "" {
		return fmt.Errorf("%w: no DSN", ErrConfig)
	}
	if _, err := pgxpool.ParseConfig(c.DSN); err != nil {
		// pgx leaves the password out of its parse errors.
		return fmt.Errorf("%w: DSN: %s", ErrConfig, err)
	}
	if c.Partitions < 0 || c.Partitions > 1024 {
		return fmt.Errorf("%w: %d partitions (want 1 to 1024)", ErrConfig, c.Partitions)
	}
	return nil
}

// Store is a storage.Store in a PostgreSQL database.
type Store struct {
	pool   *pgxpool.Pool
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	closed atomic.Bool
	once   sync.Once
	// replace is set when partitions are foreign tables (postgres_fdw),
	// which take no INSERT ... ON CONFLICT: sets delete, then insert.
	replace bool
}

var _ storage.Store = (*Store)(nil)

// Open connects to the database of c.DSN, migrates its schema to this
// binary's version and returns the store. A database migrated by a newer
// binary is refused with ErrSchemaNewer.
func Open(ctx context.Context, c Config) (*Store, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.Partition == nil {
		c.Partition = func([]byte) string { return "" }
	}
	pc, _ := pgxpool.ParseConfig(c.DSN)
	if !strings.Contains(c.DSN, "pool_max_conns") {
		// pgx's default (4 or the CPU count) is too few for an API
		// server whose requests each hold a connection for a view.
		pc.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("pgkv: connect: %w", err)
	}
	if err := migrate(ctx, pool, c.Partitions, c.MustExist); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, cfg: c}
	if err := pool.QueryRow(ctx, foreignPartsSQL).Scan(&s.replace); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgkv: read the partitions: %w", err)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// String names the database (host, port and database; no credentials)
// for messages.
func (s *Store) String() string {
	c := s.pool.Config().ConnConfig
	return fmt.Sprintf("postgres://%s:%d/%s", c.Host, c.Port, c.Database)
}

// foreignPartsSQL asks whether a partition of kv is a foreign table.
const foreignPartsSQL = `SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'kv'::regclass AND c.relkind = 'f')`

// Close closes the connections; later operations fail with
// storage.ErrClosed. Iterators must be released first.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.cancel()
		s.pool.Close()
	})
	return nil
}

// check returns storage.ErrClosed after Close.
func (s *Store) check() error {
	if s.closed.Load() {
		return storage.ErrClosed
	}
	return nil
}

// Get returns the latest committed value of key.
func (s *Store) Get(key []byte) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return reader{s: s, q: s.pool}.Get(key)
}

// Has reports whether key is committed.
func (s *Store) Has(key []byte) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	return reader{s: s, q: s.pool}.Has(key)
}

// NewIterator iterates the latest committed state: the iterator holds
// one read-only snapshot, and a connection, until it is released.
func (s *Store) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	if err := s.check(); err != nil {
		return &iterator{err: err}
	}
	tx, err := s.pool.BeginTx(s.ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return &iterator{err: s.wrap("begin", err)}
	}
	it := newIterator(reader{s: s, q: tx}, prefix, start, reverse)
	it.release = func() { _ = tx.Rollback(context.Background()) }
	return it
}

// View runs fn on one REPEATABLE READ read-only snapshot.
func (s *Store) View(fn func(r storage.Reader) error) error {
	if err := s.check(); err != nil {
		return err
	}
	tx, err := s.pool.BeginTx(s.ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.wrap("begin", err)
	}
	defer tx.Rollback(context.Background())
	if err := fn(reader{s: s, q: tx}); err != nil {
		return err
	}
	return s.wrap("commit", tx.Commit(s.ctx))
}

// Update runs fn in one SERIALIZABLE transaction and commits its writes,
// running fn again (at most maxRetries times) when the transaction
// conflicts with a concurrent one.
func (s *Store) Update(fn func(rw storage.ReadWriter) error) error {
	for attempt := 0; ; attempt++ {
		if err := s.check(); err != nil {
			return err
		}
		err := s.update(fn)
		if !retryable(err) {
			return err
		}
		if attempt == maxRetries {
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
		backoff := time.Duration(1<<min(attempt, 7)) * time.Millisecond
		time.Sleep(backoff + rand.N(backoff))
	}
}

func (s *Store) update(fn func(rw storage.ReadWriter) error) error {
	tx, err := s.pool.BeginTx(s.ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return s.wrap("begin", err)
	}
	defer tx.Rollback(context.Background())
	w := &writer{reader: reader{s: s, q: tx}, pending: make(map[string]pendingOp)}
	w.reader.flush = w.flush
	if err := fn(w); err != nil {
		return err
	}
	if err := w.flush(); err != nil {
		return err
	}
	return s.wrap("commit", tx.Commit(s.ctx))
}

// retryable reports whether err is a serialization failure or deadlock
// that running the transaction again may resolve.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// wrap adds context to a driver error; after Close it is ErrClosed.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return storage.ErrClosed
	}
	return fmt.Errorf("pgkv: %s: %w", op, err)
}
