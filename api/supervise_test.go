package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger/supervise"
)

// TestWorkflowOverHTTP walks a finding through the workflow as an
// operator and a regulator and checks the audit log records every
// mutating request, refused ones included.
func TestWorkflowOverHTTP(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	as := func(who string) http.Header { return http.Header{"Authorization": {"Bearer " + secrets[who]}} }
	target := Version + "/findings/" + fixFindingID() + "/transitions"
	for i, tc := range []struct {
		who, body string
		status    int
		want      map[string]any
	}{
		{"operator-org1", `{"status":"acknowledged","comment":"seen"}`, 200, map[string]any{"finding.status": "acknowledged", "change.seq": 1.0, "change.role": "operator"}},
		{"operator-org1", `{"status":"false-positive"}`, 409, nil},
		{"operator-org2", `{"status":"rectifying"}`, 404, nil},
		{"auditor", `{"status":"rectifying"}`, 403, nil},
		{"operator-org1", `{"status":"rectifying","evidence":{"ticket":"OPS-1"}}`, 200, map[string]any{"change.evidence.ticket": "OPS-1"}},
		{"regulator", `{"comment":"fix by March","deadline":"2026-04-01T00:00:00Z"}`, 200, map[string]any{"state.deadline": "2026-04-01T00:00:00Z", "change.kind": "comment"}},
		{"operator-org1", `{"status":"resolved"}`, 200, map[string]any{"finding.status": "resolved"}},
		{"operator-org1", `{"confirm":true}`, 409, nil},
		{"regulator", `{"confirm":true}`, 200, map[string]any{"state.confirmed": true, "change.kind": "confirm"}},
		{"regulator", `{"status":"open","comment":"not fixed on peer1"}`, 200, map[string]any{"finding.status": "open", "state.confirmed": false}},
		{"regulator", `{"status":"closed"}`, 400, nil},
		{"regulator", `{"status":"open","extra":1}`, 400, nil},
		{"regulator", `{"deadline":"tomorrow"}`, 400, nil},
		{"regulator", `not json`, 400, nil},
	} {
		rec := send(t, s.Handler(), "POST", target, tc.body, as(tc.who))
		if rec.Code != tc.status {
			t.Fatalf("step %d: POST %s as %s = %d %s, want %d", i, tc.body, tc.who, rec.Code, rec.Body, tc.status)
		}
		for path, want := range tc.want {
			checkField(t, target, rec.Body.Bytes(), path, want)
		}
	}
	rec := send(t, s.Handler(), "GET", Version+"/findings/"+fixFindingID()+"/history", "", as("operator-org1"))
	if rec.Code != 200 {
		t.Fatalf("history = %d %s", rec.Code, rec.Body)
	}
	checkField(t, "history", rec.Body.Bytes(), "changes.#", 6)
	checkField(t, "history", rec.Body.Bytes(), "changes.5.actor", "regulator ("+mustID(t, secrets["regulator"])+")")

	// Every POST above is in the audit log, with its outcome, and the
	// chain verifies.
	rec = send(t, s.Handler(), "GET", Version+"/auditlog?limit=100", "", as("regulator"))
	body := rec.Body.Bytes()
	checkField(t, "auditlog", body, "items.#", 14)
	checkField(t, "auditlog", body, "items.1.outcome", "409 Conflict")
	checkField(t, "auditlog", body, "items.2.outcome", "404 Not Found")
	checkField(t, "auditlog", body, "items.0.action", "POST /api/v1/findings/:id/transitions")
	checkField(t, "auditlog", body, "items.0.role", "operator")
	checkField(t, "auditlog", body, "items.0.detail", "status open -> acknowledged (entry 1)")
	rec = send(t, s.Handler(), "GET", Version+"/auditlog/verify", "", as("regulator"))
	checkField(t, "verify", rec.Body.Bytes(), "ok", true)
	checkField(t, "verify", rec.Body.Bytes(), "entries", 14.0)
}

func mustID(t *testing.T, secret string) string {
	t.Helper()
	id, err := supervise.TokenID(secret)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestUsersOverHTTP(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	reg := http.Header{"Authorization": {"Bearer " + secrets["regulator"]}}
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"name":"ops","role":"operator","org":"Org1MSP","ttl":"720h"}`, 200},
		{`{"name":"ops","role":"operator"}`, 400},
		{`{"name":"x","role":"root"}`, 400},
		{`{"name":"","role":"auditor"}`, 400},
		{`{"name":"x","role":"auditor","ttl":"-1h"}`, 400},
	} {
		rec := send(t, s.Handler(), "POST", Version+"/users", tc.body, reg)
		if rec.Code != tc.status {
			t.Fatalf("POST users %s = %d %s, want %d", tc.body, rec.Code, rec.Body, tc.status)
		}
	}
	rec := send(t, s.Handler(), "POST", Version+"/users", `{"name":"ci","role":"auditor"}`, reg)
	secret, _ := field(t, rec.Body.Bytes(), "secret").(string)
	id := mustID(t, secret)
	if rec := send(t, s.Handler(), "GET", Version+"/users", "", reg); strings.Contains(rec.Body.String(), secret) || strings.Contains(rec.Body.String(), "hash") {
		t.Fatalf("token list shows secrets: %s", rec.Body)
	}
	ci := http.Header{"Authorization": {"Bearer " + secret}}
	if rec := send(t, s.Handler(), "GET", Version+"/findings", "", ci); rec.Code != 200 {
		t.Fatalf("new token: GET findings = %d", rec.Code)
	}
	if rec := send(t, s.Handler(), "DELETE", Version+"/users/"+id, "", reg); rec.Code != 200 {
		t.Fatalf("revoke = %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, s.Handler(), "GET", Version+"/findings", "", ci); rec.Code != 401 {
		t.Fatalf("revoked token: GET findings = %d, want 401", rec.Code)
	}
	if rec := send(t, s.Handler(), "DELETE", Version+"/users/xyz", "", reg); rec.Code != 400 {
		t.Fatalf("revoke bad id = %d, want 400", rec.Code)
	}
}

func TestLimits(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{MaxBodyBytes: 64, RateLimit: 1, RateBurst: 3}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	reg := http.Header{"Authorization": {"Bearer " + secrets["regulator"]}}
	big := `{"comment":"` + strings.Repeat("x", 100) + `"}`
	rec := send(t, s.Handler(), "POST", Version+"/findings/"+fixFindingID()+"/transitions", big, reg)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("large body = %d %s, want 413", rec.Code, rec.Body)
	}
	codes := []int{}
	retry := ""
	for range 4 {
		rec := send(t, s.Handler(), "GET", Version+"/rules", "", reg)
		codes = append(codes, rec.Code)
		retry = rec.Header().Get("Retry-After")
	}
	// The POST above took the first of the 3 tokens.
	if fmt.Sprint(codes) != "[200 200 429 429]" || retry != "1" {
		t.Fatalf("4 more requests with a burst of 3 = %v (Retry-After %q), want [200 200 429 429] (1)", codes, retry)
	}
	aud := http.Header{"Authorization": {"Bearer " + secrets["auditor"]}}
	if rec := send(t, s.Handler(), "GET", Version+"/rules", "", aud); rec.Code != 200 {
		t.Fatalf("another token is limited too: %d", rec.Code)
	}
	if rec := send(t, s.Handler(), "GET", "/healthz", "", nil); rec.Code != 200 {
		t.Fatalf("probe limited: %d", rec.Code)
	}
	// The 413 has its own entry; the two 429s are counted in one summary.
	s.writeRefusals(context.Background(), s.refused.close(time.Now(), true))
	var got []string
	for _, e := range auditEntries(t, db) {
		got = append(got, e.Actor+" "+e.Op+" "+e.Outcome)
	}
	want := []string{
		"regulator (" + mustID(t, secrets["regulator"]) + ") POST /api/v1/findings/:id/transitions 413 Request Entity Too Large",
		"regulator (" + mustID(t, secrets["regulator"]) + ") refused requests refused 2 (401: 0, 429: 2)",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit log = %q, want %q", got, want)
	}
	l := newLimiter(10, 1, 8)
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("bucket of 1 refused its first request")
	}
	if ok, wait := l.allow("a"); ok || wait != 100*time.Millisecond {
		t.Fatalf("bucket of 1: second request = %v, wait %v; want refused, 100ms", ok, wait)
	}
	now = now.Add(100 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("bucket did not refill after 1/rate")
	}
}

func TestMetrics(t *testing.T) {
	s := newTestServer(t, Config{}, openIndex(t, ""), nil)
	s.metrics.AuditObserved(evmChain, "tx", 7)
	send(t, s.Handler(), "GET", Version+"/chains", "", nil)
	rec := send(t, s.Handler(), "GET", "/metrics", "", nil)
	body := rec.Body.String()
	for _, want := range []string{
		`lianjian_ingest_height{chain="evm-dev"} 4`,
		`lianjian_ingest_head{chain="evm-dev"} 10`,
		`lianjian_ingest_lag_blocks{chain="evm-dev"} 6`,
		`lianjian_findings{severity="critical",status="open"} 1`,
		`lianjian_audit_objects_total{chain="evm-dev",kind="tx"} 7`,
		`lianjian_http_request_duration_seconds_count{code="200",method="GET",route="/api/v1/chains"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

func TestReportOverHTTP(t *testing.T) {
	s := newTestServer(t, Config{}, openIndex(t, ""), nil)
	v := Version + "/reports/supervision"
	for _, tc := range []struct {
		query, ctype, contains string
		status                 int
	}{
		{"", "application/json", `"lang": "zh-CN"`, 200},
		{"?format=html", "text/html; charset=utf-8", "区块链安全监管报告", 200},
		{"?format=html&lang=en&chain=" + fabChain + "&org=Org1MSP", "text/html; charset=utf-8", "Org1MSP", 200},
		{"?format=csv&from=2026-03-01&to=2026-03-02T00:00:00Z", "text/csv; charset=utf-8", "INT-HEADER-HASH", 200},
		{"?format=pdf", "", "", 400},
		{"?lang=fr", "", "", 400},
		{"?from=yesterday", "", "", 400},
		{"?from=2026-03-02&to=2026-03-01", "", "", 400},
		{"?chain=nope", "", "", 404},
	} {
		rec := send(t, s.Handler(), "GET", v+tc.query, "", nil)
		if rec.Code != tc.status {
			t.Errorf("GET report%s = %d %s, want %d", tc.query, rec.Code, rec.Body, tc.status)
			continue
		}
		if tc.status == 200 && (rec.Header().Get("Content-Type") != tc.ctype || !strings.Contains(rec.Body.String(), tc.contains)) {
			t.Errorf("GET report%s = %s, %.200s; want %s containing %q", tc.query, rec.Header().Get("Content-Type"), rec.Body, tc.ctype, tc.contains)
		}
	}
}

func TestSearchOverHTTP(t *testing.T) {
	s := newTestServer(t, Config{}, openIndex(t, ""), nil)
	for _, tc := range []struct {
		q      string
		status int
		want   map[string]any
	}{
		{fixTxID("fab/1/0"), 200, map[string]any{"items.0.kind": "tx", "items.0.chain": fabChain, "items.0.org": "Org1MSP"}},
		{"Org1MSP", 200, map[string]any{"items.0.kind": "msp", "items.0.chain": fabChain}},
		{fixEVMAddr, 200, map[string]any{"items.0.kind": "contract", "items.1.kind": "address"}},
		{"1", 200, map[string]any{"items.#": 3}},
		{"", 400, nil},
		{strings.Repeat("a", 300), 400, nil},
	} {
		rec := send(t, s.Handler(), "GET", Version+"/search?q="+tc.q, "", nil)
		if rec.Code != tc.status {
			t.Errorf("search %q = %d %s, want %d", tc.q, rec.Code, rec.Body, tc.status)
			continue
		}
		for path, want := range tc.want {
			checkField(t, "search "+tc.q, rec.Body.Bytes(), path, want)
		}
	}
}
