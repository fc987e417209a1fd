package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// benchLedger is the Fabric ledger BenchmarkStorePostgres imports: the
// 5,000-transaction peer ledger of `make fabric-ledger` when present
// (LIANJIAN_FABRIC_LEDGER overrides it), else the shared 2.5.9 fixture.
func benchLedger(b *testing.B) string {
	if d := os.Getenv("LIANJIAN_FABRIC_LEDGER"); d != "" {
		return d
	}
	if _, err := os.Stat("../../.cache/fabric-ledger/peer0.org1.example.com"); err == nil {
		return "../../.cache/fabric-ledger/peer0.org1.example.com"
	}
	if _, err := os.Stat(sharedFixtures); err != nil {
		b.Skipf("no Fabric ledger to import: %v", err)
	}
	return sharedFixtures + "/fabric-2.5.9/peer"
}

// runBench runs a lianjian command in-process for a benchmark.
func runBench(b *testing.B, args ...string) {
	b.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), &env{stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}, args)
	if err != nil {
		b.Fatalf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
	}
}

// BenchmarkStorePostgres times `ingest --fabric-dir` plus `audit` of the
// same ledger into a fresh badger directory and into a fresh PostgreSQL
// database on a real local server (fsync on), alternating which goes
// first, and reports the transactions per second of each and the ratio
// PostgreSQL / badger.
func BenchmarkStorePostgres(b *testing.B) {
	ledgerDir := benchLedger(b)
	srv := pgtest.Start(b)
	channels, txs := benchInfo(b, ledgerDir)
	// ingest and audit time of each store
	var pg, bg [2]time.Duration
	runs := 0
	timed := func(d *[2]time.Duration, where ...string) {
		t0 := time.Now()
		runBench(b, append([]string{"ingest", "--progress", "never", "--chain", "bench", "--fabric-dir", ledgerDir}, where...)...)
		t1 := time.Now()
		for _, ch := range channels {
			runBench(b, append([]string{"audit", "--chain", "bench-" + ch, "--from", "0"}, where...)...)
		}
		d[0] += t1.Sub(t0)
		d[1] += time.Since(t1)
	}
	for b.Loop() {
		b.StopTimer()
		dsn := pgtest.NewDB(b, srv)
		dir := b.TempDir()
		b.StartTimer()
		if runs%2 == 0 {
			timed(&bg, "--data-dir", dir)
			timed(&pg, "--store", dsn)
		} else {
			timed(&pg, "--store", dsn)
			timed(&bg, "--data-dir", dir)
		}
		runs++
	}
	n := float64(txs * runs)
	b.ReportMetric(n/(pg[0]+pg[1]).Seconds(), "pg-tx/s")
	b.ReportMetric(n/(bg[0]+bg[1]).Seconds(), "badger-tx/s")
	b.ReportMetric((bg[0]+bg[1]).Seconds()/(pg[0]+pg[1]).Seconds(), "ratio")
	b.ReportMetric(bg[0].Seconds()/pg[0].Seconds(), "ingest-ratio")
	b.ReportMetric(bg[1].Seconds()/pg[1].Seconds(), "audit-ratio")
	b.ReportMetric(float64(txs), "txs")
}

// benchInfo returns the channels of the ledger in dir and how many
// transactions they hold.
func benchInfo(b *testing.B, dir string) (channels []string, txs int) {
	b.Helper()
	chans, err := fabric.Channels(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, ch := range chans {
		dec, err := fabric.NewChannelDecoder(ch.Name, "", false)
		if err != nil {
			b.Fatal(err)
		}
		for rb, err := range fabric.ChannelBlocks(context.Background(), ch.Dir) {
			if err != nil {
				b.Fatal(err)
			}
			blk, err := dec.Decode(rb.Bytes)
			if err != nil {
				b.Fatal(err)
			}
			txs += len(blk.Txs)
		}
		channels = append(channels, ch.Name)
	}
	return channels, txs
}
