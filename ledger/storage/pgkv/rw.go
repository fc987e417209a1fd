package pgkv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lianjian/lianjian/ledger/storage"
)

// querier is what a reader reads through: the pool (latest committed
// state) or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// reader is a storage.Reader over q. flush, when set, sends an update's
// pending writes before an iterator reads, so that it sees them (point
// reads of an update look at the pending writes first).
type reader struct {
	s     *Store
	q     querier
	flush func() error
}

func (r reader) before() error { return r.s.check() }

// Get returns the value of key.
func (r reader) Get(key []byte) ([]byte, error) {
	if err := r.before(); err != nil {
		return nil, err
	}
	var v []byte
	err := r.q.QueryRow(r.s.ctx, `SELECT value FROM kv WHERE part = $1 AND key = $2`, r.s.cfg.Partition(key), key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, r.s.wrap("get", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// Has reports whether key is present.
func (r reader) Has(key []byte) (bool, error) {
	if err := r.before(); err != nil {
		return false, err
	}
	var ok bool
	err := r.q.QueryRow(r.s.ctx, `SELECT EXISTS (SELECT 1 FROM kv WHERE part = $1 AND key = $2)`, r.s.cfg.Partition(key), key).Scan(&ok)
	if err != nil {
		return false, r.s.wrap("has", err)
	}
	return ok, nil
}

// NewIterator iterates within the reader's state.
func (r reader) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	return newIterator(r, prefix, start, reverse)
}

// pendingOp is the last write of a key in an update, not yet sent.
type pendingOp struct {
	value []byte
	del   bool
}

// flushBytes is how many value bytes an update buffers before it sends
// them; flushRows bounds the rows of one statement.
const (
	flushBytes = 16 << 20
	flushRows  = 2000
)

// writer is the storage.ReadWriter of an update. It buffers writes (the
// last per key), answers point reads of them itself, and sends them in
// multi-row statements when they grow large, before an iteration and at
// commit.
type writer struct {
	reader
	pending map[string]pendingOp
	bytes   int
}

// Get returns the value of key as the update left it so far.
func (w *writer) Get(key []byte) ([]byte, error) {
	if op, ok := w.pending[string(key)]; ok {
		if op.del {
			return nil, storage.ErrNotFound
		}
		return bytes.Clone(op.value), nil
	}
	return w.reader.Get(key)
}

// Has reports whether key is present as the update left it so far.
func (w *writer) Has(key []byte) (bool, error) {
	if op, ok := w.pending[string(key)]; ok {
		return !op.del, nil
	}
	return w.reader.Has(key)
}

// NewIterator iterates the update's state, its pending writes sent
// first.
func (w *writer) NewIterator(prefix, start []byte, reverse bool) storage.Iterator {
	return newIterator(w.reader, prefix, start, reverse)
}

// Set records key = value.
func (w *writer) Set(key, value []byte) error {
	if err := w.s.check(); err != nil {
		return err
	}
	if len(key) == 0 {
		return fmt.Errorf("pgkv: set: empty key")
	}
	if value == nil {
		value = []byte{}
	}
	w.pending[string(key)] = pendingOp{value: value}
	w.bytes += len(key) + len(value)
	if w.bytes >= flushBytes {
		return w.flush()
	}
	return nil
}

// Delete records that key is deleted.
func (w *writer) Delete(key []byte) error {
	if err := w.s.check(); err != nil {
		return err
	}
	w.pending[string(key)] = pendingOp{del: true}
	w.bytes += len(key)
	return nil
}

const (
	upsertSQL = `INSERT INTO kv (part, key, value) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[])
ON CONFLICT (key, part) DO UPDATE SET value = EXCLUDED.value`
	insertSQL = `INSERT INTO kv (part, key, value) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[])`
	deleteSQL = `DELETE FROM kv WHERE part = $1 AND key = ANY($2::bytea[])`
)

// flush sends the pending writes: the deletes, one statement per
// partition so that each reads one partition, then the sets. In a
// database whose partitions are foreign tables (Store.replace), which
// take no ON CONFLICT, a set deletes the key first and then inserts it.
func (w *writer) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	dels := map[string][][]byte{}
	var sets batch
	for k, op := range w.pending {
		kb := []byte(k)
		part := w.s.cfg.Partition(kb)
		if op.del || w.s.replace {
			dels[part] = append(dels[part], kb)
		}
		if !op.del {
			sets.add(part, kb, op.value)
		}
	}
	for part, keys := range dels {
		for len(keys) > 0 {
			n := min(len(keys), flushRows)
			if _, err := w.q.Exec(w.s.ctx, deleteSQL, part, keys[:n]); err != nil {
				return w.s.wrap("delete", err)
			}
			keys = keys[n:]
		}
	}
	sql := upsertSQL
	if w.s.replace {
		sql = insertSQL
	}
	for from := 0; from < len(sets.keys); {
		to, size := from, 0
		for to < len(sets.keys) && to-from < flushRows && (size < flushBytes || to == from) {
			size += len(sets.keys[to]) + len(sets.values[to])
			to++
		}
		if _, err := w.q.Exec(w.s.ctx, sql, sets.parts[from:to], sets.keys[from:to], sets.values[from:to]); err != nil {
			return w.s.wrap("write", err)
		}
		from = to
	}
	clear(w.pending)
	w.bytes = 0
	return nil
}

// batch is the rows to set.
type batch struct {
	parts        []string
	keys, values [][]byte
}

func (b *batch) add(part string, key, value []byte) {
	b.parts = append(b.parts, part)
	b.keys = append(b.keys, key)
	b.values = append(b.values, value)
}

// inlineMax is the largest value an iterator reads with its key; larger
// ones are read when Value is called, so that a chunk of keys never
// holds many large values.
const inlineMax = 64 << 10

// chunkRows is how many keys an iterator reads per query.
const chunkRows = 256

// iterator reads the keys of a range in chunks, each a query continuing
// after the last key read.
type iterator struct {
	r        reader
	lo, hi   []byte // bounds: lo inclusive, hi exclusive (nil: none)
	hiIncl   bool   // hi is inclusive (a reverse iteration from start)
	part     string
	pruned   bool
	reverse  bool
	last     []byte
	started  bool
	done     bool
	rows     []row
	i        int
	err      error
	release  func()
	released bool
}

type row struct {
	key, value []byte
	size       int
}

func newIterator(r reader, prefix, start []byte, reverse bool) *iterator {
	it := &iterator{r: r, reverse: reverse, lo: bytes.Clone(prefix), hi: storage.PrefixEnd(prefix), i: -1}
	if len(prefix) == 0 {
		it.lo = []byte{}
	}
	if len(start) > 0 {
		from := append(bytes.Clone(prefix), start...)
		if reverse {
			if it.hi == nil || bytes.Compare(from, it.hi) < 0 {
				it.hi, it.hiIncl = from, true
			}
		} else if bytes.Compare(from, it.lo) > 0 {
			it.lo = from
		}
	}
	if pp := r.s.cfg.PrefixPartition; pp != nil && len(prefix) > 0 {
		it.part, it.pruned = pp(prefix)
	}
	return it
}

// Next moves to the next key, reading the next chunk when needed.
func (it *iterator) Next() bool {
	if it.err != nil || it.released {
		return false
	}
	it.i++
	if it.i < len(it.rows) {
		return true
	}
	if it.done {
		return false
	}
	if err := it.fetch(); err != nil {
		it.err = err
		return false
	}
	it.i = 0
	return len(it.rows) > 0
}

// fetch reads the next chunk of keys after the last one read.
func (it *iterator) fetch() error {
	if err := it.r.before(); err != nil {
		return err
	}
	if it.r.flush != nil {
		if err := it.r.flush(); err != nil {
			return err
		}
	}
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if it.pruned {
		conds = append(conds, "part = "+arg(it.part))
	}
	switch {
	case it.started && !it.reverse:
		conds = append(conds, "key > "+arg(it.last))
	case it.started:
		conds = append(conds, "key < "+arg(it.last))
	}
	if !it.started || it.reverse {
		conds = append(conds, "key >= "+arg(it.lo))
	}
	if it.hi != nil && (!it.started || !it.reverse) {
		op := "<"
		if it.hiIncl {
			op = "<="
		}
		conds = append(conds, "key "+op+" "+arg(it.hi))
	}
	order := "ASC"
	if it.reverse {
		order = "DESC"
	}
	sql := fmt.Sprintf(`SELECT key, CASE WHEN length(value) <= %d THEN value END, length(value) FROM kv WHERE %s ORDER BY key %s LIMIT %d`,
		inlineMax, strings.Join(conds, " AND "), order, chunkRows)
	rows, err := it.r.q.Query(it.r.s.ctx, sql, args...)
	if err != nil {
		return it.r.s.wrap("iterate", err)
	}
	it.rows = it.rows[:0]
	for rows.Next() {
		var rw row
		if err := rows.Scan(&rw.key, &rw.value, &rw.size); err != nil {
			rows.Close()
			return it.r.s.wrap("iterate", err)
		}
		it.rows = append(it.rows, rw)
	}
	if err := rows.Err(); err != nil {
		return it.r.s.wrap("iterate", err)
	}
	it.started = true
	if len(it.rows) < chunkRows {
		it.done = true
	}
	if len(it.rows) > 0 {
		it.last = it.rows[len(it.rows)-1].key
	}
	return nil
}

// Key is the current key.
func (it *iterator) Key() []byte { return it.rows[it.i].key }

// Value is the current key's value, read now when it is large.
func (it *iterator) Value() ([]byte, error) {
	rw := it.rows[it.i]
	if rw.size <= inlineMax {
		if rw.value == nil {
			return []byte{}, nil
		}
		return rw.value, nil
	}
	var v []byte
	err := it.r.q.QueryRow(it.r.s.ctx, `SELECT value FROM kv WHERE part = $1 AND key = $2`, it.r.s.cfg.Partition(rw.key), rw.key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, it.r.s.wrap("read value", err)
	}
	return v, nil
}

// Error is the error that ended the iteration.
func (it *iterator) Error() error { return it.err }

// Release ends the iteration.
func (it *iterator) Release() {
	if it.released {
		return
	}
	it.released = true
	it.rows = nil
	if it.release != nil {
		it.release()
	}
}
