package index

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mappedRSS sums the resident size of the mappings of the index's tables
// and value logs in dir, from /proc/self/smaps.
func mappedRSS(t *testing.T, dir string) int64 {
	t.Helper()
	abs, _ := filepath.Abs(dir)
	abs, _ = filepath.EvalSymlinks(abs)
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	var sum int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if _, _, ok := indexMapping(line, abs); ok {
			in = true
			continue
		}
		if fs := strings.Fields(line); len(fs) >= 6 && strings.Contains(fs[0], "-") {
			in = false
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			sum += kb << 10
		}
	}
	return sum
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
		ok   bool
	}{
		{"7f00a000-7f00c000 r--s 00000000 fd:01 1234   /var/lib/lian jian/000012.sst", true},
		{"7f00a000-7f00c000 r--s 00000000 fd:01 1234   /var/lib/lian jian/000003.vlog", true},
		{"7f00a000-7f00c000 rw-s 00000000 fd:01 1234   /var/lib/lian jian/00017.mem", false},
		{"7f00a000-7f00c000 r--s 00000000 fd:01 1234   /var/lib/other/000012.sst", false},
		{"7f00a000-7f00c000 rw-p 00000000 00:00 0 ", false},
		{"7f00c000-7f00a000 r--s 00000000 fd:01 1234   /var/lib/lian jian/000012.sst", false},
	} {
		span, path, ok := indexMapping(tc.line, dir)
		if ok != tc.ok || ok && (span != [2]uintptr{0x7f00a000, 0x7f00c000} || filepath.Dir(path) != dir) {
			t.Errorf("indexMapping(%q) = %x, %q, %v; want ok %v", tc.line, span, path, ok, tc.ok)
		}
	}
}
