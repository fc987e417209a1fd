package pgkv_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/storage/pgkv"
)

func openDSN(t *testing.T, dsn string, mustExist bool) (*pgkv.Store, error) {
	t.Helper()
	s, err := pgkv.Open(context.Background(), pgkv.Config{
		DSN: dsn, Partitions: 4, Partition: testPartition, PrefixPartition: testPrefixPartition, MustExist: mustExist,
	})
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

// TestSerializable runs read-modify-write updates of one counter from two
// stores (two processes' connection pools) at once: the serializable
// transactions and their retries must lose no increment.
func TestSerializable(t *testing.T) {
	srv := pgtest.Shared(t)
	dsn := pgtest.NewDB(t, srv)
	a, err := openDSN(t, dsn, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := openDSN(t, dsn, true)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("chain1/checkpoint")
	const per = 25
	var wg sync.WaitGroup
	errs := make(chan error, 4*per)
	for _, s := range []*pgkv.Store{a, b, a, b} {
		wg.Go(func() {
			for range per {
				errs <- s.Update(func(rw storage.ReadWriter) error {
					var n uint64
					v, err := rw.Get(key)
					if err == nil {
						n = binary.BigEndian.Uint64(v)
					} else if !errors.Is(err, storage.ErrNotFound) {
						return err
					}
					return rw.Set(key, binary.BigEndian.AppendUint64(nil, n+1))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update = %v", err)
		}
	}
	v, err := a.Get(key)
	if err != nil || binary.BigEndian.Uint64(v) != 4*per {
		t.Fatalf("counter = %x, %v; want %d", v, err, 4*per)
	}
}

// TestSchemaVersions checks that Open records its migrations, refuses a
// database a newer binary migrated, and with MustExist one without an
// index.
func TestSchemaVersions(t *testing.T) {
	srv := pgtest.Shared(t)
	dsn := pgtest.NewDB(t, srv)
	if _, err := openDSN(t, dsn, true); !errors.Is(err, pgkv.ErrNoSchema) {
		t.Fatalf("Open(MustExist) of an empty database = %v, want ErrNoSchema", err)
	}
	s, err := openDSN(t, dsn, false)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := dsn[strings.LastIndexByte(dsn, '/')+1 : strings.IndexByte(dsn, '?')]
	out, err := srv.Exec(db, "SELECT max(version) FROM schema_migrations")
	if err != nil || out != fmt.Sprint(pgkv.SchemaVersion()) {
		t.Fatalf("schema version = %q, %v; want %d", out, err, pgkv.SchemaVersion())
	}
	if out, err := srv.Exec(db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'kv'::regclass"); err != nil || out != "4" {
		t.Fatalf("partitions = %q, %v; want 4", out, err)
	}
	// Values are stored out of line, uncompressed, in every partition.
	out, err = srv.Exec(db, `SELECT string_agg(DISTINCT attstorage::text, '') FROM pg_attribute
WHERE attname = 'value' AND attrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'kv'::regclass)`)
	if err != nil || out != "e" {
		t.Errorf("storage of the partitions' values = %q, %v; want e (external)", out, err)
	}
	if _, err := srv.Exec(db, fmt.Sprintf("INSERT INTO schema_migrations (version, name) VALUES (%d, 'future')", pgkv.SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	if _, err := openDSN(t, dsn, false); !errors.Is(err, pgkv.ErrSchemaNewer) || !strings.Contains(err.Error(), "newer lianjian") {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaNewer", err)
	}
	if err := (pgkv.Config{DSN: "postgres://h:notaport/db"}).Validate(); !errors.Is(err, pgkv.ErrConfig) {
		t.Errorf("Validate(bad port) = %v, want ErrConfig", err)
	}
	if err := (pgkv.Config{DSN: dsn, Partitions: 5000}).Validate(); !errors.Is(err, pgkv.ErrConfig) {
		t.Errorf("Validate(5000 partitions) = %v, want ErrConfig", err)
	}
}

// TestPartitionRouting checks that the keys of a partition value live in
// one partition of the table, and that an iteration over a prefix that
// decides the partition reads that partition only.
func TestPartitionRouting(t *testing.T) {
	srv := pgtest.Shared(t)
	dsn := pgtest.NewDB(t, srv)
	s, err := openDSN(t, dsn, false)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(rw storage.ReadWriter) error {
		for c := range 8 {
			for i := range 50 {
				if err := rw.Set(fmt.Appendf(nil, "chain%d/k%03d", c, i), []byte("v")); err != nil {
					return err
				}
			}
		}
		return rw.Set([]byte("global"), []byte("g"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db := dsn[strings.LastIndexByte(dsn, '/')+1 : strings.IndexByte(dsn, '?')]
	out, err := srv.Exec(db, "SELECT part, count(DISTINCT tableoid), count(*) FROM kv GROUP BY part ORDER BY part")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 9 || lines[0] != "|1|1" {
		t.Fatalf("rows per partition value:\n%s", out)
	}
	for c, l := range lines[1:] {
		if l != fmt.Sprintf("chain%d|1|50", c) {
			t.Errorf("chain%d: %q, want its 50 keys in one partition", c, l)
		}
	}
	plan, err := srv.Exec(db, `EXPLAIN SELECT key FROM kv WHERE part = 'chain3' AND key >= 'chain3/' ORDER BY key LIMIT 256`)
	if err != nil || strings.Count(plan, " on kv_p") != 1 {
		t.Errorf("plan of a pruned iteration reads %d partitions:\n%s", strings.Count(plan, " on kv_p"), plan)
	}
	it := s.NewIterator([]byte("chain3/"), nil, true)
	defer it.Release()
	n := 0
	for it.Next() {
		n++
	}
	if it.Error() != nil || n != 50 {
		t.Errorf("reverse iteration of chain3/ = %d keys, %v; want 50", n, it.Error())
	}
}

// TestRestartUnderLoad crashes the server (SIGKILL) while a writer
// commits one key per update, restarts it, and checks that the same
// store serves again without being reopened and that every update
// acknowledged before or after the crash is there.
func TestRestartUnderLoad(t *testing.T) {
	srv := pgtest.Start(t)
	s, err := openDSN(t, pgtest.NewDB(t, srv), false)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acked [][]byte
	failed := 0
	ackedN := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := fmt.Appendf(nil, "chain%d/k%06d", i%3, i)
			err := s.Update(func(rw storage.ReadWriter) error { return rw.Set(k, k) })
			mu.Lock()
			if err == nil {
				acked = append(acked, k)
			} else {
				failed++
			}
			mu.Unlock()
			if err != nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
	})
	waitFor := func(n int) {
		deadline := time.Now().Add(60 * time.Second)
		for ackedN() < n {
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("%d updates acknowledged, want %d", ackedN(), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(20)
	srv.Kill()
	time.Sleep(300 * time.Millisecond)
	before := ackedN()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(before + 20)
	close(stop)
	wg.Wait()
	if failed == 0 {
		t.Error("no update failed while the server was down")
	}
	for _, k := range acked {
		if v, err := s.Get(k); err != nil || !bytes.Equal(v, k) {
			t.Fatalf("acknowledged key %s after the restart: %q, %v", k, v, err)
		}
	}
	t.Logf("%d updates acknowledged, %d failed during the outage", len(acked), failed)
}

// TestIteratorChunks iterates more keys than one chunk holds, forward
// and in reverse, from a start, within a pruned partition and across
// partitions, with values larger than those read with their keys.
func TestIteratorChunks(t *testing.T) {
	s, err := openDSN(t, pgtest.NewDB(t, pgtest.Shared(t)), false)
	if err != nil {
		t.Fatal(err)
	}
	value := func(k []byte) []byte {
		if k[len(k)-1] == '7' { // every tenth value is 200 KB
			return bytes.Repeat(k, 200<<10/len(k))
		}
		return k
	}
	var all [][]byte
	err = s.Update(func(rw storage.ReadWriter) error {
		for c := range 2 {
			for i := range 700 {
				k := fmt.Appendf(nil, "c%d/%04d", c, i)
				all = append(all, k)
				if err := rw.Set(k, value(k)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(prefix, start string, reverse bool, want [][]byte) {
		t.Helper()
		it := s.NewIterator([]byte(prefix), []byte(start), reverse)
		defer it.Release()
		n := 0
		for it.Next() {
			if n >= len(want) || !bytes.Equal(it.Key(), want[n]) {
				t.Fatalf("%q from %q reverse %v: key %d = %q", prefix, start, reverse, n, it.Key())
			}
			v, err := it.Value()
			if err != nil || !bytes.Equal(v, value(want[n])) {
				t.Fatalf("%q: value of %q: %d bytes, %v", prefix, want[n], len(v), err)
			}
			n++
		}
		if it.Error() != nil || n != len(want) {
			t.Fatalf("%q from %q reverse %v: %d keys, %v; want %d", prefix, start, reverse, n, it.Error(), len(want))
		}
	}
	rev := func(ks [][]byte) [][]byte {
		out := make([][]byte, len(ks))
		for i, k := range ks {
			out[len(ks)-1-i] = k
		}
		return out
	}
	c1 := all[700:]
	check("c1/", "", false, c1)
	check("c1/", "", true, rev(c1))
	check("c1/", "0123", false, c1[123:])
	check("c1/", "0123", true, rev(c1[:124]))
	check("c", "", false, all)
	check("", "", true, rev(all))
}
