package evm_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
)

// TestNodeWithoutBlockReceipts puts a proxy in front of a real geth that
// makes eth_getBlockReceipts unknown, as on older nodes, and checks that
// ingest falls back to per-transaction receipts with the same result.
func TestNodeWithoutBlockReceipts(t *testing.T) {
	n, tr := startGeth(t, geth.TrafficOptions{Bulk: 30})
	u, err := url.Parse(n.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		body, _ := io.ReadAll(r.Out.Body)
		body = bytes.ReplaceAll(body, []byte(`"eth_getBlockReceipts"`), []byte(`"eth_noSuchMethod"`))
		r.Out.Body = io.NopCloser(bytes.NewReader(body))
		r.Out.ContentLength = int64(len(body))
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rp}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	db, _ := ingestAll(t, "http://"+l.Addr().String(), "")
	ctx := context.Background()
	for _, h := range tr.Txs {
		tx, err := db.Tx(ctx, "dev", h.Hex())
		if err != nil {
			t.Fatalf("Tx(%s) = %v", h.Hex(), err)
		}
		if tx.Status != "success" || tx.Verdict.Status != ledger.Verified {
			t.Errorf("Tx(%s) status %s verdict %s, want success and verified", h.Hex(), tx.Status, tx.Verdict.Status)
		}
	}
	if got := findingsByRule(t, db); len(got) != 0 {
		t.Errorf("fallback ingest raised findings: %v", got)
	}
}
