package fabric_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go/common"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// bulkLedger is where `make fabric-ledger` leaves the peer ledger of a
// real network with at least 5,000 transactions; LIANJIAN_FABRIC_LEDGER
// overrides it.
const bulkLedger = "../../.cache/fabric-ledger/peer0.org1.example.com"

// loadBulk reads every block of the bulk ledger into memory, so that the
// benchmark measures decoding and indexing, not the disk.
func loadBulk(b *testing.B) (blocks [][]byte, txs int) {
	b.Helper()
	dir := bulkLedger
	if d := os.Getenv("LIANJIAN_FABRIC_LEDGER"); d != "" {
		dir = d
	}
	chans, err := fabric.Channels(dir)
	if err != nil {
		b.Skipf("no bulk Fabric ledger at %s (run make fabric-ledger): %v", dir, err)
	}
	for rb, err := range fabric.ChannelBlocks(context.Background(), chans[0].Dir) {
		if err != nil {
			b.Fatal(err)
		}
		blocks = append(blocks, rb.Bytes)
	}
	for _, raw := range blocks {
		var blk common.Block
		if err := proto.Unmarshal(raw, protoadapt.MessageV2Of(&blk)); err != nil {
			b.Fatal(err)
		}
		txs += len(blk.GetData().GetData())
	}
	if txs < 5000 {
		b.Logf("bulk ledger holds only %d transactions", txs)
	}
	return blocks, txs
}

// unmarshalAll is the baseline: a bare protobuf unmarshal of each block
// and each of its envelopes.
func unmarshalAll(b *testing.B, blocks [][]byte) {
	for _, raw := range blocks {
		var blk common.Block
		if err := proto.Unmarshal(raw, protoadapt.MessageV2Of(&blk)); err != nil {
			b.Fatal(err)
		}
		for _, d := range blk.Data.Data {
			var env common.Envelope
			if err := proto.Unmarshal(d, protoadapt.MessageV2Of(&env)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// baseline times one run of the bare unmarshal loop.
func baseline(b *testing.B, blocks [][]byte) time.Duration {
	t0 := time.Now()
	unmarshalAll(b, blocks)
	return time.Since(t0)
}

// BenchmarkBulkIngest decodes every block of the bulk ledger and commits
// it to a fresh on-disk index in batches of consecutive blocks, one
// atomic write per batch, as ledger.Ingester (`lianjian ingest`) does. After each timed run it times the baseline
// (bare protobuf unmarshal of the same blocks) and decoding alone, untimed
// by the framework, so all three see the same machine load, and reports
// the rates, the ratio to the baseline and, as of-decode, the rate of
// decode + index over the rate of decoding alone (issue 16's measure).
func BenchmarkBulkIngest(b *testing.B) {
	blocks, txs := loadBulk(b)
	ctx := context.Background()
	// Batches as the ingester fetches and commits them by default: up to
	// Batch blocks and about MaxBytes/Prefetch bytes each.
	var cfg ledger.IngestConfig
	cfg.Defaults()
	batchBytes := cfg.MaxBytes / int64(cfg.Prefetch)
	b.ReportAllocs()
	b.ResetTimer()
	var ingest, base, decode time.Duration
	runs := 0
	for b.Loop() {
		b.StopTimer()
		db, err := index.Open(b.TempDir(), index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.PutChain(ctx, ledger.Chain{ID: "bulk", Kind: ledger.KindFabric}); err != nil {
			b.Fatal(err)
		}
		dec, err := fabric.NewChannelDecoder("bulk", "", false)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC() // each timed phase pays for its own garbage only
		b.StartTimer()
		t0 := time.Now()
		var run []*ledger.Block
		var runBytes int64
		flush := func() {
			if err := db.CommitBatch(ctx, run); err != nil {
				b.Fatal(err)
			}
			run, runBytes = run[:0], 0
		}
		for _, raw := range blocks {
			blk, err := dec.Decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			run = append(run, blk)
			if runBytes += int64(len(raw)); len(run) == cfg.Batch || runBytes >= batchBytes {
				flush()
			}
		}
		flush()
		ingest += time.Since(t0)
		runs++
		b.StopTimer()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		base += baseline(b, blocks)
		decode += decodeAll(b, blocks)
		b.StartTimer()
	}
	rate := float64(txs*runs) / ingest.Seconds()
	baseRate := float64(txs*runs) / base.Seconds()
	b.ReportMetric(rate, "tx/s")
	b.ReportMetric(baseRate, "baseline-tx/s")
	b.ReportMetric(rate/baseRate, "ratio")
	b.ReportMetric(decode.Seconds()/ingest.Seconds(), "of-decode")
	b.ReportMetric(float64(txs), "txs")
}

// decodeAll times one run of decoding every block, without the index:
// BenchmarkBulkDecode's loop.
func decodeAll(b *testing.B, blocks [][]byte) time.Duration {
	dec, err := fabric.NewChannelDecoder("bulk", "", false)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	t0 := time.Now()
	for _, raw := range blocks {
		if _, err := dec.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0)
}

// BenchmarkBulkDecode is BenchmarkBulkIngest without the index: decoding
// alone, against the same baseline.
func BenchmarkBulkDecode(b *testing.B) {
	blocks, txs := loadBulk(b)
	b.ReportAllocs()
	b.ResetTimer()
	var dur, base time.Duration
	runs := 0
	for b.Loop() {
		dec, err := fabric.NewChannelDecoder("bulk", "", false)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		for _, raw := range blocks {
			if _, err := dec.Decode(raw); err != nil {
				b.Fatal(err)
			}
		}
		dur += time.Since(t0)
		runs++
		b.StopTimer()
		base += baseline(b, blocks)
		b.StartTimer()
	}
	rate := float64(txs*runs) / dur.Seconds()
	baseRate := float64(txs*runs) / base.Seconds()
	b.ReportMetric(rate, "tx/s")
	b.ReportMetric(baseRate, "baseline-tx/s")
	b.ReportMetric(rate/baseRate, "ratio")
}
