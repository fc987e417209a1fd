package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// hangingRPC serves a JSON-RPC endpoint that never answers; started is
// closed at its first request, which an ingest sends only after writing
// its start entry.
func hangingRPC(t *testing.T) (url string, started <-chan struct{}) {
	t.Helper()
	ch, stop := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(ch) })
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv.URL, ch
}

// auditTrail reads the audit log of the index in dir as "op target
// outcome" lines, checking its hash chain. It opens the index for
// writing, as after a crash badger must truncate its log.
func auditTrail(t *testing.T, dir string) ([]string, []supervise.Entry) {
	t.Helper()
	db, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var lines []string
	var es []supervise.Entry
	if err := db.AuditEntries(context.Background(), 1, func(e *supervise.Entry) bool {
		lines = append(lines, e.Op+" "+e.Target+" "+e.Outcome)
		es = append(es, *e)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyAudit(context.Background()); err != nil {
		t.Fatalf("VerifyAudit = %v", err)
	}
	return lines, es
}

// TestIngestAuditInterrupted cancels an ingest (as SIGINT does) while it
// waits for its node: the log has its start entry and an "interrupted"
// end entry pointing back at it.
func TestIngestAuditInterrupted(t *testing.T) {
	url, started := hangingRPC(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-started; cancel() }()
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut, getenv: func(k string) string { return map[string]string{"USER": "alice"}[k] }}
	err := run(ctx, e, []string{"ingest", "--data-dir", dir, "--evm-http", url, "--chain", "dev", "--progress", "never", "--to", "10"})
	if err == nil {
		t.Fatal("cancelled ingest returned no error")
	}
	lines, es := auditTrail(t, dir)
	if got, want := strings.Join(lines, "|"), "cli ingest dev started|cli ingest dev interrupted"; got != want {
		t.Fatalf("audit log = %q, want %q", got, want)
	}
	if es[0].Actor != "cli:alice" || es[0].Detail != "from the checkpoint to 10" || !strings.Contains(es[1].Detail, "started at entry 1") {
		t.Errorf("entries = %+v", es)
	}
}

// TestIngestAuditKilled kills an ingest with SIGKILL while it waits for
// its node: the start entry is already in the log.
func TestIngestAuditKilled(t *testing.T) {
	url, started := hangingRPC(t)
	dir := t.TempDir()
	cmd := startLianjian(t, "ingest", "--data-dir", dir, "--evm-http", url, "--chain", "dev", "--progress", "never")
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("ingest never asked its node")
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if lines, _ := auditTrail(t, dir); len(lines) != 1 || lines[0] != "cli ingest dev started" {
		t.Fatalf("audit log after kill -9 = %q, want the start entry", lines)
	}
}

// TestAuditCommandLogged runs an import and an audit to the end: each
// writes a start and an "ok" end entry naming what it worked on.
func TestAuditCommandLogged(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(fixtureDir, "fabric-2.5.9/peer")
	if _, _, err := runCmd(t, "ingest", "--data-dir", data, "--progress", "never", "--chain", "net", "--fabric-dir", dir); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if _, _, err := runCmd(t, "audit", "--data-dir", data, "--chain", "net-mychannel", "--from", "0"); err != nil {
		t.Fatalf("audit: %v", err)
	}
	lines, es := auditTrail(t, data)
	want := []string{
		"cli ingest fabric-dir " + dir + " started",
		"cli ingest fabric-dir " + dir + " ok",
		"cli audit net-mychannel started",
		"cli audit net-mychannel ok",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log = %q, want %q", lines, want)
	}
	if d := es[3].Detail; !strings.HasPrefix(d, "13 blocks") || !strings.HasSuffix(d, "started at entry 3") {
		t.Errorf("audit end detail = %q", d)
	}
}
