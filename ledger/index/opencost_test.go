package index

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"

	"github.com/lianjian/lianjian/ledger"
)

var (
	openCostMB  = flag.Int("opencost.mb", 0, "TestOpenCost: build an index with about this many MB of tables")
	openCostDir = flag.String("opencost.dir", "", "TestOpenCost: index directory, kept and reused (default: a temporary one)")
)

// TestOpenCost times Open on a large index, each way the median of three
// runs: badger alone, without and with its own table verification;
// badger after the cheap file checks (what badger itself reads at Open);
// badger after verifying every table block (the first Open, or a table
// changed since); and Open with every table recorded as verified
// (verified.go). It runs only with -opencost.mb:
//
//	go test ./ledger/index/ -run TestOpenCost -v -opencost.mb 1024 -opencost.dir /tmp/big -timeout 30m
func TestOpenCost(t *testing.T) {
	if *openCostMB == 0 {
		t.Skip("set -opencost.mb to run")
	}
	dir := *openCostDir
	if dir == "" {
		dir = t.TempDir()
	}
	if tableBytes(t, dir) < int64(*openCostMB)<<20 {
		buildLarge(t, dir, int64(*openCostMB)<<20)
	}
	n, size := tableCount(t, dir)
	t.Logf("index %s: %d tables, %d MB", dir, n, size>>20)
	o := Options{ReadOnly: true}
	var ids []uint64
	if _, err := checkFiles(dir, o, fileCheck{}, func(d Damage) bool { t.Fatal(d.Err); return false }); err != nil {
		t.Fatal(err)
	}
	ms, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	for _, m := range ms {
		if id, ok := table.ParseFileID(filepath.Base(m)); ok {
			ids = append(ids, id)
		}
	}
	modes := []struct {
		name  string
		check func() error
		mode  options.ChecksumVerificationMode
	}{
		{"badger alone", func() error { return nil }, options.OnBlockRead},
		// Badger's own verification at Open, which Open does not use: it
		// drops a table that fails silently and panics in its goroutines.
		{"badger alone, OnTableRead", func() error { return nil }, options.OnTableRead},
		{"cheap file checks + badger", func() error { return checkBeforeOpen(dir, o, fileCheck{}) }, options.OnBlockRead},
		{"every block verified + badger", func() error { return checkBeforeOpen(dir, o, fileCheck{blocks: true}) }, options.OnBlockRead},
		{"Open, every table recorded as verified", func() error {
			return checkBeforeOpen(dir, o, fileCheck{blocks: true, verified: readVerified(dir)})
		}, options.OnBlockRead},
	}
	if err := writeVerified(dir, ids); err != nil {
		t.Fatal(err)
	}
	for _, m := range modes {
		var runs []time.Duration
		for range 3 {
			start := time.Now()
			if err := m.check(); err != nil {
				t.Fatal(err)
			}
			db, err := openBadger(o.badgerOptions(dir, nil).WithChecksumVerificationMode(m.mode))
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, time.Since(start))
			db.Close()
		}
		slices.Sort(runs)
		t.Logf("%-40s %v (runs %v)", m.name, runs[1], runs)
	}
}

// buildLarge writes transaction-like JSON records until the tables
// hold about size bytes.
func buildLarge(t *testing.T, dir string, size int64) {
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for batch := 0; tableBytes(t, dir) < size; batch++ {
		wb := db.db.NewWriteBatch()
		for i := range 20000 {
			id := make([]byte, 32)
			rand.Read(id)
			tx := ledger.Tx{
				ID: hex.EncodeToString(id), Chain: "big", Height: uint64(batch*20000 + i), Index: i % 100, Type: "legacy",
				From: "0x" + hex.EncodeToString(id[:20]), To: "0x00000000000000000000000000000000000000aa",
				Status: "success", Valid: true, Value: "1000000000000000000",
				Function: "transfer", GasPrice: "1000000000", Time: time.Unix(1_700_000_000+int64(i), 0).UTC(),
				Raw: []byte(strings.Repeat(hex.EncodeToString(id), 2)),
			}
			v, _ := json.Marshal(tx)
			if err := wb.Set(txKey("big", tx.ID), v); err != nil {
				t.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

func tableCount(t *testing.T, dir string) (n int, size int64) {
	ms, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if st, err := os.Stat(m); err == nil {
			n++
			size += st.Size()
		}
	}
	return n, size
}

func tableBytes(t *testing.T, dir string) int64 { _, s := tableCount(t, dir); return s }
