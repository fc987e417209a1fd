package fisconet

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want error
	}{
		{"3.x", Options{DataDir: "d"}, nil},
		{"2.x gm", Options{DataDir: "d", Version: 2, GM: true}, nil},
		{"governance", Options{DataDir: "d", Governance: []string{"3:addSealer:4"}}, nil},
		{"no datadir", Options{}, ErrBadOptions},
		{"version 4", Options{DataDir: "d", Version: 4}, ErrBadOptions},
		{"bulk txs alone", Options{DataDir: "d", BulkTxs: 5}, ErrBadOptions},
		{"bad governance", Options{DataDir: "d", Governance: []string{"3:remove"}}, ErrBadOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.opts.Validate(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
}

func start(t *testing.T, o Options) *Chain {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a fiscochain process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// waitHeight polls until the 3.x chain reaches height n.
func waitHeight(t *testing.T, c *Chain, n int64) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var h int64
		if err := c.Call(ctx, &h, "getBlockNumber", c.Group, ""); err != nil {
			t.Fatal(err)
		}
		if h >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("getBlockNumber = %d, want >= %d", h, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type block3 struct {
	Hash       string                       `json:"hash"`
	Number     int64                        `json:"number"`
	SealerList []string                     `json:"sealerList"`
	ParentInfo []struct{ BlockHash string } `json:"parentInfo"`
	Signatures []struct {
		SealerIndex int64
		Signature   string
	} `json:"signatureList"`
	Transactions []struct {
		Hash, From, Signature, To string
	} `json:"transactions"`
}

func TestChain3GM(t *testing.T) {
	c := start(t, Options{GM: true, Interval: 100 * time.Millisecond, Txs: 2, DataDir: t.TempDir(),
		Governance: []string{"3:addSealer:4", "4:setConfig:tx_count_limit:2000"}})
	ctx := context.Background()
	waitHeight(t, c, 6)
	nodes, err := c.Nodes(ctx)
	if err != nil || len(nodes) != 5 || nodes[4].Role != "sealer" || len(nodes[4].NodeID) != 128 {
		t.Fatalf("Nodes() = %+v, %v; want node 4 a sealer with a 64-byte id", nodes, err)
	}
	var prev block3
	for n := int64(1); n <= 6; n++ {
		var b block3
		if err := c.Call(ctx, &b, "getBlockByNumber", c.Group, "", n, false, false); err != nil {
			t.Fatal(err)
		}
		if b.Number != n || len(b.Transactions) < 2 || len(b.Signatures) < 3 {
			t.Fatalf("Block(%d) = number %d, %d txs, %d signatures; want %d, >= 2, >= 3", n, b.Number, len(b.Transactions), len(b.Signatures), n)
		}
		if n > 1 && b.ParentInfo[0].BlockHash != prev.Hash {
			t.Errorf("Block(%d) parent = %s, want %s", n, b.ParentInfo[0].BlockHash, prev.Hash)
		}
		if want := 4 + btoi(n > 3); len(b.SealerList) != want {
			t.Errorf("Block(%d) has %d sealers, want %d", n, len(b.SealerList), want)
		}
		if sig := b.Signatures[0].Signature; len(sig) != 2+128 {
			t.Errorf("Block(%d) GM sealer signature is %d hex chars, want 0x + 128 (r‖s)", n, len(sig))
		}
		if tx := b.Transactions[0]; len(tx.Signature) != 2+256 {
			t.Errorf("Block(%d) GM tx signature is %d hex chars, want 0x + 256 (r‖s‖pub)", n, len(tx.Signature))
		}
		prev = b
	}
	// 3.x orders the consensus list by node id, so look the new sealer up.
	if !slices.Contains(prev.SealerList, "0x"+nodes[4].NodeID) {
		t.Errorf("Block(6) sealerList = %v, want it to hold added node %s", prev.SealerList, nodes[4].NodeID)
	}
	var cfg struct {
		BlockNumber int64  `json:"blockNumber"`
		Value       string `json:"value"`
	}
	if err := c.Call(ctx, &cfg, "getSystemConfigByKey", c.Group, "", "tx_count_limit"); err != nil || cfg.Value != "2000" || cfg.BlockNumber != 4 {
		t.Errorf("getSystemConfigByKey = %+v, %v; want 2000 at 4", cfg, err)
	}
	var r struct {
		Status          int    `json:"status"`
		ContractAddress string `json:"contractAddress"`
		TransactionHash string `json:"transactionHash"`
	}
	var b1 block3
	if err := c.Call(ctx, &b1, "getBlockByNumber", c.Group, "", 1, false, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, &r, "getTransactionReceipt", c.Group, "", b1.Transactions[0].Hash, false); err != nil || r.Status != 0 || len(r.ContractAddress) != 42 {
		t.Errorf("deployment receipt = %+v, %v", r, err)
	}

	// A crash (SIGKILL) and restart resume the same chain.
	c.Kill()
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	var again block3
	if err := c.Call(ctx, &again, "getBlockByNumber", c.Group, "", 1, true, false); err != nil || again.Hash != b1.Hash {
		t.Errorf("after restart Block(1) = %s, %v; want %s", again.Hash, err, b1.Hash)
	}
	waitHeight(t, c, prev.Number+2)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestChain2(t *testing.T) {
	c := start(t, Options{Version: 2, Interval: 100 * time.Millisecond, BulkBlocks: 20, BulkTxs: 100, DataDir: t.TempDir()})
	ctx := context.Background()
	var h string
	if err := c.Call(ctx, &h, "getBlockNumber", c.Group); err != nil {
		t.Fatal(err)
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(h, "0x"), 16, 64); err != nil || n < 20 {
		t.Fatalf("getBlockNumber = %q, want 0x hex >= 20", h)
	}
	var b struct {
		Number        string `json:"number"`
		ParentHash    string `json:"parentHash"`
		SignatureList []struct {
			Index     string `json:"index"`
			Signature string `json:"signature"`
		} `json:"signatureList"`
		Transactions []struct {
			Hash      string             `json:"hash"`
			Signature struct{ V string } `json:"signature"`
		} `json:"transactions"`
	}
	if err := c.Call(ctx, &b, "getBlockByNumber", c.Group, "0x5", true); err != nil {
		t.Fatal(err)
	}
	if b.Number != "0x5" || len(b.Transactions) != 5 || len(b.SignatureList) != 3 || len(b.SignatureList[0].Signature) != 2+130 {
		t.Errorf("getBlockByNumber(5) = %+v", b)
	}
	var prev string
	if err := c.Call(ctx, &prev, "getBlockHashByNumber", c.Group, "0x4"); err != nil || prev != b.ParentHash {
		t.Errorf("getBlockHashByNumber(4) = %s, %v; want parentHash %s", prev, err, b.ParentHash)
	}
	var sealers []string
	if err := c.Call(ctx, &sealers, "getSealerList", c.Group); err != nil || len(sealers) != 4 || len(sealers[0]) != 128 {
		t.Errorf("getSealerList = %v, %v", sealers, err)
	}
}
