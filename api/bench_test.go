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
