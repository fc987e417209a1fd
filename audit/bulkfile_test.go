package audit

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// A bulk ledger on disk, for measuring the commands at production size
// (docs/benchmarks.md, issue 16): the blocks of bulkLedger written as a
// peer's block store, streamed so that any number of transactions takes
// the memory of one block.
//
//	go test ./audit -run '^TestGenerateLedger$' -gen.out /tmp/big -gen.tx 1000000 -gen.block 500 -v -timeout 0
//
// writes /tmp/big/chains/chains/mychannel/blockfile_NNNNNN, which
// `lianjian verify /tmp/big` and `lianjian ingest --fabric-dir /tmp/big`
// read like a real peer's.
var (
	genOut      = flag.String("gen.out", "", "write a bulk Fabric ledger (a peer's chains directory) under this directory")
	genTx       = flag.Int("gen.tx", 1_000_000, "synthetic transactions of the ledger -gen.out writes")
	genPerBlock = flag.Int("gen.block", 500, "transactions per synthetic block")
	genNetwork  = flag.String("gen.network", "2.5.9", "fixture network the ledger is made from: 2.5.9 (ECDSA P-256) or gm (SM2)")
)

// maxBlockfileSize is a peer's default blockfile size: a block that would
// take a file past it starts the next file.
const maxBlockfileSize = 64 << 20

// TestGenerateLedger writes the ledger -gen.out asks for; without the
// flag it does nothing.
func TestGenerateLedger(t *testing.T) {
	if *genOut == "" {
		t.Skip("no -gen.out: nothing to generate")
	}
	var nw *network
	for i := range networks {
		if networks[i].name == *genNetwork {
			nw = &networks[i]
		}
	}
	if nw == nil {
		t.Fatalf("-gen.network %q: want 2.5.9 or gm", *genNetwork)
	}
	if *genTx <= 0 || *genPerBlock <= 0 {
		t.Fatalf("-gen.tx %d, -gen.block %d: want both positive", *genTx, *genPerBlock)
	}
	start := time.Now()
	st := writeBulkLedger(t, *nw, *genOut, *genTx, *genPerBlock, maxBlockfileSize, func(st bulkStats) {
		t.Logf("%d blocks, %d transactions, %d MiB, %s", st.blocks, st.txs, st.bytes>>20, time.Since(start).Round(time.Second))
	})
	t.Logf("wrote %s: %s in %s", st.dir, st, time.Since(start).Round(time.Second))
}

// TestWriteBulkLedger writes a small bulk ledger over several blockfiles
// and checks that it reads back in order and audits clean.
func TestWriteBulkLedger(t *testing.T) {
	nw := networks[0]
	st := writeBulkLedger(t, nw, t.TempDir(), 60, 20, 48<<10, nil)
	if st.blocks != 3 || st.txs != 60 || st.files < 2 {
		t.Fatalf("wrote %s; want 3 blocks, 60 transactions, at least 2 files", st)
	}
	chans, err := fabric.Channels(filepath.Dir(filepath.Dir(filepath.Dir(st.dir))))
	if err != nil {
		t.Fatal(err)
	}
	if len(chans) != 1 || chans[0].Dir != st.dir {
		t.Fatalf("Channels = %+v, want only %s", chans, st.dir)
	}
	var blocks [][]byte
	for rb, err := range fabric.ChannelBlocks(context.Background(), st.dir) {
		if err != nil {
			t.Fatal(err)
		}
		if rb.Number != uint64(len(blocks)) || len(rb.Breaks) > 0 {
			t.Fatalf("block %d read as number %d with breaks %v", len(blocks), rb.Number, rb.Breaks)
		}
		blocks = append(blocks, rb.Bytes)
	}
	if len(blocks) != 3+3 {
		t.Fatalf("read %d blocks, want 6", len(blocks))
	}
	a := newAuditor(t, ledger.CryptoIntl)
	for _, f := range findings(auditAll(t, a, blocks)) {
		t.Errorf("finding %s: %s", f.Rule, f.Message)
	}
	if s := a.Summary(); s.Txs != 3+60 || s.Verifies != s.Signatures {
		t.Errorf("Summary = %d txs, %d of %d signatures verified; want 63 txs, all verified", s.Txs, s.Verifies, s.Signatures)
	}
}

// bulkStats describes a written bulk ledger.
type bulkStats struct {
	dir                string // the channel directory
	blocks, txs, files int    // synthetic blocks and transactions, blockfiles
	bytes              int64  // of all blockfiles
	minBlock, maxBlock int    // record sizes of the synthetic blocks
}

func (s bulkStats) String() string {
	return fmt.Sprintf("%d synthetic blocks after 3 real ones, %d transactions, %d blockfiles, %d bytes, blocks of %d to %d bytes",
		s.blocks, s.txs, s.files, s.bytes, s.minBlock, s.maxBlock)
}

// writeBulkLedger writes fixture blocks 0–2 of nw and synthetic blocks of
// perBlock transactions, at least txs in all, to the channel directory
// root/chains/chains/mychannel, in blockfiles of at most maxFile bytes.
// progress, if not nil, is called every 100 blocks.
func writeBulkLedger(t testing.TB, nw network, root string, txs, perBlock int, maxFile int64, progress func(bulkStats)) bulkStats {
	t.Helper()
	st := bulkStats{dir: filepath.Join(root, "chains", "chains", "mychannel")}
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := &blockfileWriter{t: t, dir: st.dir, max: maxFile}
	defer w.close()
	g := newBulkGen(t, nw)
	for _, raw := range g.fixture {
		w.write(blockParts(t, raw))
	}
	for st.txs < txs {
		n := w.write(g.next(t, perBlock))
		if st.minBlock == 0 || n < st.minBlock {
			st.minBlock = n
		}
		st.maxBlock = max(st.maxBlock, n)
		st.blocks++
		st.txs += perBlock
		if progress != nil && st.blocks%100 == 0 {
			st.files, st.bytes = w.num+1, w.total
			progress(st)
		}
	}
	w.close()
	st.files, st.bytes = w.num+1, w.total
	return st
}

// blockParts splits a marshalled common.Block into the parts a blockfile
// record holds.
func blockParts(t testing.TB, raw []byte) bulkBlock {
	t.Helper()
	header := get(t, raw, sel{1, 0})
	b := bulkBlock{raw: raw, dataHash: get(t, header, sel{3, 0})}
	// The number is absent when it is 0, as protobuf leaves out zeros.
	if num, typ, n := protowire.ConsumeTag(header); num == 1 && typ == protowire.VarintType {
		b.number, _ = protowire.ConsumeVarint(header[n:])
	}
	if hasField(header, sel{2, 0}) {
		b.prevHash = get(t, header, sel{2, 0})
	}
	data, meta := get(t, raw, sel{2, 0}), get(t, raw, sel{3, 0})
	for i := 0; hasField(data, sel{1, i}); i++ {
		b.envelopes = append(b.envelopes, get(t, data, sel{1, i}))
	}
	for i := 0; hasField(meta, sel{1, i}); i++ {
		b.metadata = append(b.metadata, get(t, meta, sel{1, i}))
	}
	return b
}

// blockfileWriter appends blocks to blockfile_000000, blockfile_000001,
// ... of a channel directory the way a peer's block store does: a
// varint length, then the header fields, the envelopes and the metadata
// entries, each list after its count.
type blockfileWriter struct {
	t     testing.TB
	dir   string
	max   int64 // start a new file before one would pass this size
	f     *os.File
	w     *bufio.Writer
	num   int   // number of the open file
	size  int64 // of the open file
	total int64 // of all files
}

// write appends b and returns the length of its record.
func (w *blockfileWriter) write(b bulkBlock) int {
	w.t.Helper()
	var rec []byte
	rec = protowire.AppendVarint(rec, b.number)
	rec = protowire.AppendBytes(rec, b.dataHash)
	rec = protowire.AppendBytes(rec, b.prevHash)
	rec = protowire.AppendVarint(rec, uint64(len(b.envelopes)))
	for _, e := range b.envelopes {
		rec = protowire.AppendBytes(rec, e)
	}
	rec = protowire.AppendVarint(rec, uint64(len(b.metadata)))
	for _, m := range b.metadata {
		rec = protowire.AppendBytes(rec, m)
	}
	rec = protowire.AppendBytes(nil, rec)
	if w.f != nil && w.size > 0 && w.size+int64(len(rec)) > w.max {
		w.close()
		w.num++
	}
	if w.f == nil {
		f, err := os.Create(filepath.Join(w.dir, fmt.Sprintf("blockfile_%06d", w.num)))
		if err != nil {
			w.t.Fatal(err)
		}
		w.f, w.w, w.size = f, bufio.NewWriterSize(f, 1<<20), 0
	}
	if _, err := w.w.Write(rec); err != nil {
		w.t.Fatal(err)
	}
	w.size += int64(len(rec))
	w.total += int64(len(rec))
	return len(rec)
}

// close flushes and closes the open file, if any.
func (w *blockfileWriter) close() {
	if w.f == nil {
		return
	}
	f := w.f
	w.f = nil
	if err := w.w.Flush(); err != nil {
		f.Close()
		w.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		w.t.Fatal(err)
	}
}
