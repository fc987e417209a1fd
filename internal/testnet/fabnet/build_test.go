package fabnet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestBuildUnknownVersion(t *testing.T) {
	t.Setenv("LIANJIAN_CACHE", t.TempDir())
	if _, err := Build(context.Background(), "0.0.1", nil); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("Build(0.0.1) = %v, want ErrUnknownVersion", err)
	}
}

func TestInputsHash(t *testing.T) {
	tools, cc := t.TempDir(), t.TempDir()
	write := func(dir, name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"go.mod", "go.sum", "tools.go"} {
		write(tools, f, f)
	}
	write(cc, "go.mod", "module x")
	write(cc, "main.go", "package main")
	h1, err := inputsHash(tools, cc)
	if err != nil {
		t.Fatalf("inputsHash() = %v", err)
	}
	write(cc, "README", "not an input")
	if h2, _ := inputsHash(tools, cc); h2 != h1 {
		t.Errorf("inputsHash changed on a non-Go file")
	}
	write(cc, "main.go", "package main // changed")
	if h3, _ := inputsHash(tools, cc); h3 == h1 {
		t.Errorf("inputsHash did not change when the chaincode changed")
	}
	os.Remove(filepath.Join(tools, "go.sum"))
	if _, err := inputsHash(tools, cc); err == nil {
		t.Errorf("inputsHash() without go.sum = nil error")
	}
}

func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := lock(path)
	if err != nil {
		t.Fatalf("lock() = %v", err)
	}
	got := make(chan struct{})
	go func() {
		u, err := lock(path)
		if err == nil {
			u()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("second lock() returned while the first was held")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("second lock() still blocked after unlock")
	}
}
