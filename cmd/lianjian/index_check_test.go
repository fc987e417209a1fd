package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// cliIndex builds an index with the CLI from the shared Fabric fixtures
// (two ingests, two tables), adds a chain description of 1.2 MB, so
// that a blob segment holds it, and an API token,
// so that the audit log has an entry. It returns the directory and the
// segment's path inside it.
func cliIndex(t *testing.T) (dir, seg string) {
	t.Helper()
	needFixtures(t)
	dir = t.TempDir()
	for _, f := range []struct{ fixture, chain string }{{"fabric-2.5.9/peer", "up"}, {"fabric-gm-sm2/peer", "gm"}} {
		if _, _, err := runCmd(t, "ingest", "--data-dir", dir, "--progress", "never", "--chain", f.chain,
			"--fabric-dir", filepath.Join(sharedFixtures, f.fixture)); err != nil {
			t.Fatalf("ingest %s: %v", f.fixture, err)
		}
	}
	if _, _, err := runCmd(t, "users", "create", "--data-dir", dir, "--name", "ops", "--role", "regulator"); err != nil {
		t.Fatal(err)
	}
	db, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	big := ledger.Chain{ID: "big", Kind: ledger.KindFabric, Name: strings.Repeat("链", 400_000)}
	if err := db.PutChain(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var size int64
	ms, _ := filepath.Glob(filepath.Join(dir, "blobs", "*.seg"))
	for _, m := range ms {
		if st, err := os.Stat(m); err == nil && st.Size() > size {
			seg, size = filepath.Join("blobs", filepath.Base(m)), st.Size()
		}
	}
	if size < 1<<20 {
		t.Fatalf("no blob segment holds the large chain record in %s", dir)
	}
	return dir, seg
}

func copyIndex(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	copyIndexFiles(t, src, dst)
	return dst
}

func copyIndexFiles(t *testing.T, src, dst string) {
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
			copyIndexFiles(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func damageFile(t *testing.T, path string, fn func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fn(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

func flip(b []byte) []byte {
	for i := len(b) / 2; i < len(b)/2+4; i++ {
		b[i] ^= 0xff
	}
	return b
}

// runLianjian runs this test binary as `lianjian args...` in a child
// process and returns its exit code and output.
func runLianjian(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LIANJIAN_TEST_MAIN=1", "LIANJIAN_TEST_ARGS="+strings.Join(args, " "))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatal(err)
	return 0, ""
}

// TestCorruptIndexCLI damages a real index in each way and runs every
// command that opens it: each must fail with a message naming the file
// and what to do, exit 1 without a Go trace, and 'index check' must
// report the damage.
func TestCorruptIndexCLI(t *testing.T) {
	pristine, _ := cliIndex(t)
	fixture := filepath.Join(sharedFixtures, "fabric-2.5.9/peer")
	commands := [][]string{
		{"serve", "--listen", "127.0.0.1:0"},
		{"ingest", "--progress", "never", "--chain", "up", "--fabric-dir", fixture},
		{"audit", "--chain", "up-mychannel"},
		{"auditlog", "verify"},
		{"auditlog", "list"},
		{"report", "--format", "json"},
		{"users", "list"},
		{"nodes", "list"},
		{"scan", "--chain", "up-mychannel", "--source", "killable", "testdata/scan/killable.hex"},
	}
	tests := []struct {
		name   string
		file   string
		damage func([]byte) []byte
	}{
		{"truncated table", "000001.sst", func(b []byte) []byte { return b[:len(b)/2] }},
		{"flipped bytes in a table", "000002.sst", flip},
		{"truncated MANIFEST", "MANIFEST", func(b []byte) []byte { return b[:len(b)-3] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyIndex(t, pristine)
			path := filepath.Join(dir, tc.file)
			damageFile(t, path, tc.damage)
			for _, args := range commands {
				args := append(args, "--data-dir", dir)
				_, _, err := runCmd(t, args...)
				if !errors.Is(err, index.ErrCorrupt) {
					t.Errorf("%s = %v, want a corrupt index error", args[0], err)
					continue
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "restore it from a backup") ||
					!strings.Contains(msg, "lianjian index check --data-dir "+dir) {
					t.Errorf("%s error %q does not name %s and what to do", args[0], msg, path)
				}
			}
			for _, args := range [][]string{{"serve", "--listen", "127.0.0.1:0"}, {"auditlog", "verify"}} {
				code, out := runLianjian(t, append(args, "--data-dir", dir)...)
				if code != 1 || !strings.Contains(out, path) || strings.Contains(out, "goroutine ") || strings.Contains(out, "panic:") {
					t.Errorf("lianjian %s exited %d with\n%s\nwant exit 1 naming %s, no Go trace", args[0], code, out, path)
				}
			}
			checkDamaged(t, dir, tc.file)
		})
	}
}

// checkDamaged runs 'index check' on a damaged index in both languages.
func checkDamaged(t *testing.T, dir, file string) {
	t.Helper()
	out, _, err := runCmd(t, "index", "check", "--data-dir", dir)
	if !errors.Is(err, errDamaged) || !strings.Contains(out, "索引已损坏") || !strings.Contains(out, "  "+file+": ") ||
		!strings.Contains(out, "从备份恢复 "+dir) {
		t.Errorf("index check = %v with\n%s\nwant the damage to %s reported in Chinese", err, out, file)
	}
	out, _, err = runCmd(t, "index", "check", "--data", dir, "--lang", "en")
	if !errors.Is(err, errDamaged) || !strings.Contains(out, "index DAMAGED: "+dir) || !strings.Contains(out, "  "+file+": ") {
		t.Errorf("index check --lang en = %v with\n%s\nwant the damage to %s reported", err, out, file)
	}
	if code, out := runLianjian(t, "index", "check", "--data-dir", dir); code != 1 || strings.Contains(out, "goroutine ") {
		t.Errorf("lianjian index check exited %d with\n%s\nwant 1", code, out)
	}
}

// TestCorruptValueCLI damages the blob segment holding a large value,
// which Open does not read: commands run until they read the damaged
// value, then fail naming the file.
func TestCorruptValueCLI(t *testing.T) {
	pristine, seg := cliIndex(t)
	dir := copyIndex(t, pristine)
	if _, _, err := runCmd(t, "users", "create", "--name", "t", "--role", "auditor", "--data-dir", dir); err != nil { // a writer
		t.Fatal(err)
	}
	path := filepath.Join(dir, seg)
	damageFile(t, path, flip)
	if _, _, err := runCmd(t, "users", "list", "--data-dir", dir); err != nil {
		t.Errorf("users list = %v; it reads no damaged value", err)
	}
	_, _, err := runCmd(t, "audit", "--chain", "big", "--data-dir", dir)
	if !errors.Is(err, index.ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "index check") {
		t.Errorf("audit --chain big = %v, want a corrupt index error naming %s", err, path)
	}
	checkDamaged(t, dir, seg)
	out, _, _ := runCmd(t, "index", "check", "--data-dir", dir, "--lang", "en")
	if !strings.Contains(out, "keys c/big") {
		t.Errorf("index check does not name the damaged key c/big:\n%s", out)
	}
}

func TestIndexCheckClean(t *testing.T) {
	dir, _ := cliIndex(t)
	out, _, err := runCmd(t, "index", "check", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "索引完好："+dir) {
		t.Errorf("index check = %v with\n%s\nwant a clean report", err, out)
	}
	out, _, err = runCmd(t, "index", "check", "--data-dir", dir, "--lang", "en")
	if err != nil || !strings.Contains(out, "index OK: "+dir) {
		t.Errorf("index check --lang en = %v with\n%s\nwant a clean report", err, out)
	}
	if code, out := runLianjian(t, "index", "check", "--data-dir", dir); code != 0 {
		t.Errorf("lianjian index check exited %d with\n%s\nwant 0", code, out)
	}
	for _, args := range [][]string{{"users", "list"}, {"auditlog", "list"}, {"report", "--format", "json"}} {
		if _, _, err := runCmd(t, append(args, "--data-dir", dir)...); err != nil {
			t.Errorf("%s on a clean index = %v", args[0], err)
		}
	}
}

func TestIndexCheckErrors(t *testing.T) {
	for _, args := range [][]string{{"index"}, {"index", "repair"}, {"index", "check", "--lang", "fr"}} {
		if _, _, err := runCmd(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("%q = %v, want a usage error", args, err)
		}
	}
	if _, _, err := runCmd(t, "index", "check", "--data-dir", t.TempDir()); err == nil || errors.Is(err, errDamaged) {
		t.Errorf("index check of an empty directory = %v, want 'no index'", err)
	}
	dir := t.TempDir()
	db, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, _, err = runCmd(t, "index", "check", "--data-dir", dir)
	if !errors.Is(err, index.ErrLocked) || !strings.Contains(err.Error(), "stop 'lianjian serve'") {
		t.Errorf("index check of an open index = %v, want ErrLocked", err)
	}
	_, _, err = runCmd(t, "users", "list", "--data-dir", dir)
	if !errors.Is(err, index.ErrLocked) || !strings.Contains(err.Error(), "is 'lianjian serve' running") {
		t.Errorf("users list on an open index = %v, want ErrLocked with a hint", err)
	}
}

// TestIndexCheckAfterKill checks an index whose writer was killed: its
// files pass, its write-ahead log waits for the next writer, and every
// command still opens it (a torn log is no damage).
func TestIndexCheckAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a lianjian process")
	}
	pristine, _ := cliIndex(t)
	dir := copyIndex(t, pristine)
	cmd := startLianjian(t, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0")
	for i := 0; ; i++ {
		if ms, _ := filepath.Glob(filepath.Join(dir, "*.mem")); len(ms) > 0 {
			break
		}
		if i == 200 {
			t.Fatal("serve did not open the index in 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	out, _, err := runCmd(t, "index", "check", "--data-dir", dir, "--lang", "en")
	if err != nil || !strings.Contains(out, "index files OK") || !strings.Contains(out, "not closed cleanly") {
		t.Errorf("index check after kill -9 = %v with\n%s\nwant the files OK and the log left to a writer", err, out)
	}
	if _, _, err := runCmd(t, "users", "list", "--data-dir", dir); err != nil {
		t.Fatalf("users list after kill -9 = %v", err)
	}
	out, _, err = runCmd(t, "index", "check", "--data-dir", dir, "--lang", "en")
	if err != nil || !strings.Contains(out, "index OK") {
		t.Errorf("index check after a writer replayed the log = %v with\n%s", err, out)
	}
}
