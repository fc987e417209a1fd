package index

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestVerifiedRecord checks that a writer records its tables as verified
// at Close, and that a write to a recorded table, even one that puts back
// its modification time, makes Open verify it again.
func TestVerifiedRecord(t *testing.T) {
	dir, _ := buildIndex(t)
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	v := readVerified(dir)
	path := filepath.Join(dir, "000001.sst")
	if !v.trusted(1, path) || !v.trusted(2, filepath.Join(dir, "000002.sst")) {
		t.Fatalf("verified record %v does not hold tables 1 and 2 as they are", v)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	flipMiddle(t, path)
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if v.trusted(1, path) && changeTime(st) != 0 {
		t.Fatal("a rewritten table is still trusted")
	}
	_, err = Open(dir, Options{})
	var ce *CorruptError
	if changeTime(st) != 0 && (!errors.As(err, &ce) || ce.File != "000001.sst") {
		t.Errorf("Open after a write to a verified table = %v, want a *CorruptError naming 000001.sst", err)
	}
	if err := os.WriteFile(filepath.Join(dir, verifiedFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if v := readVerified(dir); len(v) != 0 {
		t.Errorf("readVerified of a broken record = %v, want empty", v)
	}
}
