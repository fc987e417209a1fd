package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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
		{"search", "q=Org1MSP"},
		{"search", "q=CN%3DUser1%40org1.example.com%2CO%3Dorg1"},
		{"findings/" + fixFindingID() + "/history", ""},
		{"reports/supervision", "chain=fab-gm&org=Org1MSP&from=2026-03-01&to=2026-03-02T00:00:00Z&format=csv&lang=en"},
		{"auditlog", "cursor=18446744073709551615&limit=1"},
		{"alerts/deliveries", "cursor=ff"},
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
		isJSON := strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json")
		if (isJSON || rec.Code >= 400) && !json.Valid(body) {
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

// FuzzMutation sends arbitrary bodies to the mutating routes as a
// regulator and checks the same: no 500, JSON errors with a code.
func FuzzMutation(f *testing.F) {
	for _, seed := range [][3]string{
		{"POST", "findings/" + fixFindingID() + "/transitions", `{"status":"acknowledged","comment":"x"}`},
		{"POST", "findings/" + fixFindingID() + "/transitions", `{"confirm":true,"evidence":{"a":"b"},"deadline":"2026-04-01T00:00:00Z"}`},
		{"POST", "findings/nope/transitions", `{"status":"open"}`},
		{"POST", "users", `{"name":"a","role":"operator","org":"Org1MSP","ttl":"1h"}`},
		{"POST", "users", `{"name":"a","role":"auditor","ttl":"99999999999h"}`},
		{"DELETE", "users/" + fixTokenID, ""},
		{"POST", "users", `[1,2,3]`},
		{"POST", "users", `{"name":"\u0000"}`},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	db := openIndex(f, "")
	s := newTestServer(f, Config{RateLimit: -1, MaxBodyBytes: 4096}, db, NewTokenAuth(db))
	reg := issueTokens(f, db)["regulator"]
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if method != "POST" && method != "DELETE" {
			return
		}
		u, err := url.Parse(Version + "/" + path)
		if err != nil {
			return
		}
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL = u
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+reg)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		out := rec.Body.Bytes()
		if rec.Code >= 500 || !json.Valid(out) {
			t.Fatalf("%s %s %q = %d %s", method, u, body, rec.Code, out)
		}
		if rec.Code >= 400 {
			var e ErrorBody
			if err := json.Unmarshal(out, &e); err != nil || e.Error.Code == "" {
				t.Fatalf("%s %s = %d with body %s, want an error code", method, u, rec.Code, out)
			}
		}
	})
}
