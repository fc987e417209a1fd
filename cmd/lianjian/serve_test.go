package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
)

type chainView struct {
	ID     string  `json:"id"`
	Head   *uint64 `json:"head"`
	Height *uint64 `json:"height"`
	Lag    *uint64 `json:"lag"`
}

func getJSON(url string, out any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if apiToken != "" {
		req.Header.Set("Authorization", "Bearer "+apiToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeTwoChains runs serve over two real geth nodes configured in one
// file, checks both are ingested concurrently and followed live (over
// WebSocket), and that one node going away does not stop the other.
func TestServeTwoChains(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts two real geth nodes")
	}
	ctx := context.Background()
	var nodes [2]*geth.Node
	for i := range nodes {
		n, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Stop()
		if _, err := n.Drive(ctx, geth.TrafficOptions{Bulk: 10 * (i + 1)}); err != nil {
			t.Fatal(err)
		}
		nodes[i] = n
	}
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: %s
api: {listen: "127.0.0.1:%d"}
chains:
  - {id: alpha, evm: {http: %q, ws: %q}, ingest: {poll_interval: 200ms}}
  - {id: beta, evm: {http: %q}, ingest: {poll_interval: 200ms}}
`, filepath.Join(t.TempDir(), "data"), port, nodes[0].HTTP, nodes[0].WS, nodes[1].HTTP))
	apiToken = createToken(t, cfg)
	defer func() { apiToken = "" }()
	serve := startLianjian(t, "serve", "--config", cfg)
	defer func() { serve.Process.Kill(); serve.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1", port)

	caughtUp := func(id string) func() bool {
		return func() bool {
			var c chainView
			return getJSON(base+"/chains/"+id, &c) == nil && c.Lag != nil && *c.Lag == 0 && *c.Height > 0
		}
	}
	waitFor(t, "both chains ingested", time.Minute, func() bool { return caughtUp("alpha")() && caughtUp("beta")() })

	// Node beta goes away; alpha keeps following new blocks.
	nodes[1].Stop()
	var before chainView
	if err := getJSON(base+"/chains/alpha", &before); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[0].Drive(ctx, geth.TrafficOptions{Bulk: 3}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "alpha to follow new blocks", 30*time.Second, func() bool {
		var c chainView
		return getJSON(base+"/chains/alpha", &c) == nil && *c.Height > *before.Height && *c.Lag == 0
	})
	var list struct {
		Items []chainView `json:"items"`
	}
	if err := getJSON(base+"/chains", &list); err != nil || len(list.Items) != 2 {
		t.Fatalf("GET /chains = %+v, %v", list, err)
	}
}

// TestRetryRecoversPanics checks that a panicking chain stage is retried
// like a failing one instead of taking the service down.
func TestRetryRecoversPanics(t *testing.T) {
	calls := 0
	ctx := context.Background()
	retry(ctx, slog.New(slog.DiscardHandler), "retrying", func() error {
		calls++
		if calls == 1 {
			panic("sdk fatal")
		}
		return nil
	})
	if calls != 2 {
		t.Fatalf("retry ran f %d times, want 2 (one panic, one success)", calls)
	}
}
