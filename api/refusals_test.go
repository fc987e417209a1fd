package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// auditEntries reads the whole audit log.
func auditEntries(t *testing.T, db *index.DB) []supervise.Entry {
	t.Helper()
	var out []supervise.Entry
	if err := db.AuditEntries(context.Background(), 1, func(e *supervise.Entry) bool {
		out = append(out, *e)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// loopbackClient sends requests from the loopback address local, so one
// test can act as several client addresses.
func loopbackClient(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16}}
}

// TestUnauthenticatedFlood floods the real server on loopback with
// requests carrying made-up tokens, as an outsider would, while token
// holders keep working from the same and from another address. The
// flood must be answered 429 once over the per-address budget, write
// nothing while it lasts and leave one audit entry per address; the
// token holders must not notice it.
func TestUnauthenticatedFlood(t *testing.T) {
	db := openIndex(t, "")
	secrets := issueTokens(t, db)
	s := newTestServer(t, Config{}, db, NewTokenAuth(db)) // default limits
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()
	base := "http://" + l.Addr().String()
	attacker, other := loopbackClient("127.0.0.1"), loopbackClient("127.0.0.2")
	defer attacker.CloseIdleConnections()
	defer other.CloseIdleConnections()
	do := func(c *http.Client, method, path, token, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	before := len(auditEntries(t, db))
	const flood, workers = 2000, 8
	var (
		mu         sync.Mutex
		codes      = map[int]int{}
		noRetry    int
		legitCodes = map[string]map[int]int{"127.0.0.1": {}, "127.0.0.2": {}}
		wg         sync.WaitGroup
	)
	jobs := make(chan int)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				fake := fmt.Sprintf("lj_%016x_%s", i, strings.Repeat("A", 43))
				code, retry := do(attacker, http.MethodPost, Version+"/users", fake, `{"name":"x","role":"regulator"}`)
				mu.Lock()
				codes[code]++
				if code == http.StatusTooManyRequests && retry == "" {
					noRetry++
				}
				mu.Unlock()
			}
		})
	}
	for addr, c := range map[string]*http.Client{"127.0.0.1": attacker, "127.0.0.2": other} {
		wg.Go(func() {
			for range 20 {
				code, _ := do(c, http.MethodGet, Version+"/rules", secrets["regulator"], "")
				mu.Lock()
				legitCodes[addr][code]++
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	for i := range flood {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	// Another address has its own budget.
	if code, _ := do(other, http.MethodPost, Version+"/users", "lj_0000000000000000_"+strings.Repeat("B", 43), `{}`); code != http.StatusUnauthorized {
		t.Errorf("bad token from 127.0.0.2 during the flood = %d, want 401", code)
	}
	during := len(auditEntries(t, db)) - before
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	entries := auditEntries(t, db)[before:]

	t.Logf("%d bad-token requests in %v: %d × 401, %d × 429; audit entries: %d during the flood, %d in all",
		flood, elapsed.Round(time.Millisecond), codes[401], codes[429], during, len(entries))
	maxPass := defaultUnauthBurst + int(elapsed.Seconds()*defaultUnauthRate) + 1
	switch {
	case codes[401]+codes[429] != flood:
		t.Errorf("flood answers = %v, want only 401 and 429", codes)
	case codes[401] > maxPass:
		t.Errorf("%d requests answered 401 in %v; the budget is %d", codes[401], elapsed, maxPass)
	case codes[429] == 0:
		t.Error("no request was answered 429")
	case noRetry > 0:
		t.Errorf("%d answers 429 lack Retry-After", noRetry)
	}
	for addr, cs := range legitCodes {
		if cs[200] != 20 {
			t.Errorf("valid token from %s during the flood: %v, want 20 × 200", addr, cs)
		}
	}
	if during != 0 {
		t.Errorf("the flood wrote %d audit entries while it lasted, want 0", during)
	}
	// One summary per address: the flood's and the single probe's.
	got := map[string]string{}
	for _, e := range entries {
		if e.Op != opRefused {
			t.Errorf("entry %d: %s %s, want only refusal summaries", e.Seq, e.Op, e.Target)
			continue
		}
		got[e.Remote] = e.Outcome + " " + e.Target
	}
	want := map[string]string{
		"127.0.0.1": fmt.Sprintf("refused %d (401: %d, 429: %d) POST /api/v1/users", flood, codes[401], codes[429]),
		"127.0.0.2": "refused 1 (401: 1, 429: 0) POST /api/v1/users",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("refusal summaries = %v, want %v", got, want)
	}
	if n, err := db.VerifyAudit(context.Background()); err != nil {
		t.Errorf("VerifyAudit = %d, %v", n, err)
	}
}

// TestRefusalsBounded feeds the refusal counter and the limiter more
// clients than they track: memory and entries stay bounded and no
// refusal goes uncounted.
func TestRefusalsBounded(t *testing.T) {
	const clients, maxClients = 5000, 16
	t0 := time.Unix(1_700_000_000, 0)
	r := newRefusals(time.Minute, maxClients)
	l := newLimiter(1, 2, maxClients)
	l.now = func() time.Time { return t0 }
	for i := range clients {
		key := fmt.Sprintf("10.0.%d.%d", i/256, i%256)
		for range 3 {
			ok, _ := l.allow(key)
			if due := r.note(t0.Add(time.Duration(i)*time.Millisecond), key, tally{actor: "anonymous", remote: key, first: "GET /x"}, !ok); len(due) > 0 {
				t.Fatalf("client %d: %d summaries due inside the window", i, len(due))
			}
		}
	}
	if n := l.size(); n > maxClients {
		t.Errorf("limiter tracks %d clients, want at most %d", n, maxClients)
	}
	if n := len(r.open); n > maxClients+1 {
		t.Errorf("refusals track %d clients, want at most %d", n, maxClients+1)
	}
	due := r.close(t0.Add(2*time.Minute), false)
	total, overflow := 0, ""
	for _, a := range due {
		var n, u, lim int
		fmt.Sscanf(a.Outcome, "refused %d (401: %d, 429: %d)", &n, &u, &lim)
		total += n
		if a.Remote == overflowKey {
			overflow = a.Outcome
		}
	}
	if len(due) > maxClients+1 || total != 3*clients || overflow == "" {
		t.Errorf("%d summaries counting %d refusals (overflow %q), want at most %d counting %d with an overflow",
			len(due), total, overflow, maxClients+1, 3*clients)
	}
	if len(r.open) != 0 {
		t.Errorf("%d windows still open after close", len(r.open))
	}
}

// TestRefusalWindow checks that one client gets one summary per window.
func TestRefusalWindow(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	r := newRefusals(time.Minute, 4)
	who := tally{actor: "anonymous", remote: "192.0.2.1", first: "POST /api/v1/users"}
	var due []supervise.Action
	for _, d := range []time.Duration{0, time.Second, 59 * time.Second, 61 * time.Second, 62 * time.Second} {
		due = append(due, r.note(t0.Add(d), who.remote, who, d > time.Second)...)
	}
	if len(due) != 1 || due[0].Outcome != "refused 3 (401: 2, 429: 1)" || due[0].Target != "POST /api/v1/users" {
		t.Fatalf("summaries after 61s = %+v, want one of 3 refusals", due)
	}
	due = r.close(t0.Add(62*time.Second), true)
	if len(due) != 1 || due[0].Outcome != "refused 2 (401: 0, 429: 2)" {
		t.Fatalf("summaries at shutdown = %+v, want one of 2 refusals", due)
	}
}
