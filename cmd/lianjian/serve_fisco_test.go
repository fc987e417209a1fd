package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

// TestServeFiscoChains runs serve over a FISCO BCOS 3.x national-crypto
// group and a 2.x standard group (fiscochain test chains, standing in for
// FISCO nodes, which cannot run here) configured in one file with kind
// fisco: both are detected, pinned, ingested and followed live, their
// blocks verify at ingest and again in the audit, and the 3.x chain going
// away does not stop the 2.x one.
func TestServeFiscoChains(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts two FISCO test chains")
	}
	ctx := context.Background()
	gm, err := fisconet.Start(ctx, fisconet.Options{Version: 3, GM: true, Interval: 200 * time.Millisecond, Txs: 2, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer gm.Stop()
	v2, err := fisconet.Start(ctx, fisconet.Options{Version: 2, Interval: 200 * time.Millisecond, Txs: 2, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Stop()
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: %s
api: {listen: "127.0.0.1:%d"}
chains:
  - {id: shuxin-gm, kind: fisco, crypto: gm, fisco: {rpc: %q, group: group0}, ingest: {poll_interval: 200ms}}
  - {id: legacy-2x, kind: fisco, fisco: {rpc: %q, group: "1", version: 2}, ingest: {poll_interval: 200ms}}
`, filepath.Join(t.TempDir(), "data"), port, gm.URL, v2.URL))
	apiToken = createToken(t, cfg)
	defer func() { apiToken = "" }()
	serve := startLianjian(t, "serve", "--config", cfg)
	defer func() { serve.Process.Kill(); serve.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1", port)
	height := func(id string) uint64 {
		var c chainView
		if getJSON(base+"/chains/"+id, &c) != nil || c.Height == nil {
			return 0
		}
		return *c.Height
	}
	waitFor(t, "both FISCO groups ingested", time.Minute, func() bool { return height("shuxin-gm") >= 5 && height("legacy-2x") >= 5 })

	var block struct {
		Verdict struct {
			Status string `json:"status"`
		} `json:"verdict"`
	}
	for _, id := range []string{"shuxin-gm", "legacy-2x"} {
		if err := getJSON(fmt.Sprintf("%s/chains/%s/blocks/3", base, id), &block); err != nil || block.Verdict.Status != "verified" {
			t.Errorf("GET %s block 3: verdict %q, %v", id, block.Verdict.Status, err)
		}
	}
	var fs struct {
		Items []struct {
			Rule     string `json:"rule"`
			Severity string `json:"severity"`
		} `json:"items"`
	}
	if err := getJSON(base+"/findings?min_severity=medium", &fs); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs.Items {
		if f.Severity == "critical" || f.Severity == "high" {
			t.Errorf("finding on clean FISCO chains: %s %s", f.Severity, f.Rule)
		}
	}
	// Both groups are audited through the same pipeline as Fabric
	// channels: audit checkpoints reach the ingested head, and the
	// verdicts show in the API.
	for _, id := range []string{"shuxin-gm", "legacy-2x"} {
		checkAudited(t, base, fmt.Sprintf("http://127.0.0.1:%d/metrics", port), id, waitAudited(t, base, id))
	}

	gm.Stop()
	before := height("legacy-2x")
	waitFor(t, "the 2.x group to follow new blocks", 30*time.Second, func() bool { return height("legacy-2x") > before+3 })
}
