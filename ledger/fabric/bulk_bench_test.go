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

// baseline times one run of the bare unmarshal loop, after a garbage
// collection so that it does not pay for the garbage of what ran before.
func baseline(b *testing.B, blocks [][]byte) time.Duration {
	runtime.GC()
	t0 := time.Now()
	unmarshalAll(b, blocks)
	return time.Since(t0)
}

// memSource serves the bulk ledger from memory as the Fabric file source
// of `lianjian ingest --fabric-dir` serves a ledger directory: blocks in
// order, one batch at a time (Sequential), decoded as they are fetched.
type memSource struct {
	raws [][]byte
	dec  *fabric.ChannelDecoder
}

func (*memSource) Sequential() {}

func (s *memSource) Head(context.Context) (uint64, error) { return uint64(len(s.raws) - 1), nil }

func (s *memSource) Blocks(_ context.Context, from, to uint64) ([]*ledger.Block, error) {
	out := make([]*ledger.Block, 0, to-from+1)
	for h := from; h <= to; h++ {
		b, err := s.dec.Decode(s.raws[h])
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// BenchmarkBulkIngest imports the bulk ledger into a fresh on-disk index
// through ledger.Ingester with its default configuration, as `lianjian
// ingest` does: the source decodes each fetched batch while the ingester
// commits the one before, one atomic write per batch (CommitBatch).
// After each timed run it times the baseline (bare protobuf unmarshal of
// the same blocks) and decoding alone, untimed by the framework, so all
// three see the same machine load, and reports the rates, the ratio to
// the baseline and, as of-decode, the rate of decode + index over the
// rate of decoding alone (issue 16's measure). Each timed phase starts
// after a garbage collection, so it pays for its own garbage only.
func BenchmarkBulkIngest(b *testing.B) {
	blocks, txs := loadBulk(b)
	ctx := context.Background()
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
		in, err := ledger.NewIngester("bulk", &memSource{raws: blocks, dec: dec}, db, ledger.IngestConfig{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		t0 := time.Now()
		if err := in.Run(ctx); err != nil {
			b.Fatal(err)
		}
		ingest += time.Since(t0)
		runs++
		b.StopTimer()
		if cp, err := db.Checkpoint(ctx, "bulk"); err != nil || cp.Height != uint64(len(blocks)-1) {
			b.Fatalf("checkpoint %+v, %v after the import; want %d", cp, err, len(blocks)-1)
		}
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
