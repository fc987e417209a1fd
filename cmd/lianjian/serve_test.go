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
	ID          string  `json:"id"`
	Head        *uint64 `json:"head"`
	Height      *uint64 `json:"height"`
	Lag         *uint64 `json:"lag"`
	AuditHeight *uint64 `json:"auditHeight"`
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

// waitAudited waits until the auditor that serve runs for chain id has
// re-verified it up to the height ingested when the wait began, and
// returns that height.
func waitAudited(t *testing.T, base, id string) uint64 {
	t.Helper()
	var c chainView
	if err := getJSON(base+"/chains/"+id, &c); err != nil || c.Height == nil {
		t.Fatalf("GET chain %s = %+v, %v; want an ingested chain", id, c, err)
	}
	h := *c.Height
	waitFor(t, fmt.Sprintf("the audit of %s to reach height %d", id, h), time.Minute, func() bool {
		return getJSON(base+"/chains/"+id, &c) == nil && c.AuditHeight != nil && *c.AuditHeight >= h
	})
	return h
}

// checkAudited checks what the API shows of the audit of chain id up to
// height h: its audit height, an audit verdict of every block, verified,
// and no integrity finding. metrics, when not empty, is the /metrics page
// that must count the audited blocks of the chain.
func checkAudited(t *testing.T, base, metrics, id string, h uint64) {
	t.Helper()
	var c chainView
	if err := getJSON(base+"/chains/"+id, &c); err != nil || c.AuditHeight == nil || *c.AuditHeight < h {
		t.Errorf("GET chain %s: auditHeight %v, %v; want at least %d", id, c.AuditHeight, err, h)
	}
	for n := uint64(0); n <= h; n++ {
		var b struct {
			Audit *struct {
				Status string `json:"status"`
			} `json:"audit"`
		}
		if err := getJSON(fmt.Sprintf("%s/chains/%s/blocks/%d", base, id, n), &b); err != nil || b.Audit == nil || b.Audit.Status != "verified" {
			t.Errorf("GET %s block %d: audit %+v, %v; want verified", id, n, b.Audit, err)
		}
	}
	var fs struct {
		Items []struct {
			Rule string `json:"rule"`
		} `json:"items"`
	}
	if err := getJSON(base+"/findings?category=integrity&chain="+id, &fs); err != nil || len(fs.Items) != 0 {
		t.Errorf("GET %s integrity findings = %+v, %v; want none", id, fs.Items, err)
	}
	if metrics == "" {
		return
	}
	for _, kind := range []string{"block", "tx", "signature"} {
		if v, ok := metricValue(metrics, "lianjian_audit_objects_total", fmt.Sprintf(`chain=%q,kind=%q`, id, kind)); !ok || v == "0" {
			t.Errorf("%s: lianjian_audit_objects_total{kind=%q} = %q, %v; want audited %ss counted", id, kind, v, ok, kind)
		}
	}
}

// TestServeTwoChains runs serve over two real geth nodes configured in one
// file, checks both are ingested concurrently and followed live (over
// WebSocket), audited through the same pipeline as Fabric channels (audit
// checkpoints at the head, verdicts in the API, audit metrics), and that
// one node going away does not stop the other.
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
	for _, id := range []string{"alpha", "beta"} {
		checkAudited(t, base, fmt.Sprintf("http://127.0.0.1:%d/metrics", port), id, waitAudited(t, base, id))
	}

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
