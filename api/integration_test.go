package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger/index"
)

// TestIntegration serves the badger index from disk on a loopback
// listener and reads it back through net/http.
func TestIntegration(t *testing.T) {
	idx := openIndex(t, t.TempDir())
	s := newTestServer(t, Config{MaxPageSize: 2}, idx, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	base := "http://" + l.Addr().String()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	get := func(path string, out any) int {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: body is not JSON: %v: %s", path, err, body)
		}
		return resp.StatusCode
	}

	var ready Status
	if code := get("/readyz", &ready); code != http.StatusOK || ready.Status != "ready" {
		t.Fatalf("readyz = %d %+v", code, ready)
	}

	var chains List[ChainView]
	get(Version+"/chains", &chains)
	if len(chains.Items) != 4 || chains.Items[1].ID != evmChain || chains.Items[1].Height == nil || *chains.Items[1].Height != 4 {
		t.Fatalf("chains = %+v", chains)
	}
	head := chains.Items[1].Hash

	// Page through the blocks, newest first, by following next.
	var heights []uint64
	for cursor, pages := "", 0; ; pages++ {
		if pages > 5 {
			t.Fatal("block pages do not end")
		}
		var page List[BlockSummary]
		get(Version+"/chains/"+evmChain+"/blocks?limit=50&cursor="+url.QueryEscape(cursor), &page)
		for _, b := range page.Items {
			heights = append(heights, b.Height)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if fmt.Sprint(heights) != "[4 3 2 1 0]" {
		t.Fatalf("block heights over all pages = %v, want [4 3 2 1 0]", heights)
	}

	var b BlockView
	if code := get(Version+"/chains/"+evmChain+"/blocks/"+head, &b); code != http.StatusOK || b.Height != 4 || b.Hash != head {
		t.Fatalf("block by checkpoint hash %s = %d %+v", head, code, b)
	}

	var txs List[TxView]
	if code := get(Version+"/txs/"+b.Txs[0].ID, &txs); code != http.StatusOK || len(txs.Items) != 1 || txs.Items[0].Height != 4 {
		t.Fatalf("tx %s in any chain = %d %+v", b.Txs[0].ID, code, txs)
	}

	seen := map[string]bool{}
	for cursor, pages := "", 0; ; pages++ {
		if pages > 10 {
			t.Fatal("finding pages do not end")
		}
		var page List[FindingView]
		get(Version+"/findings?cursor="+url.QueryEscape(cursor), &page)
		for _, f := range page.Items {
			if seen[f.ID] {
				t.Fatalf("finding %s on two pages", f.ID)
			}
			seen[f.ID] = true
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if len(seen) != 7 {
		t.Fatalf("findings over all pages = %d, want 7", len(seen))
	}

	var e ErrorBody
	if code := get(Version+"/chains/"+evmChain+"/blocks/x1", &e); code != http.StatusBadRequest || e.Error.Code != codeBadRequest {
		t.Fatalf("bad ref = %d %+v", code, e)
	}
}

// TestReadyzClosedIndex checks that readiness follows the index: ready
// while it is open, 503 once it is closed.
func TestReadyzClosedIndex(t *testing.T) {
	db, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{}, db, nil)
	if code, body := do(t, s.Handler(), http.MethodGet, "/readyz", nil); code != http.StatusOK {
		t.Fatalf("readyz on an open index = %d %s", code, body)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	code, body := do(t, s.Handler(), http.MethodGet, "/readyz", nil)
	if code != http.StatusServiceUnavailable || field(t, body, "error.code") != codeUnavailable {
		t.Fatalf("readyz on a closed index = %d %s, want 503 unavailable", code, body)
	}
	if code, _ := do(t, s.Handler(), http.MethodGet, "/healthz", nil); code != http.StatusOK {
		t.Fatalf("healthz on a closed index = %d, want 200", code)
	}
}
