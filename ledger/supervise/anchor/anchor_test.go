package anchor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// memStore is an in-memory Store.
type memStore struct {
	mu  sync.Mutex
	es  []supervise.Entry
	cps []supervise.Checkpoint
}

func (m *memStore) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		e := supervise.Entry{Action: supervise.Action{Time: time.Now(), Actor: "cli", Op: "cli users create", Outcome: "ok"}}
		var prev *supervise.Entry
		if len(m.es) > 0 {
			prev = &m.es[len(m.es)-1]
		}
		e.Seal(prev)
		m.es = append(m.es, e)
	}
}

func (m *memStore) AuditEntries(_ context.Context, from uint64, fn func(e *supervise.Entry) bool) error {
	m.mu.Lock()
	es := slices.Clone(m.es)
	m.mu.Unlock()
	for i := range es {
		if es[i].Seq >= from && !fn(&es[i]) {
			break
		}
	}
	return nil
}

func (m *memStore) AuditCheckpoints(_ context.Context, from uint64, fn func(c *supervise.Checkpoint) bool) error {
	m.mu.Lock()
	cps := slices.Clone(m.cps)
	m.mu.Unlock()
	for i := range cps {
		if cps[i].Seq >= from && !fn(&cps[i]) {
			break
		}
	}
	return nil
}

func (m *memStore) LastAuditCheckpoint(context.Context) (supervise.Checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cps) == 0 {
		return supervise.Checkpoint{}, ledger.ErrNotFound
	}
	return m.cps[len(m.cps)-1], nil
}

func (m *memStore) PutAuditCheckpoint(_ context.Context, c supervise.Checkpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.Seq != uint64(len(m.cps))+1 {
		return fmt.Errorf("%w: seq %d", ledger.ErrInvalid, c.Seq)
	}
	m.cps = append(m.cps, c)
	return nil
}

func newSigner(t *testing.T) *supervise.Signer {
	t.Helper()
	priv, _, err := supervise.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := supervise.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readFile(t *testing.T, path string) []supervise.Checkpoint {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cps, err := supervise.ReadCheckpoints(f)
	if err != nil {
		t.Fatal(err)
	}
	return cps
}

// hook is a webhook receiver that fails while down is set.
type hook struct {
	mu   sync.Mutex
	down bool
	got  []supervise.Checkpoint
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	b, _ := io.ReadAll(r.Body)
	c, err := supervise.ParseCheckpoint(b)
	if err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad checkpoint", http.StatusBadRequest)
		return
	}
	h.got = append(h.got, c)
}

func (h *hook) seqs() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s []uint64
	for _, c := range h.got {
		s = append(s, c.Seq)
	}
	return s
}

func TestCheckpointPublishes(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	st := &memStore{}
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "checkpoints.jsonl")
	s := newSigner(t)
	a, err := New(Config{File: file, Webhook: srv.URL}, st, s, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	st.add(3)
	c, fresh, err := a.Checkpoint(ctx)
	if err != nil || !fresh || c.Seq != 1 || c.Size != 3 {
		t.Fatalf("Checkpoint = %+v, %t, %v; want a new checkpoint 1 of 3 entries", c, fresh, err)
	}
	if err := s.Public().Verify(&c); err != nil {
		t.Fatal(err)
	}
	if c, fresh, err := a.Checkpoint(ctx); err != nil || fresh || c.Seq != 1 {
		t.Fatalf("Checkpoint(unchanged) = %d, %t, %v; want checkpoint 1 again", c.Seq, fresh, err)
	}
	// The webhook is down for checkpoint 2: it is stored and in the file,
	// and delivered with checkpoint 3.
	h.mu.Lock()
	h.down = true
	h.mu.Unlock()
	st.add(1)
	if _, _, err := a.Checkpoint(ctx); err == nil {
		t.Fatal("Checkpoint with the webhook down = nil error")
	}
	h.mu.Lock()
	h.down = false
	h.mu.Unlock()
	st.add(2)
	if c, _, err := a.Checkpoint(ctx); err != nil || c.Seq != 3 || c.Size != 6 {
		t.Fatalf("Checkpoint = %d (%d entries), %v; want 3 (6 entries)", c.Seq, c.Size, err)
	}
	if got := h.seqs(); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Errorf("webhook got checkpoints %v, want 1 2 3", got)
	}
	cps := readFile(t, file)
	if len(cps) != 3 || !cps[2].Equal(&st.cps[2]) {
		t.Errorf("file = %+v, want the 3 stored checkpoints", cps)
	}
	// A new process (another Anchor) catches the file up from the index.
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{File: file}, st, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, fresh, err := b.Checkpoint(ctx); err != nil || fresh {
		t.Fatalf("Checkpoint(catch up) = %t, %v", fresh, err)
	}
	if cps := readFile(t, file); len(cps) != 3 {
		t.Errorf("file after catching up has %d checkpoints, want 3", len(cps))
	}
}

func TestCheckpointRefusesTamperedLog(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t)
	for _, tc := range []struct {
		name   string
		tamper func(st *memStore)
		want   error
	}{
		{"tail deleted", func(st *memStore) { st.es = st.es[:7] }, supervise.ErrTruncated},
		{"tail deleted, new entries appended", func(st *memStore) { st.es = st.es[:7]; st.add(5) }, supervise.ErrRewritten},
		{"head entry rewritten", func(st *memStore) {
			st.es[9].Outcome = "denied"
			st.es[9].Seal(&st.es[8])
		}, supervise.ErrRewritten},
		{"entry after the checkpoint edited", func(st *memStore) { st.add(2); st.es[10].Outcome = "denied" }, supervise.ErrBrokenChain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &memStore{}
			a, err := New(Config{File: filepath.Join(t.TempDir(), "cp")}, st, s, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			st.add(10)
			if _, _, err := a.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			tc.tamper(st)
			if _, _, err := a.Checkpoint(ctx); !errors.Is(err, tc.want) {
				t.Fatalf("Checkpoint after tampering = %v, want %v", err, tc.want)
			}
			if len(st.cps) != 1 {
				t.Fatalf("%d checkpoints stored, want 1: a tampered log is never signed", len(st.cps))
			}
		})
	}
	t.Run("first checkpoint over a broken chain", func(t *testing.T) {
		st := &memStore{}
		st.add(4)
		st.es[1].Actor = "mallory"
		a, _ := New(Config{Webhook: "http://127.0.0.1:1/"}, st, s, nil, nil)
		if _, _, err := a.Checkpoint(ctx); !errors.Is(err, supervise.ErrBrokenChain) {
			t.Fatalf("Checkpoint = %v, want ErrBrokenChain", err)
		}
	})
}

func TestCheckpointFileAheadOfIndex(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t)
	file := filepath.Join(t.TempDir(), "cp")
	st := &memStore{}
	st.add(2)
	a, _ := New(Config{File: file}, st, s, nil, nil)
	if _, _, err := a.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	st.add(1)
	if _, _, err := a.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// The index is restored from a backup older than the file.
	restored := &memStore{es: st.es[:2], cps: st.cps[:1]}
	b, _ := New(Config{File: file}, restored, s, nil, nil)
	if _, _, err := b.Checkpoint(ctx); !errors.Is(err, supervise.ErrMissingCheckpoint) {
		t.Fatalf("Checkpoint over a restored index = %v, want ErrMissingCheckpoint", err)
	}
	if err := os.WriteFile(file, []byte("{garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := New(Config{File: file}, st, s, nil, nil)
	if _, _, err := c.Checkpoint(ctx); !errors.Is(err, supervise.ErrFormat) {
		t.Fatalf("Checkpoint with a garbled file = %v, want ErrFormat", err)
	}
}

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	st := &memStore{}
	file := filepath.Join(t.TempDir(), "cp")
	a, err := New(Config{File: file, Interval: time.Second}, st, newSigner(t), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	st.add(2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n, _ := LastInFile(file); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint written within 10s at a 1s interval")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{},
		{File: "f", Interval: time.Millisecond},
		{Webhook: "ftp://x"},
		{Webhook: "http://"},
		{File: "f", Timeout: -1},
	} {
		c.Defaults()
		if err := c.Validate(); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", c, err)
		}
	}
}
