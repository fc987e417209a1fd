package api

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// The load test is the API's measured benchmark (docs: testdata/BENCH.md).
// It is off by default: go test ./api -run TestLoad -load -v -timeout 60m
var (
	loadOn          = flag.Bool("load", false, "run the API load test")
	loadDir         = flag.String("load.dir", "", "index directory to build or reuse (default: a temp dir)")
	loadTxs         = flag.Int("load.txs", 1_000_000, "transactions in the index")
	loadPerBlk      = flag.Int("load.per-block", 20, "transactions per block")
	loadConns       = flag.Int("load.conns", 8, "concurrent client connections")
	loadPerEndpoint = flag.Duration("load.duration", 10*time.Second, "duration per endpoint")
	loadFirst       = flag.Duration("load.first", 0, "before the per-endpoint runs, drive tx-by-id and block-by-height together for this long with no warm-up, right after opening the index (a reopen when -load.dir holds one), reporting each -load.window")
	loadWindow      = flag.Duration("load.window", 10*time.Second, "window of the -load.first report")
	loadBudget      = flag.Int64("load.mapped-budget-mib", 0, "the index's mapped-page budget in MiB (index.Options.MappedBudget; 0: the default, -1: no watch)")
)

const loadChain = "bench"

func loadTxID(i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "load/tx/%d", i))
	return hex.EncodeToString(h[:])
}

func loadHash(h uint64) []byte {
	s := sha256.Sum256(fmt.Appendf(nil, "load/block/%d", h))
	return s[:]
}

var loadRule = &ledger.RuleInfo{ID: "EVM-UNPROTECTED-TX", Title: "t", Doc: "d", Severity: ledger.Medium, Category: ledger.CatCrypto}

// buildLoadIndex writes the synthetic chain through index.Commit: blocks
// of perBlock EVM-style transactions from 1,000 senders to 100 contracts,
// with a finding on every 100th transaction. It reports whether it found
// the index already built.
func buildLoadIndex(t *testing.T, db *index.DB, txs, perBlock int) (reused bool) {
	ctx := context.Background()
	if cp, err := db.Checkpoint(ctx, loadChain); err == nil && int(cp.Height+1)*perBlock >= txs {
		t.Logf("reusing index: %d blocks", cp.Height+1)
		return true
	}
	if err := db.PutChain(ctx, ledger.Chain{ID: loadChain, Kind: ledger.KindEVM, Crypto: ledger.CryptoIntl, ChainID: 1337}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var parent []byte
	blocks := (txs + perBlock - 1) / perBlock
	for h := range uint64(blocks) {
		b := &ledger.Block{
			Chain: loadChain, Height: h, Hash: loadHash(h), ParentHash: parent, Time: t0.Add(time.Duration(h) * time.Second),
			GasLimit: 30_000_000, BaseFee: "1000000000",
		}
		b.Verdict.Add("header-hash", true, "")
		for j := range perBlock {
			i := int(h)*perBlock + j
			tx := ledger.Tx{
				ID: loadTxID(i), Chain: loadChain, Height: h, Index: j, Type: "dynamic-fee", Time: b.Time,
				From: fmt.Sprintf("0x%040x", i%1000+1), To: fmt.Sprintf("0x%040x", 0xc000+i%100),
				Value: "1000", Nonce: uint64(i / 1000), Gas: 21000, GasUsed: 21000, Status: "success", Valid: true,
			}
			tx.Verdict.Add("sender", true, "")
			b.Txs = append(b.Txs, tx)
			if i%100 == 0 {
				b.Findings = append(b.Findings, ledger.NewFinding(loadRule, loadChain,
					ledger.Subject{Kind: "tx", Ref: tx.ID, Height: h}, b.Time, "unprotected", nil))
			}
		}
		b.TxCount = len(b.Txs)
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("commit %d: %v", h, err)
		}
		parent = b.Hash
	}
	el := time.Since(start)
	t.Logf("built %d blocks, %d txs in %v (%.0f tx/s)", blocks, blocks*perBlock, el.Round(time.Second), float64(blocks*perBlock)/el.Seconds())
	return false
}

// rss returns the process's resident and peak resident set sizes in MiB.
func rss() (cur, peak float64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb float64
		if n, _ := fmt.Sscanf(line, "VmRSS: %f kB", &kb); n == 1 {
			cur = kb / 1024
		}
		if n, _ := fmt.Sscanf(line, "VmHWM: %f kB", &kb); n == 1 {
			peak = kb / 1024
		}
	}
	return cur, peak
}

type loadResult struct {
	name          string
	n, errs       int
	rps           float64
	p50, p99, max time.Duration
}

// loadClient is one keep-alive connection of the load generator. It
// writes each request itself and reads the answer in the caller's
// goroutine, where an http.Client hands every request to two goroutines
// of its Transport and builds a Request, header map and context for it:
// the generator shares the machine's cores with the server it measures.
type loadClient struct {
	addr, token string
	conn        net.Conn
	br          *bufio.Reader
	req         []byte
}

// get makes one authenticated GET of path and reads the whole answer; an
// answer other than 200 is an error. A broken connection is dialled
// again on the next call.
func (lc *loadClient) get(path string) error {
	if lc.conn == nil {
		c, err := net.DialTimeout("tcp", lc.addr, 10*time.Second)
		if err != nil {
			return err
		}
		lc.conn, lc.br = c, bufio.NewReader(c)
	}
	closing, err := lc.roundTrip(path)
	if err != nil || closing {
		lc.close()
	}
	return err
}

// roundTrip writes the request for path and reads its answer; closing
// reports that the server closes the connection after it.
func (lc *loadClient) roundTrip(path string) (closing bool, err error) {
	if err := lc.conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return false, err
	}
	lc.req = append(lc.req[:0], "GET "...)
	lc.req = append(lc.req, path...)
	lc.req = append(lc.req, " HTTP/1.1\r\nHost: "...)
	lc.req = append(lc.req, lc.addr...)
	lc.req = append(lc.req, "\r\nAuthorization: Bearer "...)
	lc.req = append(lc.req, lc.token...)
	lc.req = append(lc.req, "\r\n\r\n"...)
	if _, err := lc.conn.Write(lc.req); err != nil {
		return false, err
	}
	resp, err := http.ReadResponse(lc.br, nil)
	if err != nil {
		return false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	return resp.Close, err
}

func (lc *loadClient) close() {
	if lc.conn != nil {
		lc.conn.Close()
		lc.conn, lc.br = nil, nil
	}
}

// hammer runs conns clients against one endpoint for d and collects
// client-side latencies.
func hammer(addr, token string, conns int, d time.Duration, name string, path func(r *rand.Rand) string) loadResult {
	var mu sync.Mutex
	var lats []time.Duration
	errs := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			lc := &loadClient{addr: addr, token: token}
			defer lc.close()
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				start := time.Now()
				err := lc.get(path(r))
				mine = append(mine, time.Since(start))
				if err != nil {
					bad++
				}
			}
			mu.Lock()
			lats = append(lats, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	return summarize(name, lats, errs, d)
}

// summarize returns the figures of sorted latencies measured over d.
func summarize(name string, lats []time.Duration, errs int, d time.Duration) loadResult {
	if len(lats) == 0 {
		return loadResult{name: name, errs: errs}
	}
	q := func(p float64) time.Duration { return lats[min(len(lats)-1, int(p*float64(len(lats))))] }
	return loadResult{name: name, n: len(lats), errs: errs, rps: float64(len(lats)) / d.Seconds(), p50: q(0.50), p99: q(0.99), max: lats[len(lats)-1]}
}

// perRequest is cpu shared out over n requests, or 0 without requests.
func perRequest(cpu time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return (cpu / time.Duration(n)).Round(time.Microsecond)
}

// loadEndpoint is an endpoint the load test drives: path makes the path
// of a request.
type loadEndpoint struct {
	name string
	path func(r *rand.Rand) string
}

// firstWindows runs conns clients for d from a cold start, each sending
// requests to the endpoints in turn, and returns the figures of each
// endpoint in each window of length w, in time order.
func firstWindows(addr, token string, conns int, d, w time.Duration, eps []loadEndpoint) [][]loadResult {
	type sample struct {
		at, lat time.Duration
		ep      int
		err     bool
	}
	var mu sync.Mutex
	var all []sample
	begin := time.Now()
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 11))
			lc := &loadClient{addr: addr, token: token}
			defer lc.close()
			var mine []sample
			for i := c; time.Since(begin) < d; i++ {
				ep := i % len(eps)
				start := time.Now()
				err := lc.get(eps[ep].path(r))
				mine = append(mine, sample{at: start.Sub(begin), lat: time.Since(start), ep: ep, err: err != nil})
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	windows := int((d + w - 1) / w)
	lats := make([][][]time.Duration, windows)
	errs := make([][]int, windows)
	for i := range windows {
		lats[i], errs[i] = make([][]time.Duration, len(eps)), make([]int, len(eps))
	}
	for _, s := range all {
		i := min(windows-1, int(s.at/w))
		lats[i][s.ep] = append(lats[i][s.ep], s.lat)
		if s.err {
			errs[i][s.ep]++
		}
	}
	out := make([][]loadResult, windows)
	for i := range windows {
		for e, ep := range eps {
			slices.Sort(lats[i][e])
			out[i] = append(out[i], summarize(ep.name, lats[i][e], errs[i][e], w))
		}
	}
	return out
}

// TestLoad builds (or reuses) an index of -load.txs transactions, serves
// the real API with token authentication on loopback, and measures
// requests/s and p50/p99 latency for the four hot endpoints.
func TestLoad(t *testing.T) {
	if !*loadOn {
		t.Skip("load test: run with -load (see testdata/BENCH.md)")
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The Go memory limit every lianjian command sets (cmd/lianjian),
		// so that the RSS reported is the one `lianjian serve` would have.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(288 << 20))
	}
	dir := *loadDir
	if dir == "" {
		dir = t.TempDir()
	}
	db, err := index.Open(dir, index.Options{MappedBudget: *loadBudget << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reused := buildLoadIndex(t, db, *loadTxs, *loadPerBlk)
	tok, secret, err := supervise.NewToken("load", supervise.RoleRegulator, "", "load", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{RateLimit: -1}, Deps{Index: db, Auth: NewTokenAuth(db)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	defer func() { cancel(); <-done }()
	addr := l.Addr().String()
	blocks := *loadTxs / *loadPerBlk
	ntx := blocks * *loadPerBlk
	v := Version
	endpoints := []loadEndpoint{
		{"tx-by-id", func(r *rand.Rand) string { return v + "/chains/" + loadChain + "/txs/" + loadTxID(r.IntN(ntx)) }},
		{"block-by-height", func(r *rand.Rand) string { return fmt.Sprintf("%s/chains/%s/blocks/%d", v, loadChain, r.IntN(blocks)) }},
		{"findings-list", func(r *rand.Rand) string { return v + "/findings?chain=" + loadChain + "&limit=50" }},
		{"search", func(r *rand.Rand) string { return v + "/search?q=" + loadTxID(r.IntN(ntx)) }},
	}
	var out strings.Builder
	if *loadFirst > 0 {
		how := "reopened: the index was built by an earlier process"
		if !reused {
			how = "NOT a reopen: the index was built in this process"
		}
		fmt.Fprintf(&out, "first %v after opening the index (%s), %d connections, tx-by-id and block-by-height in turn, no warm-up\n\n", *loadFirst, how, *loadConns)
		fmt.Fprintln(&out, "| window | endpoint | requests | errors | req/s | p50 | p99 | max |")
		fmt.Fprintln(&out, "|---|---|---|---|---|---|---|---|")
		cpu0, n := cpuTime(), 0
		for i, rs := range firstWindows(addr, secret, *loadConns, *loadFirst, *loadWindow, endpoints[:2]) {
			for _, r := range rs {
				n += r.n
				fmt.Fprintf(&out, "| %v–%v | %s | %d | %d | %.0f | %v | %v | %v |\n", time.Duration(i)**loadWindow, time.Duration(i+1)**loadWindow,
					r.name, r.n, r.errs, r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.max.Round(time.Microsecond))
				if r.errs > 0 {
					t.Errorf("first %v, window %d, %s: %d errors", *loadFirst, i, r.name, r.errs)
				}
			}
		}
		cpu := cpuTime() - cpu0
		cur, peak := rss()
		fmt.Fprintf(&out, "\nCPU of the process (server and generator) in the first %v: %v, %v per request\n", *loadFirst, cpu.Round(time.Millisecond), perRequest(cpu, n))
		fmt.Fprintf(&out, "RSS after the first %v: %.0f MiB (peak %.0f MiB)\n\n", *loadFirst, cur, peak)
	}
	fmt.Fprintf(&out, "index: %d txs in %d blocks; %d connections, %v per endpoint\n\n", ntx, blocks, *loadConns, *loadPerEndpoint)
	fmt.Fprintln(&out, "| endpoint | requests | errors | req/s | p50 | p99 | max | CPU/request |")
	fmt.Fprintln(&out, "|---|---|---|---|---|---|---|---|")
	for _, ep := range endpoints {
		hammer(addr, secret, *loadConns, time.Second, ep.name, ep.path) // warm up
		cpu0 := cpuTime()
		r := hammer(addr, secret, *loadConns, *loadPerEndpoint, ep.name, ep.path)
		cpu := cpuTime() - cpu0
		fmt.Fprintf(&out, "| %s | %d | %d | %.0f | %v | %v | %v | %v |\n", r.name, r.n, r.errs, r.rps,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.max.Round(time.Microsecond), perRequest(cpu, r.n))
		if r.errs > 0 {
			t.Errorf("%s: %d errors", r.name, r.errs)
		}
	}
	cur, peak := rss()
	fmt.Fprintf(&out, "\nCPU/request: the process's CPU time (server and generator, user and system) over the requests served\n")
	fmt.Fprintf(&out, "RSS after the run: %.0f MiB (peak %.0f MiB), load generator and server in one process\n", cur, peak)
	t.Log("\n" + out.String())
}
