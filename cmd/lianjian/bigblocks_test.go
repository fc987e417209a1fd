package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
	"golang.org/x/sync/errgroup"
)

// bigRun is one network run of TestIngestBigBlocks: the orderer's batch
// settings and the bulk traffic that fills its blocks.
type bigRun struct {
	name      string
	opts      fabnet.Options
	puts      int // bulk puts
	valueSize int // bytes per value; a transaction is about 2×valueSize + 4 KB
	parallel  int // puts in flight
	minBytes  int // bytes every full block reaches at least
	minTxs    int // transactions every full block holds at least
	minFull   int // full blocks wanted
}

// peerBlock is what the test keeps of one block of the peer's ledger.
type peerBlock struct {
	size int
	sum  [sha256.Size]byte
	txs  []string // transaction ids
}

// bigLedger is the raw ledger of a stopped network's Org1 peer and the
// peer's own copy of every block.
type bigLedger struct {
	root    string // the peer's ledgersData directory
	channel string
	blocks  []peerBlock
	txs     int
}

// TestIngestBigBlocks makes real peer ledgers with production batch
// settings (MaxMessageCount 500, PreferredMaxBytes 2 MB) and with blocks
// above 20 MB, checks the block sizes on the peer, then runs verify, ingest
// and audit on each as a user would and finds every block in the index.
// Last it kills ingest of the big-block ledger with SIGKILL at random
// points into a fresh index and checks that the resumed runs leave
// exactly the peer's blocks: no gap, no duplicate.
func TestIngestBigBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts real Fabric networks and kills lianjian processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	begin := time.Now()
	runs := []bigRun{
		{
			// Production settings: each transaction is about 4.26 KB, so the
			// orderer cuts a block at about 492 transactions by size.
			name:      "production",
			opts:      fabnet.Options{MaxMessageCount: 500, PreferredMaxBytes: 2 << 20},
			puts:      1100,
			valueSize: 150,
			parallel:  32,
			minBytes:  2_000_000,
			minTxs:    450,
			minFull:   2,
		},
		{
			// 100 KB values: about 204 KB a transaction, 107 to a 21 MiB
			// block. Eight full blocks, each taking a while to index, give
			// five kills -9 room to land one block apart.
			name:      "big",
			opts:      fabnet.Options{MaxMessageCount: 500, PreferredMaxBytes: 21 << 20, AbsoluteMaxBytes: 64 << 20},
			puts:      8*107 + 20,
			valueSize: 100_000,
			parallel:  16,
			minBytes:  20 << 20,
			minTxs:    100,
			minFull:   8,
		},
	}
	ledgers := make([]bigLedger, len(runs))
	for i, r := range runs {
		ledgers[i] = makeBigLedger(ctx, t, r)
	}
	t.Logf("ledgers made in %s", time.Since(begin).Round(time.Second))
	var step time.Duration // the typical time ingest takes for a block of the last ledger
	for i, r := range runs {
		l := ledgers[i]
		head := uint64(len(l.blocks) - 1)
		start := time.Now()
		out, _, err := runCmd(t, "verify", "--lang", "en", "-q", l.root)
		t.Logf("%s: verify took %s", r.name, time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("verify %s ledger = %v\n%s", r.name, err, out)
		}
		if want := fmt.Sprintf("chain %s: blocks 0..%d (%d), txs %d,", l.channel, head, head+1, l.txs); !strings.Contains(out, want) || !strings.Contains(out, "integrity OK") {
			t.Errorf("verify %s ledger printed\n%s\nwant %q and integrity OK", r.name, out, want)
		}
		// Ingest runs as its own process, as a user runs it, and its
		// progress bar times the blocks.
		dir := t.TempDir()
		start = time.Now()
		cmd, draws := startIngest(t, "--data-dir", dir, "--fabric-dir", l.root, "--chain", r.name, "--network", r.name)
		var shown []barDraw
		for d := range draws {
			shown = append(shown, d)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("ingest --fabric-dir of the %s ledger: %v", r.name, err)
		}
		step = typicalStep(shown)
		t.Logf("%s: ingest of %d blocks took %s, typically %s a block", r.name, head+1, time.Since(start).Round(time.Millisecond), step.Round(time.Millisecond))
		id := r.name + "-" + l.channel
		checkIndexed(ctx, t, dir, id, l)
		start = time.Now()
		out, _, err = runCmd(t, "audit", "--data-dir", dir, "--chain", id, "--from", "0", "--lang", "en")
		t.Logf("%s: audit took %s", r.name, time.Since(start).Round(time.Millisecond))
		if want := fmt.Sprintf("chain %s: blocks 0..%d (%d)", id, head, head+1); err != nil || !strings.Contains(out, want) || !strings.Contains(out, "integrity OK") {
			t.Errorf("audit %s = %v\n%s\nwant %q and integrity OK", id, err, out, want)
		}
	}

	// kill -9 during ingest of the big-block ledger, into a fresh index.
	l := ledgers[len(ledgers)-1]
	dir := t.TempDir()
	id := "kill-" + l.channel
	args := []string{"--data-dir", dir, "--fabric-dir", l.root, "--chain", "kill"}
	start := time.Now()
	killAfterCommit(t, dir, id, uint64(len(l.blocks)-1), args, rand.New(rand.NewPCG(16, 1)), 5, max(step, 100*time.Millisecond))
	t.Logf("kill -9 loop took %s", time.Since(start).Round(time.Millisecond))
	cmd, draws := startIngest(t, args...)
	for range draws {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final ingest after kill -9: %v", err)
	}
	checkIndexed(ctx, t, dir, id, l)
	t.Logf("took %s", time.Since(begin).Round(time.Second))
}

// barDraw is a block height ingest's progress bar showed, and when.
type barDraw struct {
	height uint64
	at     time.Time
}

// barBlockRE matches one whole draw of ingest's English progress bar
// ("…  42% block 7  31 tx/s ") and captures the height.
var barBlockRE = regexp.MustCompile(`% block (\d+)  \d+ tx/s `)

// startIngest starts `lianjian ingest args... --progress always --lang en`
// as a child process, like startLianjian, and reports each new height its
// progress bar shows. The bar shows a block once it is committed. The
// channel closes when the child's stderr does: call cmd.Wait after.
func startIngest(t *testing.T, args ...string) (*exec.Cmd, <-chan barDraw) {
	t.Helper()
	args = append(append([]string{"ingest"}, args...), "--progress", "always", "--lang", "en")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LIANJIAN_TEST_MAIN=1", "LIANJIAN_TEST_ARGS="+strings.Join(args, " "))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	draws := make(chan barDraw, 1<<10)
	go func() {
		defer close(draws)
		// Each draw starts with a carriage return, so a line scanner would
		// see a draw only once the next one starts. Match whole draws in
		// what has arrived instead.
		var buf []byte
		chunk := make([]byte, 32<<10)
		var last uint64
		seen := false
		for {
			n, err := stderr.Read(chunk)
			buf = append(buf, chunk[:n]...)
			for {
				m := barBlockRE.FindSubmatchIndex(buf)
				if m == nil {
					break
				}
				h, perr := strconv.ParseUint(string(buf[m[2]:m[3]]), 10, 64)
				buf = buf[m[1]:]
				if perr != nil || seen && h == last {
					continue
				}
				last, seen = h, true
				select {
				case draws <- barDraw{h, time.Now()}:
				default: // never block the child on its stderr
				}
			}
			if len(buf) > 1<<10 {
				buf = buf[len(buf)-1<<10:]
			}
			if err != nil {
				return
			}
		}
	}()
	return cmd, draws
}

// typicalStep is the median time between two bar draws one block apart.
func typicalStep(draws []barDraw) time.Duration {
	var steps []time.Duration
	for i := 1; i < len(draws); i++ {
		if draws[i].height == draws[i-1].height+1 {
			steps = append(steps, draws[i].at.Sub(draws[i-1].at))
		}
	}
	if len(steps) == 0 {
		return 0
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}

// killAfterCommit runs `lianjian ingest args...` (startIngest) and kills
// it with SIGKILL a random 0..spread after its progress bar first shows a
// block above the checkpoint the run started from, so that every kill
// lands after progress and, with spread about the time one block takes,
// at a random point of the next block's import; spread halves whenever
// that next block committed before the kill. The bar shows a block
// once it is committed, so the checkpoint after the kill must be at least
// that block. It stops once kills kills have left the checkpoint strictly
// between its value before the run and head, and fails when ingest
// reaches head before that or a run shows no block to kill after. After
// every kill the index must reopen and its checkpoint never go back.
//
// killMidIngest kills after a random pause instead. Blocks of 20 MB
// take seconds each and a resume takes seconds more on a loaded machine,
// so too few of its pauses (at most 2 s plus spread) land between two
// commits.
func killAfterCommit(t *testing.T, dir, chain string, head uint64, args []string, rng *rand.Rand, kills int, spread time.Duration) {
	t.Helper()
	ctx := context.Background()
	last, have := uint64(0), false
	for run := 0; run < kills; run++ {
		start := time.Now()
		cmd, draws := startIngest(t, args...)
		var shown barDraw
		ok := false
		for d := range draws {
			// Leave two blocks and the head: a kill must not let ingest finish.
			if (!have || d.height > last) && d.height+3 <= head {
				shown, ok = d, true
				break
			}
		}
		if ok {
			time.Sleep(time.Duration(rng.Int64N(int64(spread))))
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		killed := time.Now()
		for range draws { // the reader is done with the pipe before Wait closes it
		}
		waitErr := cmd.Wait()
		if !ok {
			t.Fatalf("ingest run %d (exit: %v) showed no block above %d and below %d to kill after: the chain of %d blocks is too short",
				run, waitErr, last, head-2, head+1)
		}
		db, err := index.Open(dir, index.Options{})
		if err != nil {
			t.Fatalf("reopen after kill -9 (run %d, bar at block %d): %v", run, shown.height, err)
		}
		cp, err := db.Checkpoint(ctx, chain)
		db.Close()
		switch {
		case err != nil:
			t.Fatalf("checkpoint after kill -9 (run %d, bar at block %d): %v", run, shown.height, err)
		case cp.Height < shown.height:
			t.Fatalf("checkpoint %d after kill -9, below block %d the bar showed committed", cp.Height, shown.height)
		case cp.Height >= head:
			t.Fatalf("ingest of %d blocks finished in run %d, before %d kills", head+1, run, kills)
		}
		t.Logf("run %d: killed %s after the bar showed block %d; checkpoint %d (run took %s)", run,
			killed.Sub(shown.at).Round(time.Millisecond), shown.height, cp.Height, time.Since(start).Round(time.Millisecond))
		if cp.Height > shown.height {
			// The next block committed before the kill: blocks go faster
			// than spread. Aim earlier, or the chain runs out of blocks.
			spread = max(spread/2, 10*time.Millisecond)
		}
		last, have = cp.Height, true
	}
}

// makeBigLedger starts a network with r's batch settings, raises its
// BatchTimeout so that only count and size cut blocks, submits r's bulk
// puts, cuts the last partial batch with a config update, checks the
// blocks on the peer and stops the network.
func makeBigLedger(ctx context.Context, t *testing.T, r bigRun) bigLedger {
	t.Helper()
	opts := r.opts
	opts.Dir = t.TempDir()
	n, err := fabnet.Start(ctx, opts)
	if err != nil {
		t.Fatalf("%s: fabnet.Start = %v", r.name, err)
	}
	defer n.Stop()
	// Start commits the chaincode lifecycle under the default 1s timeout;
	// from here on a block waits for MaxMessageCount or PreferredMaxBytes.
	cfg, err := n.UpdateBatchTimeout(ctx, 10*time.Minute)
	if err != nil {
		t.Fatalf("%s: UpdateBatchTimeout(10m) = %v", r.name, err)
	}
	start := time.Now()
	if got, err := n.BulkPutSized(ctx, "put", r.puts, r.valueSize, r.parallel); err != nil || got != r.puts {
		t.Fatalf("%s: BulkPutSized(%d, %d bytes) = %d, %v", r.name, r.puts, r.valueSize, got, err)
	}
	took := time.Since(start)
	last, err := n.UpdateBatchTimeout(ctx, time.Second)
	if err != nil {
		t.Fatalf("%s: UpdateBatchTimeout(1s) = %v", r.name, err)
	}
	height, err := n.Height(ctx)
	if err != nil || height != last+1 {
		t.Fatalf("%s: Height() = %d, %v; want %d (the config update last)", r.name, height, err, last+1)
	}
	l := bigLedger{channel: n.Channel(), blocks: make([]peerBlock, height)}
	dec, err := fabric.NewChannelDecoder(l.channel, "", false)
	if err != nil {
		t.Fatal(err)
	}
	absolute := cmp.Or(opts.AbsoluteMaxBytes, fabnet.DefaultAbsoluteMaxBytes)
	var bulk, full int
	var sizes []string
	// Fetch the peer's copies three at a time (each is a peer CLI run
	// printing the block as hex), decode them in order.
	fetch := time.Now()
	raws := make([][]byte, height)
	var g errgroup.Group
	g.SetLimit(3)
	for h := range height {
		g.Go(func() error {
			var err error
			raws[h], err = n.FetchBlock(ctx, h)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	for h := range height {
		raw := raws[h]
		raws[h] = nil
		b, err := dec.Decode(raw)
		if err != nil {
			t.Fatalf("%s: decode block %d: %v", r.name, h, err)
		}
		pb := peerBlock{size: len(raw), sum: sha256.Sum256(raw)}
		for _, tx := range b.Txs {
			pb.txs = append(pb.txs, tx.ID)
		}
		l.blocks[h], l.txs = pb, l.txs+len(pb.txs)
		if h <= cfg || h >= last {
			continue // lifecycle and config blocks
		}
		for _, tx := range b.Txs {
			if !tx.Valid || tx.Type != "ENDORSER_TRANSACTION" {
				t.Errorf("%s: block %d tx %s = %s %s, want a valid endorser transaction", r.name, h, tx.ID, tx.Type, tx.Status)
			}
		}
		bulk += len(b.Txs)
		sizes = append(sizes, fmt.Sprintf("%d:%d txs/%d B", h, len(b.Txs), len(raw)))
		switch {
		case len(b.Txs) > opts.MaxMessageCount || len(raw) > absolute+64<<10:
			t.Errorf("%s: block %d has %d txs, %d bytes; beyond MaxMessageCount %d or AbsoluteMaxBytes %d",
				r.name, h, len(b.Txs), len(raw), opts.MaxMessageCount, absolute)
		case len(raw) >= r.minBytes && len(b.Txs) >= r.minTxs:
			full++
		case h < last-1:
			// Only the last bulk block may be cut short, by the config update.
			t.Errorf("%s: block %d has %d txs, %d bytes: not cut by count or size", r.name, h, len(b.Txs), len(raw))
		}
	}
	t.Logf("%s: %d puts of %d-byte values submitted in %s, %d blocks fetched in %s; blocks %d..%d: %s", r.name, r.puts, r.valueSize,
		took.Round(time.Millisecond), height, time.Since(fetch).Round(time.Millisecond), cfg+1, last-1, strings.Join(sizes, ", "))
	if bulk != r.puts {
		t.Errorf("%s: the bulk blocks hold %d txs, want the %d puts", r.name, bulk, r.puts)
	}
	if full < r.minFull {
		t.Fatalf("%s: %d blocks of at least %d bytes and %d txs, want %d", r.name, full, r.minBytes, r.minTxs, r.minFull)
	}
	chanDir, err := n.LedgerDir("Org1")
	if err != nil {
		t.Fatal(err)
	}
	n.Stop()
	l.root = filepath.Dir(filepath.Dir(filepath.Dir(chanDir)))
	return l
}

// checkIndexed checks that the index in dir holds chain id as exactly the
// peer's blocks of l: each block's raw bytes and transactions, each
// transaction found by id at its height, the checkpoint at the head and
// nothing after it.
func checkIndexed(ctx context.Context, t *testing.T, dir, id string, l bigLedger) {
	t.Helper()
	db, err := index.Open(dir, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	head := uint64(len(l.blocks) - 1)
	if cp, err := db.Checkpoint(ctx, id); err != nil || cp.Height != head {
		t.Fatalf("Checkpoint(%s) = %d, %v; want %d", id, cp.Height, err, head)
	}
	for h, want := range l.blocks {
		b, err := db.Block(ctx, id, uint64(h))
		if err != nil {
			t.Fatalf("Block(%s, %d) = %v (gap)", id, h, err)
		}
		if len(b.Raw) != want.size || sha256.Sum256(b.Raw) != want.sum {
			t.Fatalf("Block(%s, %d) raw is %d bytes, differs from the peer's %d", id, h, len(b.Raw), want.size)
		}
		if len(b.Txs) != len(want.txs) {
			t.Fatalf("Block(%s, %d) has %d txs, the peer's %d", id, h, len(b.Txs), len(want.txs))
		}
		for i, tx := range b.Txs {
			if tx.ID != want.txs[i] {
				t.Fatalf("Block(%s, %d).Txs[%d] = %s, want %s", id, h, i, tx.ID, want.txs[i])
			}
			if tx.ID == "" {
				continue // config transactions may carry no id
			}
			got, err := db.Tx(ctx, id, tx.ID)
			if err != nil || got.Height != uint64(h) || got.Index != i {
				t.Fatalf("Tx(%s, %s) = %+v, %v; want block %d index %d", id, tx.ID, got, err, h, i)
			}
		}
	}
	if _, err := db.Block(ctx, id, head+1); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Block(%s, %d) past the head = %v, want not found", id, head+1, err)
	}
}

func TestBarBlockRE(t *testing.T) {
	var buf strings.Builder
	bar := newByteBar(&buf, ingestTexts[report.LangEN].ByteBar, "c-ch", 100)
	bar.set(42, 7, 31)
	if m := barBlockRE.FindStringSubmatch(buf.String()); m == nil || m[1] != "7" {
		t.Errorf("barBlockRE in %q = %q, want block 7", buf.String(), m)
	}
	// A draw cut short is not matched: its height may be incomplete.
	if m := barBlockRE.FindStringSubmatch(buf.String()[:strings.Index(buf.String(), "block 7")+6]); m != nil {
		t.Errorf("barBlockRE matches a cut draw: %q", m)
	}
}
