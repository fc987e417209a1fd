package index

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// mappedRSS sums the resident size of the mappings of the index's tables
// and value logs in dir, from /proc/self/smaps.
func mappedRSS(t *testing.T, dir string) int64 {
	t.Helper()
	var sum int64
	for _, m := range indexMappings(t, dir) {
		sum += m.rss
	}
	return sum
}

// fileMapping is a mapping of an index table or value log, from
// /proc/self/smaps.
type fileMapping struct {
	path   string
	off    uint64
	rss    int64
	random bool // VmFlags rr: marked MADV_RANDOM
}

// indexMappings lists the mappings of the index's tables and value logs
// in dir.
func indexMappings(t *testing.T, dir string) []fileMapping {
	t.Helper()
	abs, _ := filepath.Abs(dir)
	abs, _ = filepath.EvalSymlinks(abs)
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	var out []fileMapping
	var cur *fileMapping
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSuffix(line, "\n")
		if _, off, path, ok := indexMapping(line, abs); ok {
			out = append(out, fileMapping{path: path, off: off})
			cur = &out[len(out)-1]
			continue
		}
		if fs := strings.Fields(line); len(fs) >= 5 && strings.Contains(fs[0], "-") {
			cur = nil
			continue
		}
		switch {
		case cur != nil && strings.HasPrefix(line, "Rss:"):
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			cur.rss = kb << 10
		case cur != nil && strings.HasPrefix(line, "VmFlags:"):
			cur.random = slices.Contains(strings.Fields(line)[1:], "rr")
		}
	}
	return out
}

// TestMappedBudget writes and reads back about 40 MB of records kept in
// badger's tables, and checks that with a budget the pages of the mapped
// tables leave the process's resident set, and that without one they
// stay (so that the test can fail).
func TestMappedBudget(t *testing.T) {
	if _, ok := fileRSS(); !ok {
		t.Skip("no RssFile in /proc/self/status")
	}
	for _, budget := range []int64{-1, 1} {
		t.Run(fmt.Sprint("budget ", budget), func(t *testing.T) {
			// The index is opened through a symlink, into a directory
			// whose name has a space: /proc/self/maps names the real path.
			real := filepath.Join(t.TempDir(), "索引 dir")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(real, dir); err != nil {
				t.Fatal(err)
			}
			for session := range 2 {
				db, err := Open(dir, Options{MappedBudget: budget})
				if err != nil {
					t.Fatal(err)
				}
				for i := range 50 {
					err := db.update(context.Background(), func(txn kv) error {
						for j := range 100 {
							// 4,000 bytes that do not compress, below the blob threshold.
							val := make([]byte, 4000)
							rand.Read(val)
							if err := txn.Set(fmt.Appendf(nil, "~/k/%d/%03d/%03d", session, i, j), val); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				if err := db.Close(); err != nil { // flushes the memtables to tables
					t.Fatal(err)
				}
			}
			db, err := Open(dir, Options{MappedBudget: budget})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			n := 0
			err = db.view(func(txn kv) error {
				it := txn.NewIterator([]byte("~/k/"), nil, false)
				defer it.Release()
				for it.Next() {
					if _, err := it.Value(); err != nil {
						return err
					}
					n++
				}
				return it.Error()
			})
			if err != nil || n != 10000 {
				t.Fatalf("read back %d records, %v", n, err)
			}
			var rss int64
			for range 10 {
				time.Sleep(residentCheck)
				if rss = mappedRSS(t, dir); budget > 0 && rss < 4<<20 {
					break
				}
			}
			if budget > 0 && rss >= 4<<20 {
				t.Errorf("with a budget the mapped tables keep %d MiB resident, want under 4", rss>>20)
			}
			if budget > 0 {
				tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
				for _, path := range tables {
					st, err := os.Stat(path)
					if err != nil {
						t.Fatal(err)
					}
					// Data blocks of 4 kB values, then an index and a
					// bloom filter of a few kB.
					if n := tableDataLen(path); n < st.Size()/2 || n >= st.Size() {
						t.Errorf("%s: data length %d of %d bytes", filepath.Base(path), n, st.Size())
					}
				}
			}
			// The index and bloom filter stay resident, also in a
			// mapping that marking the data for random reads split off,
			// through more rounds of the watch (TestWatchAdvice).
			time.Sleep(3 * residentCheck)
			random := 0
			for _, m := range indexMappings(t, dir) {
				if !strings.HasSuffix(m.path, ".sst") {
					continue
				}
				if m.random {
					random++
				}
				if n := tableDataLen(m.path); n > 0 && int64(m.off) >= n&^(pageSize-1) {
					if m.rss == 0 {
						t.Errorf("%s: the index part (from offset %d) was paged out", filepath.Base(m.path), m.off)
					}
				}
			}
			if budget < 0 && random > 0 {
				t.Errorf("without a budget %d table mappings are marked for random reads", random)
			}
			if budget < 0 && rss < 8<<20 {
				t.Errorf("without a budget the mapped tables keep only %d MiB resident: the test cannot tell", rss>>20)
			}
		})
	}
}

func TestIndexMapping(t *testing.T) {
	dir := "/var/lib/lian jian"
	for _, tc := range []struct {
		line string
		off  uint64
		ok   bool
	}{
		{"7f00a000-7f00c000 r--s 00000000 fd:01 1234   /var/lib/lian jian/000012.sst", 0, true},
		{"7f00a000-7f00c000 r--s 0001f000 fd:01 1234   /var/lib/lian jian/000012.sst", 0x1f000, true},
		{"7f00a000-7f00c000 r--s 00000000 fd:01 1234   /var/lib/lian jian/000003.vlog", 0, true},
		{"7f00a000-7f00c000 rw-s 00000000 fd:01 1234   /var/lib/lian jian/00017.mem", 0, false},
		{"7f00a000-7f00c000 r--s 00000000 fd:01 1234   /var/lib/other/000012.sst", 0, false},
		{"7f00a000-7f00c000 rw-p 00000000 00:00 0 ", 0, false},
		{"7f00c000-7f00a000 r--s 00000000 fd:01 1234   /var/lib/lian jian/000012.sst", 0, false},
		{"7f00a000-7f00c000 r--s zz fd:01 1234   /var/lib/lian jian/000012.sst", 0, false},
	} {
		span, off, path, ok := indexMapping(tc.line, dir)
		if ok != tc.ok || ok && (span != [2]uintptr{0x7f00a000, 0x7f00c000} || off != tc.off || filepath.Dir(path) != dir) {
			t.Errorf("indexMapping(%q) = %x, %x, %q, %v; want offset %x, ok %v", tc.line, span, off, path, ok, tc.off, tc.ok)
		}
	}
}

// writeTable writes a file shaped like a badger table (data blocks, an
// index, its length, a checksum and its length), maps it and reads every
// page of it, and returns the mapping.
func writeTable(t *testing.T, path string, data, index int) []byte {
	t.Helper()
	b := make([]byte, data+index)
	rand.Read(b)
	b = binary.BigEndian.AppendUint32(b, uint32(index))
	b = append(b, 1, 2, 3, 4, 5, 6, 7, 8)
	b = binary.BigEndian.AppendUint32(b, 8)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, len(b), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(m) })
	touch(m)
	return m
}

var sink byte

// touch reads every page of m.
func touch(m []byte) {
	for i := 0; i < len(m); i += pageSize {
		sink += m[i]
	}
}

// TestWatchAdvice checks the advice pageOutMapped gives table data: random
// reads on an index where no table appeared for quietAfterWrite (and on
// its first round), normal reads (the kernel's read-around, for
// compactions) while new tables appear; and that the index part of a
// table, in the mapping the advice splits off, is never paged out.
func TestWatchAdvice(t *testing.T) {
	dir := t.TempDir()
	const data, index = 16 * pageSize, 2 * pageSize
	a := writeTable(t, filepath.Join(dir, "000001.sst"), data, index)
	w := &tableWatch{dataLen: map[string]int64{}}
	t0 := time.Now()
	check := func(round string, random bool) {
		t.Helper()
		tables := map[string]bool{}
		for _, m := range indexMappings(t, dir) {
			tables[filepath.Base(m.path)] = true
			if int64(m.off) >= data {
				if m.random || m.rss == 0 {
					t.Errorf("%s: %s index part (offset %d): random %v, %d bytes resident; want normal and resident",
						round, filepath.Base(m.path), m.off, m.random, m.rss)
				}
			} else if m.random != random {
				t.Errorf("%s: %s data (offset %d) marked random %v, want %v", round, filepath.Base(m.path), m.off, m.random, random)
			}
		}
		if len(tables) == 0 {
			t.Fatalf("%s: no table mappings in /proc/self/smaps", round)
		}
	}
	rounds := []struct {
		name   string
		at     time.Time
		random bool
		before func()
	}{
		{"first round", t0, true, nil},
		{"again", t0.Add(time.Second), true, func() { touch(a) }},
		{"a new table", t0.Add(2 * time.Second), false, func() {
			touch(a)
			writeTable(t, filepath.Join(dir, "000002.sst"), data, index)
		}},
		{"within quietAfterWrite", t0.Add(2*time.Second + quietAfterWrite - time.Second), false, func() { touch(a) }},
		{"after quietAfterWrite", t0.Add(2*time.Second + quietAfterWrite), true, func() { touch(a) }},
		{"and again", t0.Add(3*time.Second + quietAfterWrite), true, func() { touch(a) }},
	}
	for _, r := range rounds {
		if r.before != nil {
			r.before()
		}
		if err := pageOutMapped(dir, w, r.at); err != nil {
			t.Skipf("madvise: %v", err)
		}
		check(r.name, r.random)
	}
}
