package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzRequest sends arbitrary paths and query strings under /api/v1 and
// checks that the API never answers 500 and always answers JSON, with an
// error code on every error.
func FuzzRequest(f *testing.F) {
	for _, seed := range [][2]string{
		{"chains/evm-dev/blocks/1", "raw=1"},
		{"chains/evm-dev/blocks", "limit=2&cursor=3"},
		{"chains/evm-dev/blocks/0x" + fixTxID("x"), ""},
		{"chains/fab-gm/txs/" + fixTxID("fab/1/0"), "raw=true"},
		{"chains/evm-dev/addresses/" + fixEVMAddr + "/history", "limit=1&cursor=00"},
		{"chains/evm-dev/contracts", "cursor=zz"},
		{"findings", "chain=evm-dev&severity=high&min_severity=low&since=2026-03-01T00:00:00Z&until=2027-01-01T00:00:00+08:00"},
		{"findings", "rule=CRY-WEAK-ALGO&category=crypto&status=open&limit=100000"},
		{"txs/0x" + fixTxID("new/3/0"), ""},
	} {
		f.Add(seed[0], seed[1])
	}
	s := newTestServer(f, Config{}, openIndex(f, ""), nil)
	f.Fuzz(func(t *testing.T, path, query string) {
		u, err := url.Parse(Version + "/" + path + "?" + query)
		if err != nil {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL = u
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if rec.Code >= 500 {
			t.Fatalf("GET %s = %d %s", u, rec.Code, body)
		}
		if !json.Valid(body) {
			t.Fatalf("GET %s body is not JSON: %q", u, body)
		}
		if rec.Code >= 400 {
			var e ErrorBody
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("GET %s = %d with body %s, want an error code and message", u, rec.Code, body)
			}
		}
	})
}
