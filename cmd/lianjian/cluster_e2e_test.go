package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/natstest"
	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// clusterWorker is one `lianjian serve --role worker` process.
type clusterWorker struct {
	name    string
	cmd     *exec.Cmd
	metrics string
}

// owned returns the jobs (chains, and the shared stages) the worker runs.
func (w *clusterWorker) owned() int {
	v, ok := metricValue(w.metrics, "lianjian_cluster_chains_owned", "")
	if !ok {
		return -1
	}
	n, _ := strconv.Atoi(v)
	return n
}

// TestClusterFailoverE2E runs three workers (real processes) over one
// PostgreSQL index, sharing six chains through a real 3-node NATS
// JetStream cluster. The six chains are three chain ids each on two FISCO
// BCOS test chains (one with national crypto), every id through its own
// slowed proxy so that ingest lasts long enough to be interrupted. The
// worker owning the most chains is killed with SIGKILL while all of them
// are mid-ingest; the survivors take them over within the failover bound
// and every block of every chain ends up indexed exactly once: no gap,
// linked, verified, no finding, every transaction. Three more kills
// (each after a fresh worker joins) give the median failover time.
func TestClusterFailoverE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: PostgreSQL, a NATS cluster, two FISCO test chains and four lianjian processes")
	}
	ctx := context.Background()
	srv := pgtest.Start(t)
	dsn := pgtest.NewDB(t, srv)
	nc := natstest.StartT(t, 3)
	const head = 250
	var nets [2]*fisconet.Chain
	for i := range nets {
		ch, err := fisconet.Start(ctx, fisconet.Options{Version: 3, GM: i == 1, BulkBlocks: head, BulkTxs: 2 * head, Interval: time.Hour, DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer ch.Stop()
		nets[i] = ch
	}
	var chains []string
	var yaml strings.Builder
	for i, ch := range nets {
		crypto := map[bool]string{false: "intl", true: "gm"}[i == 1]
		for j := range 3 {
			id := fmt.Sprintf("fisco%d-%d", i, j)
			chains = append(chains, id)
			fmt.Fprintf(&yaml, "  - {id: %s, kind: fisco, crypto: %s, fisco: {rpc: %q, group: group0}, ingest: {poll_interval: 200ms, batch: 1}}\n",
				id, crypto, slowProxy(t, ch.URL, 40*time.Millisecond))
		}
	}
	apiPort, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: %s
api: {listen: "127.0.0.1:%d"}
index: {store: %q}
cluster: {partitions: 6, lease_ttl: 2s, poll_interval: 200ms}
chains:
%s`, filepath.Join(t.TempDir(), "data"), apiPort, dsn, yaml.String()))
	const bound = 2*time.Second + 3*200*time.Millisecond // cluster.Config.FailoverBound
	jobs := len(chains) + 1                              // and the shared stages

	seq := 0
	start := func() *clusterWorker {
		seq++
		port, err := geth.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		w := &clusterWorker{name: fmt.Sprintf("w%d", seq), metrics: fmt.Sprintf("http://127.0.0.1:%d/metrics", port)}
		w.cmd = startLianjian(t, "serve", "--config", cfg, "--role", "worker", "--nats", nc.URL(),
			"--worker-name", w.name, "--metrics-listen", fmt.Sprintf("127.0.0.1:%d", port))
		t.Cleanup(func() { _ = w.cmd.Process.Kill(); _ = w.cmd.Wait() })
		return w
	}
	live := []*clusterWorker{start(), start(), start()}
	total := func(ws []*clusterWorker) int {
		n := 0
		for _, w := range ws {
			if o := w.owned(); o > 0 {
				n += o
			}
		}
		return n
	}
	spread := func() bool {
		for _, w := range live {
			if w.owned() < 1 {
				return false
			}
		}
		return total(live) == jobs
	}
	waitFor(t, "three workers sharing the chains", 2*time.Minute, spread)

	db := openPG(t, dsn)
	height := func(id string) (uint64, bool) {
		cp, err := db.Checkpoint(ctx, id)
		return cp.Height, err == nil
	}
	// kill SIGKILLs the worker owning the most jobs once ready() holds,
	// and returns the time until the survivors own every job again.
	kill := func(ready func(*clusterWorker) bool) time.Duration {
		t.Helper()
		var victim *clusterWorker
		waitFor(t, "a victim", time.Minute, func() bool {
			victim = slices.MaxFunc(live, func(a, b *clusterWorker) int { return a.owned() - b.owned() })
			return total(live) == jobs && ready(victim)
		})
		n := victim.owned()
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		_ = victim.cmd.Wait()
		live = slices.DeleteFunc(live, func(w *clusterWorker) bool { return w == victim })
		for total(live) != jobs {
			if time.Since(killed) > time.Minute {
				t.Fatalf("the %d jobs of killed worker %s not taken over", n, victim.name)
			}
			time.Sleep(25 * time.Millisecond)
		}
		took := time.Since(killed)
		t.Logf("worker %s (%d jobs) killed; taken over in %s (bound %s)", victim.name, n, took, bound)
		return took
	}

	// Kill while every chain is mid-ingest.
	midIngest := func(*clusterWorker) bool {
		for _, id := range chains {
			if h, ok := height(id); !ok || h < 5 || h >= head-20 {
				return false
			}
		}
		return true
	}
	var times []time.Duration
	times = append(times, kill(midIngest))
	for _, id := range chains {
		if h, _ := height(id); h >= head {
			t.Fatalf("chain %s at %d already complete after the kill: the kill was not mid-ingest", id, h)
		}
	}
	waitFor(t, "every chain indexed to its head", 5*time.Minute, func() bool {
		for _, id := range chains {
			if h, ok := height(id); !ok || h < head {
				return false
			}
		}
		return true
	})
	for _, id := range chains {
		checkExactlyOnce(t, db, id, head, 2*head)
	}

	// An API server over the same index reports every chain, with the
	// heads the workers publish.
	apiToken = createToken(t, cfg)
	defer func() { apiToken = "" }()
	apiSrv := startLianjian(t, "serve", "--config", cfg, "--role", "api", "--nats", nc.URL())
	defer func() { _ = apiSrv.Process.Kill(); _ = apiSrv.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1", apiPort)
	waitFor(t, "the API server to report every chain caught up", time.Minute, func() bool {
		for _, id := range chains {
			var c chainView
			if getJSON(base+"/chains/"+id, &c) != nil || c.Head == nil || c.Lag == nil || *c.Head != head || *c.Lag != 0 {
				return false
			}
		}
		return true
	})

	// More kills, each after a fresh worker has joined, for the median.
	for range 3 {
		live = append(live, start())
		waitFor(t, "three workers sharing the chains again", 2*time.Minute, spread)
		times = append(times, kill(func(*clusterWorker) bool { return true }))
	}
	slices.Sort(times)
	median := times[len(times)/2]
	t.Logf("failover times %v, median %s, bound %s", times, median, bound)
	for _, d := range times {
		if d > bound+2*time.Second {
			t.Errorf("failover took %s, want within the bound %s (+2s for a loaded machine)", d, bound)
		}
	}
}

// checkExactlyOnce checks that chain id holds blocks 0..head, each once,
// linked to its parent and verified, with txs transactions in all and no
// finding: the kill left no gap and no duplicate.
func checkExactlyOnce(t *testing.T, db *index.DB, id string, head uint64, txs int) {
	t.Helper()
	ctx := context.Background()
	if cp, err := db.Checkpoint(ctx, id); err != nil || cp.Height != head {
		t.Fatalf("%s: Checkpoint = %d, %v; want %d", id, cp.Height, err, head)
	}
	n := 0
	var prev *ledger.Block
	for h := uint64(0); h <= head; h++ {
		b, err := db.Block(ctx, id, h)
		if err != nil {
			t.Fatalf("%s: Block(%d) = %v (gap)", id, h, err)
		}
		if prev != nil && string(prev.Hash) != string(b.ParentHash) {
			t.Fatalf("%s: Block(%d) does not link to block %d", id, h, h-1)
		}
		if h > 0 && b.Verdict.Status != ledger.Verified {
			t.Fatalf("%s: Block(%d).Verdict = %+v", id, h, b.Verdict)
		}
		n += len(b.Txs)
		prev = b
	}
	if n != txs {
		t.Errorf("%s: %d transactions indexed, want %d", id, n, txs)
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: id, MinSeverity: ledger.Medium}, ledger.Page{Limit: 5})
	if err != nil || len(fs) > 0 {
		t.Errorf("%s: findings after the kill: %v %v", id, fs, err)
	}
}
