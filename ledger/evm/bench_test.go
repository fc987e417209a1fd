package evm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/index"
)

const benchBatch = 32

var benchNode struct {
	once sync.Once
	node *geth.Node
	head uint64
	txs  int
	err  error
}

// benchChain starts one geth holding at least 2,000 transactions, shared
// by the benchmarks of this package.
func benchChain(b *testing.B) (*geth.Node, uint64, int) {
	b.Helper()
	benchNode.once.Do(func() {
		ctx := context.Background()
		dir, err := tempDir()
		if err != nil {
			benchNode.err = err
			return
		}
		n, err := geth.Start(ctx, geth.Options{Dir: dir})
		if err != nil {
			benchNode.err = err
			return
		}
		tr, err := n.Drive(ctx, geth.TrafficOptions{Bulk: 2000})
		if err != nil {
			benchNode.err = err
			return
		}
		var head hexutil.Uint64
		benchNode.err = n.Call(ctx, &head, "eth_blockNumber")
		benchNode.node, benchNode.head, benchNode.txs = n, uint64(head), len(tr.Txs)
	})
	if benchNode.err != nil {
		b.Fatal(benchNode.err)
	}
	return benchNode.node, benchNode.head, benchNode.txs
}

// fetchAll is the baseline: a bare batched JSON-RPC loop fetching every
// block with its transactions and receipts, without decoding or storing.
func fetchAll(ctx context.Context, c *rpc.Client, head uint64) error {
	for lo := uint64(0); lo <= head; lo += benchBatch {
		hi := min(lo+benchBatch-1, head)
		var elems []rpc.BatchElem
		for h := lo; h <= hi; h++ {
			var blk, rcs json.RawMessage
			n := hexutil.EncodeUint64(h)
			elems = append(elems,
				rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{n, true}, Result: &blk},
				rpc.BatchElem{Method: "eth_getBlockReceipts", Args: []any{n}, Result: &rcs})
		}
		if err := c.BatchCallContext(ctx, elems); err != nil {
			return err
		}
		for _, e := range elems {
			if e.Error != nil {
				return e.Error
			}
		}
	}
	return nil
}

// prepareIngest opens a fresh on-disk index and a source for one timed
// ingest run, as a running service has them, and returns the run.
func prepareIngest(ctx context.Context, dir, url string) (run func() error, done func(), err error) {
	db, err := index.Open(dir, index.Options{})
	if err != nil {
		return nil, nil, err
	}
	src, err := evm.Dial(ctx, evm.Config{Chain: "bench", HTTP: url, FetchCode: true})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	done = func() { src.Close(); db.Close() }
	if err := db.PutChain(ctx, ledger.Chain{ID: "bench", Kind: ledger.KindEVM}); err != nil {
		done()
		return nil, nil, err
	}
	in, err := ledger.NewIngester("bench", src, db, ledger.IngestConfig{Batch: benchBatch}, nil)
	if err != nil {
		done()
		return nil, nil, err
	}
	return func() error { return in.Run(ctx) }, done, nil
}

// BenchmarkIngestVsFetch measures EVM ingest throughput against the bare
// fetch loop on the same node in the same run. The ratio metric is ingest
// throughput / fetch throughput (target >= 0.8).
func BenchmarkIngestVsFetch(b *testing.B) {
	node, head, txs := benchChain(b)
	ctx := context.Background()
	c, err := rpc.DialContext(ctx, node.HTTP)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := fetchAll(ctx, c, head); err != nil { // warm the node's caches for both
		b.Fatal(err)
	}
	b.ReportAllocs()
	var fetchT, ingestT time.Duration
	for i := 0; b.Loop(); i++ {
		run, done, err := prepareIngest(ctx, fmt.Sprintf("%s/%d", b.TempDir(), i), node.HTTP)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := fetchAll(ctx, c, head); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := run(); err != nil {
			b.Fatal(err)
		}
		fetchT += t1.Sub(t0)
		ingestT += time.Since(t1)
		done()
	}
	blocks := float64(head+1) * float64(b.N)
	b.ReportMetric(blocks/ingestT.Seconds(), "ingest-blocks/s")
	b.ReportMetric(float64(txs*b.N)/ingestT.Seconds(), "ingest-tx/s")
	b.ReportMetric(blocks/fetchT.Seconds(), "fetch-blocks/s")
	b.ReportMetric(float64(txs*b.N)/fetchT.Seconds(), "fetch-tx/s")
	b.ReportMetric(fetchT.Seconds()/ingestT.Seconds(), "ratio")
}
