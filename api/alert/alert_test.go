package alert

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

type memRecorder struct {
	mu sync.Mutex
	ds []supervise.Delivery
	ch chan supervise.Delivery
}

func (m *memRecorder) PutDelivery(_ context.Context, d supervise.Delivery) error {
	m.mu.Lock()
	m.ds = append(m.ds, d)
	m.mu.Unlock()
	if m.ch != nil {
		m.ch <- d
	}
	return nil
}

var rule = &ledger.RuleInfo{ID: "NODE-TLS-OFF", Title: "t", Doc: "d", Severity: ledger.Critical, Category: ledger.CatNode}

func finding(org string, sev ledger.Severity) ledger.Finding {
	f := ledger.NewFinding(rule, "c", ledger.Subject{Kind: "node", Ref: "peer0", Org: org}, time.Now(), "tls off", nil)
	f.Severity = sev
	return f
}

func TestDeliverSignedWithRetry(t *testing.T) {
	defer goleak.VerifyNone(t)
	const secret = "0123456789abcdef-secret"
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
		if r.Header.Get(HeaderSignature) != Sign(secret, ts, body) {
			t.Errorf("bad signature %q", r.Header.Get(HeaderSignature))
		}
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	rec := &memRecorder{ch: make(chan supervise.Delivery, 8)}
	d, err := New(Config{
		Hooks:   []Hook{{Name: "org1", URL: srv.URL, Secret: secret, MinSeverity: ledger.High, Orgs: []string{"Org1MSP"}}},
		Backoff: time.Millisecond,
	}, rec, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	d.Notify(ctx, finding("Org2MSP", ledger.Critical)) // other org: not sent
	d.Notify(ctx, finding("Org1MSP", ledger.Low))      // below the hook's severity
	d.Notify(ctx, finding("Org1MSP", ledger.Critical))
	got := <-rec.ch
	cancel()
	<-done
	if got.Outcome != "delivered" || got.Attempts != 3 || got.Code != 200 || got.Org != "Org1MSP" {
		t.Fatalf("delivery = %+v, want delivered on the 3rd attempt", got)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("hook called %d times, want 3", n)
	}
}

func TestUnreachableHookNeverBlocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := &memRecorder{ch: make(chan supervise.Delivery, 64)}
	d, err := New(Config{
		Hooks:    []Hook{{Name: "down", URL: "http://127.0.0.1:1/hook", Secret: "0123456789abcdef", MinSeverity: ledger.Info}},
		Queue:    2,
		Attempts: 2,
		Backoff:  time.Millisecond,
		Timeout:  200 * time.Millisecond,
	}, rec, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing is delivering yet: the queue fills and the rest drop, but
	// Notify returns at once every time.
	start := time.Now()
	for range 10 {
		d.Notify(context.Background(), finding("Org1MSP", ledger.High))
	}
	if el := time.Since(start); el > 100*time.Millisecond {
		t.Fatalf("Notify blocked for %v", el)
	}
	dropped := 0
	for range 8 {
		if r := <-rec.ch; r.Outcome == "dropped" {
			dropped++
		}
	}
	if dropped != 8 {
		t.Fatalf("dropped = %d, want 8", dropped)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	for range 2 {
		if r := <-rec.ch; r.Outcome != "failed" || r.Attempts != 2 || r.Error == "" {
			t.Errorf("delivery to a closed port = %+v, want failed after 2 attempts", r)
		}
	}
	cancel()
	<-done
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Hook
	}{
		{"no name", Hook{URL: "https://x", Secret: "0123456789abcdef"}},
		{"bad url", Hook{Name: "a", URL: "ftp://x", Secret: "0123456789abcdef"}},
		{"short secret", Hook{Name: "a", URL: "https://x", Secret: "s"}},
		{"bad severity", Hook{Name: "a", URL: "https://x", Secret: "0123456789abcdef", MinSeverity: "urgent"}},
	} {
		if err := (Config{Hooks: []Hook{tc.h}}).Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Validate = %v, want ErrConfig", tc.name, err)
		}
	}
}

type memFindings []ledger.Finding

func (m memFindings) Findings(_ context.Context, q ledger.FindingFilter, _ ledger.Page) ([]*ledger.Finding, string, error) {
	var out []*ledger.Finding
	for i := range m {
		if q.Match(&m[i]) {
			out = append(out, &m[i])
		}
	}
	return out, "", nil
}

func TestPollNotifiesNewFindingsOnce(t *testing.T) {
	rec := &memRecorder{}
	d, err := New(Config{Hooks: []Hook{{Name: "all", URL: "http://127.0.0.1:1", Secret: "0123456789abcdef", MinSeverity: ledger.Info}}, Queue: 10}, rec, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1000, 0)
	old := finding("Org1MSP", ledger.High)
	old.FirstSeen, old.LastSeen = start.Add(-time.Hour), start.Add(time.Minute) // seen again: not new
	fresh := finding("Org1MSP", ledger.High)
	fresh.ID, fresh.FirstSeen, fresh.LastSeen = "fresh", start.Add(time.Second), start.Add(time.Second)
	src := memFindings{old, fresh}
	next, err := d.poll(context.Background(), src, watermarks{first: start, reopened: start})
	if err != nil || !next.first.Equal(fresh.FirstSeen) || len(d.queue) != 1 {
		t.Fatalf("poll = %v, %v, queued %d; want 1 new finding", next, err, len(d.queue))
	}
	if _, err := d.poll(context.Background(), src, next); err != nil || len(d.queue) != 1 {
		t.Fatalf("second poll queued %d, want still 1", len(d.queue))
	}
}

// TestPollNotifiesReopened resolves a finding in a real index, has the
// rule see the problem again, and checks that the reopening is alerted
// once, as its own event.
func TestPollNotifiesReopened(t *testing.T) {
	ctx := context.Background()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutChain(ctx, ledger.Chain{ID: "c", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{Hooks: []Hook{{Name: "all", URL: "http://127.0.0.1:1", Secret: "0123456789abcdef", MinSeverity: ledger.Info}}, Queue: 10}, &memRecorder{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	f := finding("Org1MSP", ledger.High)
	f.FirstSeen, f.LastSeen = t0, t0
	if err := db.PutFindings(ctx, []ledger.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ChangeFinding(ctx, f.ID, supervise.Request{To: ledger.StatusResolved, Actor: "op", Role: supervise.RoleOperator, Org: "Org1MSP", Comment: "fixed"}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	since := t0.Add(2 * time.Minute)
	w := watermarks{first: since, reopened: since}
	if next, err := d.poll(ctx, db, w); err != nil || len(d.queue) != 0 || next != w {
		t.Fatalf("poll before the re-detection = %v, %v, queued %d", next, err, len(d.queue))
	}
	again := f
	again.FirstSeen, again.LastSeen = since.Add(time.Minute), since.Add(time.Minute)
	if err := db.PutFindings(ctx, []ledger.Finding{again}); err != nil {
		t.Fatal(err)
	}
	next, err := d.poll(ctx, db, w)
	if err != nil || len(d.queue) != 1 || !next.reopened.After(since) || !next.first.Equal(next.reopened) {
		t.Fatalf("poll after the re-detection = %v, queued %d; want 1", err, len(d.queue))
	}
	if j := <-d.queue; j.event != EventReopened || j.f.Status != ledger.StatusOpen {
		t.Errorf("queued %s for a %s finding, want %s for an open one", j.event, j.f.Status, EventReopened)
	}
	if _, err := d.poll(ctx, db, next); err != nil || len(d.queue) != 0 {
		t.Errorf("second poll queued %d, want none", len(d.queue))
	}
}
