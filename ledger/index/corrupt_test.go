package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger"
)

// bigChain is a chain description over badger's 1 MiB value threshold,
// written straight into badger, so that it is stored in a value log as
// an index kept large values before the blob segments; segChain is one
// written as the index writes it, into a blob segment.
var (
	bigChain = ledger.Chain{ID: "big", Kind: ledger.KindEVM, Name: strings.Repeat("链", 400_000)}
	segChain = ledger.Chain{ID: "seg", Kind: ledger.KindEVM, Name: strings.Repeat("段", 400_000)}
)

// buildIndex builds an index on disk from the shared Fabric fixtures in
// two sessions, so that it holds two tables, a value log with a value in
// it (bigChain) and a blob segment per session (the raw blocks and, in
// the second, segChain), and
// returns its directory and the value log's name.
func buildIndex(t *testing.T) (dir, vlog string) {
	t.Helper()
	if _, err := os.Stat(fixtures); err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	dir = t.TempDir()
	for i, network := range []string{"fabric-2.5.9", "fabric-gm-sm2"} {
		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ingestFixture(t, db, []string{"up", "gm"}[i], network)
		if i == 1 {
			err := db.db.Update(func(txn *badger.Txn) error {
				v, err := json.Marshal(bigChain)
				if err == nil {
					err = txn.Set(chainKey(bigChain.ID), v)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.PutChain(context.Background(), segChain); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) < 2 {
		t.Fatalf("index has %d tables, want at least 2", len(tables))
	}
	return dir, largestFile(t, dir, "*.vlog")
}

func largestFile(t *testing.T, dir, pattern string) string {
	t.Helper()
	ms, _ := filepath.Glob(filepath.Join(dir, pattern))
	var name string
	var size int64
	for _, m := range ms {
		if st, err := os.Stat(m); err == nil && st.Size() > size {
			name, size = filepath.Base(m), st.Size()
		}
	}
	if size < 1<<20 {
		t.Fatalf("no %s file over 1 MiB in %s", pattern, dir)
	}
	return name
}

// copyDir copies the index in src to a new directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	copyFiles(t, src, dst)
	return dst
}

func copyFiles(t *testing.T, src, dst string) {
	t.Helper()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "LOCK" {
			continue
		}
		if e.IsDir() {
			if err := os.Mkdir(filepath.Join(dst, e.Name()), 0o700); err != nil {
				t.Fatal(err)
			}
			copyFiles(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
			continue
		}
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func truncateFile(t *testing.T, path string, size func(int64) int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size(st.Size())); err != nil {
		t.Fatal(err)
	}
}

// flipMiddle inverts 4 bytes in the middle of the file.
func flipMiddle(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)/2+4; i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// lastManifestRecord returns the offset of the MANIFEST's last record:
// an 8-byte magic, then records of a 4-byte length, a 4-byte CRC and the
// change set.
func lastManifestRecord(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	off, last := 8, 8
	for off+8 <= len(b) {
		last = off
		off += 8 + int(binary.BigEndian.Uint32(b[off:]))
	}
	return int64(last)
}

// listing maps each file of dir to its size.
func listing(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, e := range ents {
		if st, err := e.Info(); err == nil && e.Name() != "LOCK" {
			m[e.Name()] = st.Size()
		}
	}
	return m
}

// TestCorruptIndex damages a real index on disk in each way and checks
// that Open fails with a *CorruptError naming the file (badger would
// panic in a goroutine of its own, delete tables or cut a log), that the
// failed Open leaves the files as they were, and that Check reports the
// damage.
func TestCorruptIndex(t *testing.T) {
	pristine, vlog := buildIndex(t)
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		file   string
		kind   DamageKind
	}{
		{"truncated table", func(t *testing.T, dir string) {
			truncateFile(t, filepath.Join(dir, "000001.sst"), func(n int64) int64 { return n / 2 })
		}, "000001.sst", DamageUnreadable},
		{"table cut by 3 bytes", func(t *testing.T, dir string) {
			truncateFile(t, filepath.Join(dir, "000002.sst"), func(n int64) int64 { return n - 3 })
		}, "000002.sst", DamageUnreadable},
		{"flipped bytes in a table", func(t *testing.T, dir string) {
			flipMiddle(t, filepath.Join(dir, "000001.sst"))
		}, "000001.sst", DamageChecksum},
		{"empty table", func(t *testing.T, dir string) {
			truncateFile(t, filepath.Join(dir, "000001.sst"), func(int64) int64 { return 0 })
		}, "000001.sst", DamageUnreadable},
		{"missing table", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "000002.sst")); err != nil {
				t.Fatal(err)
			}
		}, "000002.sst", DamageMissing},
		{"flipped bytes in the value log", func(t *testing.T, dir string) {
			flipMiddle(t, filepath.Join(dir, vlog))
		}, vlog, DamageChecksum},
		{"truncated value log", func(t *testing.T, dir string) {
			truncateFile(t, filepath.Join(dir, vlog), func(n int64) int64 { return n / 2 })
		}, vlog, DamageUnreadable},
		{"MANIFEST cut inside its last record", func(t *testing.T, dir string) {
			truncateFile(t, filepath.Join(dir, badger.ManifestFilename), func(n int64) int64 { return n - 3 })
		}, badger.ManifestFilename, DamageUnlisted},
		{"MANIFEST cut before its last record", func(t *testing.T, dir string) {
			path := filepath.Join(dir, badger.ManifestFilename)
			end := lastManifestRecord(t, path)
			truncateFile(t, path, func(int64) int64 { return end })
		}, badger.ManifestFilename, DamageUnlisted},
		{"MANIFEST cut to 4 bytes", func(t *testing.T, dir string) {
			truncateFile(t, filepath.Join(dir, badger.ManifestFilename), func(int64) int64 { return 4 })
		}, badger.ManifestFilename, DamageUnreadable},
		{"MANIFEST gone", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, badger.ManifestFilename)); err != nil {
				t.Fatal(err)
			}
		}, badger.ManifestFilename, DamageMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, pristine)
			tc.damage(t, dir)
			before := listing(t, dir)
			for _, ro := range []bool{false, true} {
				db, err := Open(dir, Options{ReadOnly: ro})
				if err == nil {
					db.Close()
					t.Fatalf("Open(ReadOnly %v) of an index with %s succeeded", ro, tc.name)
				}
				var ce *CorruptError
				if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || ce.File != tc.file || ce.Kind != tc.kind {
					t.Fatalf("Open(ReadOnly %v) = %v, want a %s *CorruptError naming %s", ro, err, tc.kind, tc.file)
				}
				if !strings.Contains(err.Error(), filepath.Join(dir, tc.file)) {
					t.Errorf("Open error %q does not name %s", err, filepath.Join(dir, tc.file))
				}
			}
			if after := listing(t, dir); !equalListing(before, after) {
				t.Errorf("failed Open changed the files:\nbefore %v\nafter  %v", before, after)
			}
			r, err := Check(context.Background(), dir, Options{})
			if err != nil {
				t.Fatalf("Check = %v", err)
			}
			if r.OK() || !hasDamage(r, tc.file, tc.kind) {
				t.Errorf("Check found %+v, want %s damage in %s", r.Damage, tc.kind, tc.file)
			}
		})
	}
}

func equalListing(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func hasDamage(r *Report, file string, kind DamageKind) bool {
	for _, d := range r.Damage {
		if d.File == file && d.Kind == kind {
			return true
		}
	}
	return false
}

// TestCorruptValueOnRead damages a value log that Open does not read (an
// older one) and checks that reading the value is a *CorruptError naming
// it, where badger returns an empty value and only logs the failure, and
// that Check names the file and the key.
func TestCorruptValueOnRead(t *testing.T) {
	ctx := context.Background()
	pristine, vlog := buildIndex(t)
	dir := copyDir(t, pristine)
	db, err := Open(dir, Options{}) // a new value log becomes the newest
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	flipMiddle(t, filepath.Join(dir, vlog))
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open = %v; the damaged value log is not the newest", err)
	}
	if _, err := db.Chain(ctx, "up"); err != nil {
		t.Errorf("Chain(up) = %v; its record is intact", err)
	}
	_, err = db.Chain(ctx, bigChain.ID)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != vlog || ce.Kind != DamageChecksum || string(ce.First) != "c/big" {
		t.Errorf("Chain(big) = %v, want a checksum *CorruptError naming %s and key c/big", err, vlog)
	}
	if _, err := db.Chains(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Chains = %v, want ErrCorrupt", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	r, err := Check(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasDamage(r, vlog, DamageChecksum) || r.Skipped != "" || r.Keys == 0 {
		t.Fatalf("Check = %+v, want the value log named and every record read", r)
	}
	var keyed bool
	for _, d := range r.Damage {
		keyed = keyed || string(d.First) == "c/big"
	}
	if !keyed {
		t.Errorf("Check damage %+v does not name key c/big", r.Damage)
	}
}

func TestCheckCleanIndex(t *testing.T) {
	dir, _ := buildIndex(t)
	r, err := Check(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Skipped != "" || r.Tables < 2 || r.Logs < 2 || r.Keys < 100 {
		t.Fatalf("Check of a clean index = %+v, want OK with every file and record checked", r)
	}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after Check = %v", err)
	}
	if c, err := db.Chain(context.Background(), bigChain.ID); err != nil || c.Name != bigChain.Name {
		t.Errorf("Chain(big) = %d-byte name, %v", len(c.Name), err)
	}
	db.Close()
}

func TestCheckErrors(t *testing.T) {
	if _, err := Check(context.Background(), t.TempDir(), Options{}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Check(empty dir) = %v, want ErrNotFound", err)
	}
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Check(context.Background(), dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("Check of an open index = %v, want ErrLocked", err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second Open = %v, want ErrLocked", err)
	}
}

// TestCheckRecord checks the record invariants on values that pass every
// checksum but do not decode.
func TestCheckRecord(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"c/a", `{"id":"a","kind":"evm"}`, true},
		{"c/a", `{"id":"b","kind":"evm"}`, false},
		{"c/a", `{"id":`, false},
		{"t/a/ff", string(encodeTx(nil, &ledger.Tx{ID: "ff", Chain: "a"}, "a", rawRef{}, nil)), true},
		{"t/a/ff", string(encodeTx(nil, &ledger.Tx{ID: "ff", Chain: "b"}, "a", rawRef{}, nil)), false},
		{"t/c1/ab01", string(txRecordV1Sample(t)), true},
		{"t/c1/ab02", string(txRecordV1Sample(t)), false},
		{"t/a/ff", `{"id":"ff","chain":"a"}`, false}, // the legacy JSON format
		{"u/a/\x00\x00\x00\x00\x00\x00\x00\x01", string(encodeUndo([][]byte{[]byte("h/a/xx")})), true},
		{"u/a/\x00\x00\x00\x00\x00\x00\x00\x01", "\x01\x05h/a", false},
		{"B/a/\x00\x00\x00\x00\x00\x00\x00\x01", "any bytes", true},
		{"m/format", "\x02", true},
		{"m/format", "\x03", true},
		{"m/format", "\x04", true},
		{"m/format", "\x05", true},
		{"m/format", "\x06", true},
		{"m/format", "\x07", false},
		{"m/format", "\x01", false},
		{"h/a/xx", "\x00\x00\x00\x00\x00\x00\x00\x07", true},
		{"h/a/xx", "\x07", false},
		{"a/c/x/" + strings.Repeat("\x00", 12) + "/from", string(txIDValue(strings.Repeat("ab", 32))), true},
		{"a/c/x/" + strings.Repeat("\x00", 12) + "/from", "0xab", true},
		{"a/c/x/" + strings.Repeat("\x00", 12) + "/from", "\x00\xab", false},
		{"a/c/x/" + strings.Repeat("\x00", 12) + "/from", "a\nb", false},
		{"a/c/x/" + strings.Repeat("\x00", 12) + "/", string(encodeAddrGroup([]addrEntry{{role: "from", id: "ab"}})), true},
		{"a/c/x/" + strings.Repeat("\x00", 8) + "\x00\x00\x00\x07/", string(encodeAddrGroup([]addrEntry{{idx: 7, role: "to", id: "0xab"}})), true},
		{"a/c/x/" + strings.Repeat("\x00", 12) + "/", "ab", false},
		{"a/c/x/" + strings.Repeat("\x00", 12) + "/", "", false},
		{"x/ff/a", "", true},
		{"x/ff/a", "junk", false},
		{"T/tok", `{"id":"tok"}`, true},
		{"T/tok", "\xff", false},
		{"~/what", "{}", true},
		{"~/what", "", true},
		{"~/what", "\x01", false},
		{"c", "{}", false},
	}
	for _, tc := range tests {
		if err := checkRecord([]byte(tc.key), []byte(tc.value)); (err == nil) != tc.ok {
			t.Errorf("checkRecord(%q, %q) = %v, want ok %v", tc.key, tc.value, err, tc.ok)
		}
	}
}

// TestViewRecoversPanic checks that a panic inside a transaction (as
// badger panics on a table block that no longer parses) is a
// *CorruptError, not a crash.
func TestViewRecoversPanic(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.view(func(kv) error {
		var b []byte
		_ = b[:7] // slice bounds out of range, as in badger's table.go
		return nil
	})
	var ce *CorruptError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "slice bounds out of range") {
		t.Errorf("view with a panic = %v, want a *CorruptError", err)
	}
	err = db.commit(func(kv) error { panic("000007.sst: bad block") })
	if !errors.As(err, &ce) || ce.File != "000007.sst" {
		t.Errorf("commit with a panic = %v, want a *CorruptError naming 000007.sst", err)
	}
}

// TestRecordFormatsCoverTags checks that Check knows the value format of
// every table tag declared in keys.go.
func TestRecordFormatsCoverTags(t *testing.T) {
	src, err := os.ReadFile("keys.go")
	if err != nil {
		t.Fatal(err)
	}
	tags := regexp.MustCompile(`(?m)^\s*(?:const\s+)?(tag\w+)\s*=\s*'(.)'`).FindAllSubmatch(src, -1)
	if len(tags) < 30 {
		t.Fatalf("found %d tags in keys.go, want 30 or more", len(tags))
	}
	for _, m := range tags {
		if _, ok := recordFormats[m[2][0]]; !ok {
			t.Errorf("recordFormats has no entry for %s ('%s'); add its value format in check.go", m[1], m[2])
		}
	}
}

// TestCorruptEncrypted checks an encrypted index: Check verifies its
// blocks with the key, and Open finds a damaged block.
func TestCorruptEncrypted(t *testing.T) {
	if _, err := os.Stat(fixtures); err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	dir := t.TempDir()
	db, err := Open(dir, Options{EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ingestFixture(t, db, "up", "fabric-2.5.9")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Check(context.Background(), dir, Options{EncryptionKey: key})
	if err != nil || !r.OK() || r.Keys < 100 {
		t.Fatalf("Check = %+v, %v; want a clean encrypted index", r, err)
	}
	if _, err := Check(context.Background(), dir, Options{EncryptionKey: []byte("fedcba9876543210fedcba9876543210")}); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("Check with the wrong key = %v, want a key error, not damage", err)
	}
	flipMiddle(t, filepath.Join(dir, "000001.sst"))
	_, err = Open(dir, Options{EncryptionKey: key})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != "000001.sst" || ce.Kind != DamageChecksum {
		t.Errorf("Open of a damaged encrypted table = %v, want a checksum *CorruptError naming 000001.sst", err)
	}
}

// TestCorruptBlobSegment damages the blob segment of a real index in each
// way and checks that Open, which does not read segments, succeeds; that
// reading a value stored there is a *CorruptError naming the segment and
// the key; that the records kept in the tree still read; and that Check
// names the segment and the key and reads every other record.
func TestCorruptBlobSegment(t *testing.T) {
	ctx := context.Background()
	pristine, _ := buildIndex(t)
	// The second session's segment, which holds segChain.
	segFile := filepath.Join(blobDir, largestFile(t, filepath.Join(pristine, blobDir), "*.seg"))
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		kind   DamageKind
	}{
		{"flipped bytes", func(t *testing.T, path string) { flipMiddle(t, path) }, DamageChecksum},
		{"truncated", func(t *testing.T, path string) {
			truncateFile(t, path, func(n int64) int64 { return n / 2 })
		}, DamageUnreadable},
		{"missing", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, DamageMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, pristine)
			tc.damage(t, filepath.Join(dir, segFile))
			for _, ro := range []bool{true, false} {
				db, err := Open(dir, Options{ReadOnly: ro})
				if err != nil {
					t.Fatalf("Open(ReadOnly %v) = %v; segments are read when a value is", ro, err)
				}
				if _, err := db.Chain(ctx, "up"); err != nil {
					t.Errorf("Chain(up) = %v; its record is in the tree", err)
				}
				_, err = db.Chain(ctx, segChain.ID)
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.File != segFile || ce.Kind != tc.kind || string(ce.First) != "c/seg" {
					t.Errorf("Chain(seg) = %v, want a %s *CorruptError naming %s and key c/seg", err, tc.kind, segFile)
				}
				if !strings.Contains(fmt.Sprint(err), filepath.Join(dir, segFile)) {
					t.Errorf("Chain(seg) error %q does not name %s", err, filepath.Join(dir, segFile))
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
			r, err := Check(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var keyed bool
			for _, d := range r.Damage {
				keyed = keyed || d.File == segFile && d.Kind == tc.kind && string(d.First) == "c/seg"
			}
			if !keyed || r.Skipped != "" || r.Keys < 100 {
				t.Errorf("Check = %+v, want %s damage in %s at key c/seg and every record read", r, tc.kind, segFile)
			}
		})
	}
}

// TestBlobSegmentHoldsRawBlocks checks where an index on disk keeps the
// raw blocks: in the blob segment, each once, and not in badger's files.
func TestBlobSegmentHoldsRawBlocks(t *testing.T) {
	dir, _ := buildIndex(t)
	segs, _ := filepath.Glob(filepath.Join(dir, blobDir, "*.seg"))
	var seg []byte
	for _, path := range segs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		seg = append(seg, b...)
	}
	db, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw []byte
	for h := uint64(0); len(raw) < valueThreshold; h++ {
		if raw, err = db.RawBlock(context.Background(), "up", h); err != nil {
			t.Fatalf("no block of %d bytes or more: RawBlock(up, %d) = %v", valueThreshold, h, err)
		}
	}
	if n := bytes.Count(seg, raw); n != 1 {
		t.Errorf("the segments hold the block %d times, want once", n)
	}
	vlogs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	for _, v := range vlogs {
		b, err := os.ReadFile(v)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, raw) {
			t.Errorf("%s holds the block too", filepath.Base(v))
		}
	}
}
