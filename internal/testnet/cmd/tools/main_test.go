package main

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuilder is a strings.Builder safe for the progress goroutine.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestStepProgress: a long step says it is building and then that it is
// still building; a quick (cached) step prints nothing; errors pass through.
func TestStepProgress(t *testing.T) {
	var w lockedBuilder
	out, err := step(&w, "geth x", 10*time.Millisecond, 20*time.Millisecond, func() (string, error) {
		time.Sleep(120 * time.Millisecond)
		return "/bin/geth", nil
	})
	if err != nil || out != "/bin/geth" {
		t.Fatalf("step = %q, %v", out, err)
	}
	got := w.String()
	if !strings.Contains(got, "tools: building geth x") || !strings.Contains(got, "tools: still building geth x") {
		t.Errorf("a long step printed %q, want a building note and still-building notes", got)
	}

	var quiet lockedBuilder
	want := errors.New("boom")
	if _, err := step(&quiet, "cached", time.Hour, time.Hour, func() (string, error) { return "", want }); !errors.Is(err, want) {
		t.Errorf("step error = %v, want %v", err, want)
	}
	if quiet.String() != "" {
		t.Errorf("a quick step printed %q, want nothing", quiet.String())
	}
}
