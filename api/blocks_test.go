package api

import (
	"context"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// fullBlocks is an index without SummaryReader: the server reads every
// block page's transactions in full.
type fullBlocks struct {
	Index
	AuditReader
}

// countedBlocks counts the full block reads of an index.
type countedBlocks struct {
	*index.DB
	full atomic.Int32
}

func (c *countedBlocks) Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error) {
	c.full.Add(1)
	return c.DB.Block(ctx, chain, height)
}

func (c *countedBlocks) BlockByHash(ctx context.Context, chain string, hash []byte) (*ledger.Block, error) {
	c.full.Add(1)
	return c.DB.BlockByHash(ctx, chain, hash)
}

// TestBlockSummaries checks that a block page reads the block with
// summaries of its transactions, not the transactions, unless it shows
// the raw block, and that it serves the same bytes as a page built from
// the full transactions: every block of every fixture chain (EVM, Fabric
// with and without an audit, FISCO BCOS), by height and by hash.
func TestBlockSummaries(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) *index.DB
	}{
		{"fixture", func(t *testing.T) *index.DB { return openIndex(t, "") }},
		{"fabric", fabricIndex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := tc.open(t)
			counted := &countedBlocks{DB: db}
			summaries := newTestServer(t, Config{}, counted, nil).Handler()
			full := newTestServer(t, Config{}, fullBlocks{db, db}, nil).Handler()
			chains, err := db.Chains(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages := 0
			for _, c := range chains {
				blocks, _, err := db.Blocks(ctx, c.ID, ledger.Page{Limit: index.MaxLimit})
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range blocks {
					base := Version + "/chains/" + c.ID + "/blocks/"
					for _, path := range []string{
						base + strconv.FormatUint(b.Height, 10), base + "0x" + hex.EncodeToString(b.Hash),
						base + strconv.FormatUint(b.Height, 10) + "?raw=1", base + "0x" + hex.EncodeToString(b.Hash) + "?raw=1",
					} {
						before := counted.full.Load()
						code, got := do(t, summaries, http.MethodGet, path, nil)
						wantCode, want := do(t, full, http.MethodGet, path, nil)
						if code != wantCode || string(got) != string(want) {
							t.Errorf("GET %s = %d %s\nwant %d %s", path, code, got, wantCode, want)
						}
						if read, raw := counted.full.Load() > before, strings.HasSuffix(path, "?raw=1"); read != raw {
							t.Errorf("GET %s read the block in full: %v, want %v", path, read, raw)
						}
						pages++
					}
				}
			}
			if pages < 40 {
				t.Fatalf("compared %d block pages, want at least 40", pages)
			}
		})
	}
}
