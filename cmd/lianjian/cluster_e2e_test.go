package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/natstest"
	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/internal/testnet/fabnet"
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
func (w *clusterWorker) owned() int { return w.gauge("lianjian_cluster_chains_owned") }

// partitions returns the partitions whose leases the worker holds.
func (w *clusterWorker) partitions() int { return w.gauge("lianjian_cluster_partitions_owned") }

// gauge reads one of the worker's metrics, -1 when it cannot.
func (w *clusterWorker) gauge(name string) int {
	v, ok := metricValue(w.metrics, name, "")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// e2eChain is one chain id of the failover test.
type e2eChain struct {
	id string
	// head and txs are what must end up indexed: blocks 0..head and txs
	// transactions in them (-1: at least one in every block, Fabric).
	head uint64
	txs  int
	// slowed chains are read through a slowed proxy, so the kill lands
	// mid-ingest; the Fabric channels instead grow across the kill.
	slowed bool
}

// TestClusterFailoverE2E runs three workers (real processes) over one
// PostgreSQL index, sharing six chains of the three kinds through a real
// 3-node NATS JetStream cluster: one chain id on each of two FISCO BCOS
// test chains (one with national crypto), two on a real geth node, and
// two on the channel of a real Fabric network. The FISCO and EVM chains
// are read through slowed proxies so that ingest lasts long enough to be
// interrupted, and the Fabric channel receives transactions throughout
// the kill. The worker owning the most chains is killed with SIGKILL
// while the slowed chains are all mid-ingest; the survivors take them
// over within the failover bound and every block of every chain ends up
// indexed exactly once: no gap, linked, verified, no finding, every
// transaction, and every chain's audit checkpoint at the head. Three more
// kills (each after a fresh worker joins) give the median failover time.
func TestClusterFailoverE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: PostgreSQL, a NATS cluster, FISCO, geth and Fabric test chains and four lianjian processes")
	}
	ctx := context.Background()
	srv := pgtest.Start(t)
	dsn := pgtest.NewDB(t, srv)
	nc := natstest.StartT(t, 3)
	var chains []*e2eChain
	var yaml strings.Builder
	const fiscoHead = 250
	for i := range 2 {
		ch, err := fisconet.Start(ctx, fisconet.Options{Version: 3, GM: i == 1, BulkBlocks: fiscoHead, BulkTxs: 2 * fiscoHead, Interval: time.Hour, DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer ch.Stop()
		c := &e2eChain{id: fmt.Sprintf("fisco%d", i), head: fiscoHead, txs: 2 * fiscoHead, slowed: true}
		chains = append(chains, c)
		fmt.Fprintf(&yaml, "  - {id: %s, kind: fisco, crypto: %s, fisco: {rpc: %q, group: group0}, ingest: {poll_interval: 200ms, batch: 1}}\n",
			c.id, map[bool]string{false: "intl", true: "gm"}[i == 1], slowProxy(t, ch.URL, 40*time.Millisecond))
	}
	node, evmHead, evmTxs := startEVM(t, 60)
	for i := range 2 {
		c := &e2eChain{id: fmt.Sprintf("evm%d", i), head: evmHead, txs: evmTxs, slowed: true}
		chains = append(chains, c)
		fmt.Fprintf(&yaml, "  - {id: %s, evm: {http: %q}, ingest: {poll_interval: 200ms, batch: 1}}\n", c.id, slowProxy(t, node.HTTP, 100*time.Millisecond))
	}
	fab := startFabric(t)
	profile, err := fab.ConnectionProfile("Org1")
	if err != nil {
		t.Fatal(err)
	}
	user, err := fab.User("Org1", "User1")
	if err != nil {
		t.Fatal(err)
	}
	var fabChains []*e2eChain
	for i := range 2 {
		c := &e2eChain{id: fmt.Sprintf("fab%d", i), txs: -1}
		fabChains = append(fabChains, c)
		fmt.Fprintf(&yaml, "  - {id: %s, kind: fabric, ingest: {poll_interval: 200ms}, fabric: {network: testnet%d, profile: %s, channels: [%s], chain_ids: {%s: %s}, user: {msp_id: %s, msp_dir: %s}}}\n",
			c.id, i, profile, fab.Channel(), fab.Channel(), c.id, user.MSPID, user.MSPDir)
	}
	chains = append(chains, fabChains...)
	const partitions = 6
	apiPort, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: %s
api: {listen: "127.0.0.1:%d"}
index: {store: %q}
cluster: {partitions: %d, lease_ttl: 2s, poll_interval: 200ms}
chains:
%s`, filepath.Join(t.TempDir(), "data"), apiPort, dsn, partitions, yaml.String()))
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
	// spread holds when every live worker holds partitions and every job
	// runs. Partitions, not jobs, are what the workers share: the chain
	// ids hash to partitions, and a worker whose partitions hold no chain
	// owns no job (here 7 jobs fall into 4 of the 6 partitions).
	spread := func() bool {
		parts := 0
		for _, w := range live {
			p := w.partitions()
			if p < 1 {
				return false
			}
			parts += p
		}
		return parts == partitions && total(live) == jobs
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

	// Kill while every slowed chain is mid-ingest and transactions keep
	// reaching the Fabric channel.
	midIngest := func(*clusterWorker) bool {
		for _, c := range chains {
			if h, ok := height(c.id); c.slowed && (!ok || h < 2 || h >= c.head-c.head/5) {
				return false
			}
		}
		return true
	}
	traffic := fabricTraffic(t, fab)
	var times []time.Duration
	// midIngest held just before the SIGKILL; the chains the survivors
	// already owned go on ingesting during the takeover, so their
	// heights after it prove nothing about the kill.
	times = append(times, kill(midIngest))
	puts := traffic(2) // and two more blocks for the new owners to follow
	fabHeight, err := fab.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fabChains {
		c.head = fabHeight - 1
	}
	t.Logf("%d Fabric transactions across the kill; channel head %d, EVM head %d (%d transactions)", puts, fabHeight-1, evmHead, evmTxs)
	waitFor(t, "every chain indexed to its head", 5*time.Minute, func() bool {
		for _, c := range chains {
			if h, ok := height(c.id); !ok || h < c.head {
				return false
			}
		}
		return true
	})
	waitFor(t, "every chain's audit checkpoint at the head", 2*time.Minute, func() bool {
		for _, c := range chains {
			if cp, err := db.AuditCheckpoint(ctx, c.id); err != nil || cp.Height < c.head {
				return false
			}
		}
		return true
	})
	for _, c := range chains {
		checkExactlyOnce(t, db, c.id, c.head, c.txs)
	}

	// An API server over the same index reports every chain, with the
	// heads the workers publish.
	apiToken = createToken(t, cfg)
	defer func() { apiToken = "" }()
	apiSrv := startLianjian(t, "serve", "--config", cfg, "--role", "api", "--nats", nc.URL())
	defer func() { _ = apiSrv.Process.Kill(); _ = apiSrv.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1", apiPort)
	waitFor(t, "the API server to report every chain caught up", time.Minute, func() bool {
		for _, c := range chains {
			var v chainView
			if getJSON(base+"/chains/"+c.id, &v) != nil || v.Head == nil || v.Lag == nil || *v.Head != c.head || *v.Lag != 0 {
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
// linked to its parent and verified, with txs transactions in all (-1:
// at least one in every block) and no finding: the kill left no gap and
// no duplicate.
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
		av, _, _, err := db.AuditVerdicts(ctx, id, h)
		if err != nil {
			t.Fatalf("%s: AuditVerdicts(%d) = %v", id, h, err)
		}
		v := b.Verdict
		if v.Status == "" { // verified by the audit only (Fabric)
			v = av
		}
		if h > 0 && (v.Status != ledger.Verified || av.Status != ledger.Verified) {
			t.Fatalf("%s: Block(%d) verdict = %+v, audit verdict %+v", id, h, v, av)
		}
		if txs < 0 && len(b.Txs) == 0 {
			t.Fatalf("%s: Block(%d) has no transaction", id, h)
		}
		n += len(b.Txs)
		prev = b
	}
	if txs >= 0 && n != txs {
		t.Errorf("%s: %d transactions indexed, want %d", id, n, txs)
	}
	for _, cat := range []ledger.Category{ledger.CatIntegrity, ledger.CatCrypto} {
		fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: id, Category: cat}, ledger.Page{Limit: 5})
		if err != nil || len(fs) > 0 {
			t.Errorf("%s: %s findings after the kill: %v", id, cat, err)
			for _, f := range fs {
				t.Errorf("%s: finding %s at %d: %s", id, f.Rule, f.Subject.Height, f.Message)
			}
		}
	}
}

// startEVM starts a real geth dev node with the scripted traffic and bulk
// more transfers, and returns it with its head and the number of
// transactions in blocks 0..head.
func startEVM(t *testing.T, bulk int) (*geth.Node, uint64, int) {
	t.Helper()
	ctx := context.Background()
	node, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Stop)
	if _, err := node.Drive(ctx, geth.TrafficOptions{Bulk: bulk}); err != nil {
		t.Fatal(err)
	}
	head := evmQuantity(t, node, "eth_blockNumber")
	txs := 0
	for h := range head + 1 {
		txs += int(evmQuantity(t, node, "eth_getBlockTransactionCountByNumber", fmt.Sprintf("0x%x", h)))
	}
	return node, head, txs
}

// evmQuantity calls a JSON-RPC method of node that returns a quantity.
func evmQuantity(t *testing.T, node *geth.Node, method string, params ...any) uint64 {
	t.Helper()
	var hex string
	if err := node.Call(context.Background(), &hex, method, params...); err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(hex, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", method, hex, err)
	}
	return n
}

// startFabric starts a real Fabric network with a few transactions on
// its channel.
func startFabric(t *testing.T) *fabnet.Network {
	t.Helper()
	ctx := context.Background()
	n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("fabnet.Start = %v", err)
	}
	t.Cleanup(n.Stop)
	if _, err := n.BulkPut(ctx, "pre", 20, 4); err != nil {
		t.Fatal(err)
	}
	return n
}

// fabricTraffic puts keys on the Fabric channel, one transaction after
// the other, until the returned function is called: it lets more further
// transactions commit, stops, and returns how many were put in all.
func fabricTraffic(t *testing.T, n *fabnet.Network) func(more int64) int64 {
	t.Helper()
	var stop atomic.Bool
	var puts atomic.Int64
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		for !stop.Load() {
			k := fmt.Sprintf("live%d", puts.Load())
			if _, err = n.Put(context.Background(), k, "v"+k); err != nil {
				return
			}
			puts.Add(1)
		}
	}()
	return func(more int64) int64 {
		for want := puts.Load() + more; puts.Load() < want; {
			select {
			case <-done:
				t.Fatalf("fabric traffic after %d puts: %v", puts.Load(), err)
			case <-time.After(50 * time.Millisecond):
			}
		}
		stop.Store(true)
		<-done
		if err != nil {
			t.Fatalf("fabric traffic after %d puts: %v", puts.Load(), err)
		}
		return puts.Load()
	}
}
