package fabnet

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPortClashAndClearDir(t *testing.T) {
	dir := t.TempDir()
	n := &Network{opts: Options{Dir: dir}}
	if err := os.MkdirAll(n.path("logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(n.logPath(name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("orderer", "starting\nall good\n")
	if n.portClash() {
		t.Errorf("portClash() = true for clean logs")
	}
	write("peer0.org1.example.com", "listen tcp 127.0.0.1:7051: bind: address already in use\n")
	if !n.portClash() {
		t.Errorf("portClash() = false for a failed bind")
	}
	if err := clearDir(dir); err != nil {
		t.Fatalf("clearDir() = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("clearDir() left %d entries", len(entries))
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("clearDir() removed the dir itself: %v", err)
	}
	if err := clearDir(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("clearDir(missing) = nil error")
	}
}
