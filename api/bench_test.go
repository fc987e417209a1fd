package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkTxLookup measures a transaction lookup through the API against
// the same lookup made on the index directly, the baseline: the difference
// is the cost of routing, binding and rendering.
func BenchmarkTxLookup(b *testing.B) {
	db := openIndex(b, "")
	s := newTestServer(b, Config{}, db, nil)
	id := fixTxID("fab/1/0")
	b.Run("index", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			if _, err := db.Tx(ctx, fabChain, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("api", func(b *testing.B) {
		b.ReportAllocs()
		h := s.Handler()
		req := httptest.NewRequest(http.MethodGet, Version+"/chains/"+fabChain+"/txs/"+id, nil)
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkAuthenticatedTxLookup adds bearer-token authentication, rate
// limiting and metrics to BenchmarkTxLookup's api case: the difference is
// the cost of the security layer per request.
func BenchmarkAuthenticatedTxLookup(b *testing.B) {
	db := openIndex(b, "")
	s := newTestServer(b, Config{RateLimit: 1e9, RateBurst: 1 << 30}, db, NewTokenAuth(db))
	secret := issueTokens(b, db)["regulator"]
	id := fixTxID("fab/1/0")
	b.ReportAllocs()
	h := s.Handler()
	req := httptest.NewRequest(http.MethodGet, Version+"/chains/"+fabChain+"/txs/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
