package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/lianjian/lianjian/internal/testnet/geth"
)

// FuzzDecode feeds arbitrary node responses to the block decoder: it must
// return an error or a block, never panic. Seeds are real geth responses
// (testdata/fuzz/FuzzDecode), written by TestWriteFuzzSeeds.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{}`), []byte(`[]`))
	f.Add([]byte(`null`), []byte(`null`))
	d := &decoder{chain: "fuzz", signer: types.LatestSignerForChainID(big.NewInt(1337))}
	f.Fuzz(func(t *testing.T, block, receipts []byte) {
		var rs []json.RawMessage
		if json.Unmarshal(receipts, &rs) != nil {
			rs = nil
		}
		b, err := d.decode(block, rs)
		if err == nil && b == nil {
			t.Fatal("decode returned neither a block nor an error")
		}
	})
}

// TestWriteFuzzSeeds captures real blocks and receipts from geth as seed
// corpus. It runs only with LIANJIAN_WRITE_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("LIANJIAN_WRITE_SEEDS") != "1" {
		t.Skip("set LIANJIAN_WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzDecode")
	}
	ctx := context.Background()
	n, err := geth.Start(ctx, geth.Options{Dir: t.TempDir(), AllowUnprotected: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if _, err := n.Drive(ctx, geth.TrafficOptions{Unprotected: true}); err != nil {
		t.Fatal(err)
	}
	var head hexutil.Uint64
	if err := n.Call(ctx, &head, "eth_blockNumber"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for h := uint64(0); h <= uint64(head); h++ {
		var blk, rcs json.RawMessage
		num := hexutil.EncodeUint64(h)
		if err := n.Call(ctx, &blk, "eth_getBlockByNumber", num, true); err != nil {
			t.Fatal(err)
		}
		if err := n.Call(ctx, &rcs, "eth_getBlockReceipts", num); err != nil {
			t.Fatal(err)
		}
		seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", blk, rcs)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("geth-block-%d", h)), []byte(seed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
