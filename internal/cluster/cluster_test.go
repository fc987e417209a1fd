package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lianjian/lianjian/internal/cluster"
	"github.com/lianjian/lianjian/internal/natstest"
)

func TestConfigValidate(t *testing.T) {
	valid := func() cluster.Config {
		c := cluster.Config{URLs: []string{"nats://127.0.0.1:4222"}}
		c.Defaults()
		return c
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("Validate(defaults) = %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*cluster.Config)
	}{
		{"no url", func(c *cluster.Config) { c.URLs = nil }},
		{"bad name", func(c *cluster.Config) { c.Name = "a.b" }},
		{"no partitions", func(c *cluster.Config) { c.Partitions = -1 }},
		{"too many replicas", func(c *cluster.Config) { c.Replicas = 7 }},
		{"short ttl", func(c *cluster.Config) { c.LeaseTTL = 100 * time.Millisecond }},
		{"slow poll", func(c *cluster.Config) { c.PollInterval = c.LeaseTTL / 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.edit(&c)
			if err := c.Validate(); !errors.Is(err, cluster.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
	if got, want := valid().FailoverBound(), 13*time.Second; got != want {
		t.Errorf("FailoverBound() = %s, want %s", got, want)
	}
}

// balanced reports whether the workers own all testN partitions between
// them, each its fair share.
func balanced(ws ...*cluster.Worker) bool {
	total := 0
	for _, w := range ws {
		n := len(w.Status().Partitions)
		if n < testN/len(ws) || n > (testN+len(ws)-1)/len(ws) {
			return false
		}
		total += n
	}
	return total == testN
}

func register(t *testing.T, w *cluster.Worker, chains []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range chains {
		if err := w.Register(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAssignment(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	tr := newTracker()
	_, ws := threeWorkers(t, tr)
	chains := chainIDs(12)
	register(t, ws[0], chains)
	register(t, ws[1], chains[:4]) // registering again changes nothing
	eventually(t, 30*time.Second, func() bool { return tr.exactlyOnce(chains) && balanced(ws...) },
		func() string { return "chains not each on one worker: " + tr.String() })
	var all []string
	for _, w := range ws {
		all = append(all, w.Status().Chains...)
	}
	slices.Sort(all)
	want := slices.Sorted(slices.Values(chains))
	if !slices.Equal(all, want) {
		t.Errorf("Status().Chains of all workers = %v, want %v", all, want)
	}
	if err := ws[2].Unregister(context.Background(), chains[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() bool { return tr.exactlyOnce(chains[1:]) && !tr.exactlyOnce(chains[:1]) },
		func() string { return "unregistered chain still runs: " + tr.String() })
	if o := tr.overlaps(); len(o) > 0 {
		t.Errorf("chains ran twice at once: %v", o)
	}
}

func TestRebalance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	nc := natstest.StartT(t, 3)
	tr := newTracker()
	w0 := startWorker(t, "w0", nc.URLs(), tr)
	w1 := startWorker(t, "w1", nc.URLs(), tr)
	chains := chainIDs(12)
	register(t, w0, chains)
	eventually(t, 30*time.Second, func() bool { return tr.exactlyOnce(chains) && balanced(w0, w1) },
		func() string { return "two workers not balanced: " + tr.String() })

	reg := prometheus.NewRegistry()
	cfg := testConfig("w2", nc.URLs())
	cfg.Registerer = reg
	w2, stop := startWorkerConfig(t, cfg, tr)
	took := eventually(t, 30*time.Second, func() bool { return tr.exactlyOnce(chains) && balanced(w0, w1, w2) },
		func() string { return "three workers not balanced: " + tr.String() })
	t.Logf("rebalanced onto a third worker in %s", took)
	if n := testutil.ToFloat64(metric(t, reg, "lianjian_cluster_partitions_owned")); n != testN/3 {
		t.Errorf("partitions_owned of w2 = %v, want %d", n, testN/3)
	}
	if o := tr.overlaps(); len(o) > 0 {
		t.Errorf("chains ran twice at once: %v", o)
	}

	// A clean stop hands w2's partitions back at once, well within the
	// lease TTL, since it deletes its leases.
	start := time.Now()
	stop()
	took = eventually(t, 30*time.Second, func() bool { return tr.exactlyOnce(chains, "w2") && balanced(w0, w1) },
		func() string { return "w2's chains not taken back: " + tr.String() })
	t.Logf("clean stop handed over in %s", time.Since(start))
	if took > testTTL {
		t.Errorf("handover after a clean stop took %s, want under the lease TTL %s", took, testTTL)
	}
}

// metric returns the collector registered under name in reg.
func metric(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return gathered{mf.GetMetric()[0].GetGauge().GetValue(), name}
		}
	}
	t.Fatalf("metric %s not registered", name)
	return nil
}

// gathered is a gathered gauge value as a collector, for testutil.
type gathered struct {
	v    float64
	name string
}

func (g gathered) Describe(ch chan<- *prometheus.Desc) {
	ch <- prometheus.NewDesc(g.name, "gathered", nil, nil)
}

func (g gathered) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(g.name, "gathered", nil, nil), prometheus.GaugeValue, g.v)
}

func TestKilledWorkerFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and a child process")
	}
	nc := natstest.StartT(t, 3)
	tr := newTracker()
	child := startChild(t, "victim", nc.URLs(), tr)
	w0 := startWorker(t, "w0", nc.URLs(), tr)
	w1 := startWorker(t, "w1", nc.URLs(), tr)
	chains := chainIDs(12)
	register(t, w0, chains)
	ownedBy := func(worker string) int {
		n := 0
		for _, c := range chains {
			if !tr.exactlyOnce([]string{c}, worker) {
				n++
			}
		}
		return n
	}
	eventually(t, 30*time.Second, func() bool { return tr.exactlyOnce(chains) && ownedBy("victim") > 0 },
		func() string { return "victim owns nothing: " + tr.String() })
	// Let the three settle to two partitions each.
	eventually(t, 30*time.Second, func() bool {
		return tr.exactlyOnce(chains) && len(w0.Status().Partitions) == 2 && len(w1.Status().Partitions) == 2
	}, func() string { return "not settled: " + tr.String() })
	victims := ownedBy("victim")

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	tr.forget("victim") // its jobs died with it
	bound := testConfig("", nil)
	bound.Defaults()
	took := eventually(t, 30*time.Second, func() bool { return tr.exactlyOnce(chains, "victim") && balanced(w0, w1) },
		func() string { return "victim's chains not taken over: " + tr.String() })
	t.Logf("%d chains of the killed worker taken over in %s (bound %s)", victims, took, bound.FailoverBound())
	// Its leases were abandoned, not released: nobody could take them
	// before they expired.
	if took < testTTL-2*testPoll {
		t.Errorf("takeover after %s, before the lease TTL %s: the leases were not abandoned", took, testTTL)
	}
	if limit := bound.FailoverBound() + time.Second; took > limit {
		t.Errorf("takeover took %s, want within the bound %s (+1s for jobs to start on a loaded machine)", took, bound.FailoverBound())
	}
	if o := tr.overlaps(); len(o) > 0 {
		t.Errorf("chains ran twice at once: %v", o)
	}
}

func TestNATSNodeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	tr := newTracker()
	nc, ws := threeWorkers(t, tr)
	chains := chainIDs(9)
	register(t, ws[0], chains[:6])
	eventually(t, 30*time.Second, func() bool { return tr.exactlyOnce(chains[:6]) && balanced(ws...) },
		func() string { return "not assigned: " + tr.String() })
	if err := nc.Kill(0); err != nil {
		t.Fatal(err)
	}
	register(t, ws[1], chains[6:])
	took := eventually(t, 60*time.Second, func() bool { return tr.exactlyOnce(chains) && balanced(ws...) },
		func() string { return "not assigned after a NATS node died: " + tr.String() })
	t.Logf("all chains assigned %s after a NATS node died", took)
}

// TestHeads publishes a chain's head from a worker and reads it where an
// API server would.
func TestHeads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	nc := natstest.StartT(t, 3)
	ctx := context.Background()
	w, err := cluster.New(ctx, testConfig("w0", nc.URLs()))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	h, err := cluster.WatchHeads(ctx, testConfig("api", nc.URLs()))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	const chain = "fabric-net/channel.1"
	if err := w.PublishHead(ctx, chain, 42); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() bool { v, ok := h.Head(chain); return ok && v == 42 },
		func() string { v, ok := h.Head(chain); return fmt.Sprintf("Head(%s) = %d, %v; want 42", chain, v, ok) })
	if v, ok := h.Head("other"); ok {
		t.Errorf("Head(other) = %d, true; want none", v)
	}
	// Unrenewed, it stops being reported after the TTL.
	eventually(t, 2*testTTL, func() bool { _, ok := h.Head(chain); return !ok },
		func() string { return "an unrenewed head is still reported" })
}
