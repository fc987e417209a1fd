package cluster_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lianjian/lianjian/internal/cluster"
	"github.com/lianjian/lianjian/internal/natstest"
)

// The child worker: TestMain runs it instead of the tests when the test
// binary is re-executed with childEnv set, so that a test can kill it
// with SIGKILL and leave its leases really abandoned.
const (
	childEnv  = "LIANJIAN_CLUSTER_CHILD"
	childURLs = "LIANJIAN_CLUSTER_CHILD_URLS"
)

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		os.Exit(runChild(name, strings.Split(os.Getenv(childURLs), ",")))
	}
	goleak.VerifyTestMain(m)
}

// runChild runs one worker that prints "start <chain>" and "stop <chain>"
// as its jobs start and end, until SIGTERM.
func runChild(name string, urls []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg := testConfig(name, urls)
	w, err := cluster.New(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer w.Close()
	var mu sync.Mutex
	say := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Println(s)
	}
	say("ready")
	_ = w.Run(ctx, func(ctx context.Context, chain string) error {
		say("start " + chain)
		<-ctx.Done()
		say("stop " + chain)
		return nil
	})
	return 0
}

// Timings of the tests: short, so failover is quick to observe.
const (
	testTTL  = 2 * time.Second
	testPoll = 200 * time.Millisecond
	testN    = 6
)

func testConfig(name string, urls []string) cluster.Config {
	return cluster.Config{
		URLs: urls, Name: name, Partitions: testN, Replicas: 3,
		LeaseTTL: testTTL, PollInterval: testPoll,
	}
}

// tracker records which worker runs each chain's job, and any moment a
// chain ran on two workers at once.
type tracker struct {
	mu      sync.Mutex
	owners  map[string][]string // chain -> workers running it
	overlap []string
}

func newTracker() *tracker { return &tracker{owners: map[string][]string{}} }

func (tr *tracker) start(worker, chain string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.owners[chain]) > 0 {
		tr.overlap = append(tr.overlap, fmt.Sprintf("%s on %s while on %v", chain, worker, tr.owners[chain]))
	}
	tr.owners[chain] = append(tr.owners[chain], worker)
}

func (tr *tracker) stop(worker, chain string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.owners[chain] = slices.DeleteFunc(tr.owners[chain], func(w string) bool { return w == worker })
}

// forget drops worker from every chain: it died.
func (tr *tracker) forget(worker string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for c, ws := range tr.owners {
		tr.owners[c] = slices.DeleteFunc(ws, func(w string) bool { return w == worker })
	}
}

// exactlyOnce reports whether each of chains runs on exactly one worker,
// and none of them on a worker in not.
func (tr *tracker) exactlyOnce(chains []string, not ...string) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, c := range chains {
		if len(tr.owners[c]) != 1 || slices.Contains(not, tr.owners[c][0]) {
			return false
		}
	}
	return true
}

func (tr *tracker) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return fmt.Sprint(tr.owners)
}

func (tr *tracker) overlaps() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.overlap)
}

// job returns a job for worker that records itself in tr.
func (tr *tracker) job(worker string) cluster.Job {
	return func(ctx context.Context, chain string) error {
		tr.start(worker, chain)
		<-ctx.Done()
		tr.stop(worker, chain)
		return nil
	}
}

// startWorker runs an in-process worker until the test ends.
func startWorker(t *testing.T, name string, urls []string, tr *tracker) *cluster.Worker {
	t.Helper()
	w, _ := startWorkerConfig(t, testConfig(name, urls), tr)
	return w
}

// startWorkerConfig runs an in-process worker with cfg until stop is
// called or the test ends.
func startWorkerConfig(t *testing.T, cfg cluster.Config, tr *tracker) (w *cluster.Worker, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Logger = testLogger(t, cfg.Name)
	w, err := cluster.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx, tr.job(cfg.Name)); err != nil {
			t.Errorf("Run(%s) = %v", cfg.Name, err)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
			w.Close()
		})
	}
	t.Cleanup(stop)
	return w, stop
}

// threeWorkers starts a 3-node NATS cluster and three workers on it.
func threeWorkers(t *testing.T, tr *tracker) (*natstest.Cluster, []*cluster.Worker) {
	t.Helper()
	nc := natstest.StartT(t, 3)
	var ws []*cluster.Worker
	for i := range 3 {
		ws = append(ws, startWorker(t, fmt.Sprintf("w%d", i), nc.URLs(), tr))
	}
	return nc, ws
}

// testLogger logs through t, so a failing test shows the workers' logs.
func testLogger(t *testing.T, name string) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})).With("worker", name)
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// startChild runs a worker in a child process that reports its jobs to
// tr as worker name. It returns the process, to be killed.
func startChild(t *testing.T, name string, urls []string, tr *tracker) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name, childURLs+"="+strings.Join(urls, ","))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			verb, chain, _ := strings.Cut(sc.Text(), " ")
			switch verb {
			case "ready":
				close(ready)
			case "start":
				tr.start(name, chain)
			case "stop":
				tr.stop(name, chain)
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		<-lines
	})
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("child worker %s not ready", name)
	}
	return cmd
}

// chainIDs returns n chain ids of the shapes Lianjian uses.
func chainIDs(n int) []string {
	var out []string
	for i := range n {
		switch i % 3 {
		case 0:
			out = append(out, "evm-"+strconv.Itoa(i))
		case 1:
			out = append(out, "fabric-net/channel."+strconv.Itoa(i))
		default:
			out = append(out, "fisco group "+strconv.Itoa(i))
		}
	}
	return out
}

// eventually waits up to d for ok, failing the test with what() if it
// does not come.
func eventually(t *testing.T, d time.Duration, ok func() bool, what func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > d {
			t.Fatalf("after %s: %s", d, what())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}
