package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/natstest"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

func TestServeRoleFlags(t *testing.T) {
	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\n", filepath.Join(t.TempDir(), "data")))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "worker"}, "cluster.nats"},
		{[]string{"--role", "ingest"}, "cluster.role"},
		{[]string{"--role", "worker", "--nats", "nats://127.0.0.1:1", "--worker-name", "a.b"}, "worker name"},
		{[]string{"--role", "worker", "--nats", "nats://127.0.0.1:1", "--metrics-listen", "nowhere"}, "cluster.metrics_listen"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runCmd(t, append([]string{"serve", "--config", cfg}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve %v = %v, want an error about %s", tc.args, err, tc.want)
			}
		})
	}
}

// metricValue reads the first sample of a /metrics page named name
// whose labels include label (`chain="alpha"`; empty: any).
func metricValue(url, name, label string) (string, bool) {
	resp, err := http.Get(url)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", false
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{[^}]*` + regexp.QuoteMeta(label) + `[^}]*\} (\S+)$`).FindSubmatch(b)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

// TestServeWorkerAndAPIRoles runs serve --role worker over a real 3-node
// NATS cluster and two chains of a real geth node: the worker owns both
// (and the shared stages), ingests and audits them, reporting its share
// on /metrics. Then it stops, and serve --role api over the same index
// serves what the worker stored without ingesting anything itself.
func TestServeWorkerAndAPIRoles(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a NATS cluster and a real geth node")
	}
	ctx := context.Background()
	nc := natstest.StartT(t, 3)
	node, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Stop()
	if _, err := node.Drive(ctx, geth.TrafficOptions{Bulk: 10}); err != nil {
		t.Fatal(err)
	}
	apiPort, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	metricsPort, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: %s
api: {listen: "127.0.0.1:%d"}
cluster: {partitions: 4, lease_ttl: 2s, poll_interval: 200ms}
chains:
  - {id: alpha, evm: {http: %q}, ingest: {poll_interval: 200ms}}
  - {id: beta, evm: {http: %q}, ingest: {poll_interval: 200ms}}
`, filepath.Join(t.TempDir(), "data"), apiPort, node.HTTP, node.HTTP))
	apiToken = createToken(t, cfg)
	defer func() { apiToken = "" }()

	worker := startLianjian(t, "serve", "--config", cfg, "--role", "worker", "--nats", nc.URL(),
		"--worker-name", "w1", "--metrics-listen", fmt.Sprintf("127.0.0.1:%d", metricsPort))
	metrics := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	waitFor(t, "the worker to own both chains and the shared stages", time.Minute, func() bool {
		v, ok := metricValue(metrics, "lianjian_cluster_chains_owned", "")
		return ok && v == "3"
	})
	waitFor(t, "the worker's metrics to show both chains caught up", time.Minute, func() bool {
		a, aok := metricValue(metrics, "lianjian_ingest_lag_blocks", `chain="alpha"`)
		b, bok := metricValue(metrics, "lianjian_ingest_lag_blocks", `chain="beta"`)
		return aok && bok && a == "0" && b == "0"
	})
	waitFor(t, "the worker's metrics to show both chains audited to the ingested height", time.Minute, func() bool {
		a, aok := metricValue(metrics, "lianjian_audit_lag_blocks", `chain="alpha"`)
		b, bok := metricValue(metrics, "lianjian_audit_lag_blocks", `chain="beta"`)
		return aok && bok && a == "0" && b == "0"
	})
	for _, id := range []string{"alpha", "beta"} {
		if v, ok := metricValue(metrics, "lianjian_audit_objects_total", fmt.Sprintf(`chain=%q,kind="block"`, id)); !ok || v == "0" {
			t.Errorf("worker: lianjian_audit_objects_total{chain=%q,kind=\"block\"} = %q, %v; want the audited blocks", id, v, ok)
		}
	}
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1", apiPort)
	if err := getJSON(base+"/chains", new(any)); err == nil {
		t.Errorf("a worker serves the API on %s", base)
	}
	head := evmQuantity(t, node, "eth_blockNumber")
	// The worker's index is locked while it runs: stop it, then check
	// what it stored through an API server.
	_ = worker.Process.Signal(syscall.SIGTERM)
	_ = worker.Wait()

	apiSrv := startLianjian(t, "serve", "--config", cfg, "--role", "api")
	defer func() { _ = apiSrv.Process.Kill(); _ = apiSrv.Wait() }()
	var heights [2]uint64
	waitFor(t, "the API server", 30*time.Second, func() bool {
		for i, id := range []string{"alpha", "beta"} {
			var c chainView
			if getJSON(base+"/chains/"+id, &c) != nil || c.Height == nil {
				return false
			}
			heights[i] = *c.Height
		}
		return true
	})
	for i, h := range heights {
		if h < head {
			t.Errorf("chain %d height %d, want the head %d the worker ingested", i, h, head)
		}
	}
	for i, id := range []string{"alpha", "beta"} {
		checkAudited(t, base, "", id, heights[i])
	}
	if _, err := node.Drive(ctx, geth.TrafficOptions{Bulk: 3}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	var c chainView
	if err := getJSON(base+"/chains/alpha", &c); err != nil || *c.Height != heights[0] {
		t.Errorf("after new blocks, an API server's alpha height = %v, %v; want %d: it must not ingest", c.Height, err, heights[0])
	}
}
