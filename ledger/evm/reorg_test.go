package evm_test

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// TestReorg ingests a simulated chain, forks it below the head with a
// longer side chain, and checks that ingest rolls back to the common
// ancestor, re-ingests the new branch and records the reorg, and that the
// finding about a transaction of the dropped blocks is resolved as
// reorganised away, then reopened when the new branch includes it again.
func TestReorg(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a simulated go-ethereum node over HTTP")
	}
	ctx := context.Background()
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	alloc := types.GenesisAlloc{}
	for i := 0; i < 2; i++ {
		k := geth.Key(10 + i)
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Mul(big.NewInt(1e18), big.NewInt(100))}
	}
	sim := simulated.NewBackend(alloc, func(nc *node.Config, _ *ethconfig.Config) {
		nc.HTTPHost, nc.HTTPPort, nc.HTTPModules = "127.0.0.1", port, []string{"eth", "net", "web3"}
		nc.AllowUnprotectedTxs = true
	})
	defer sim.Close()
	client := sim.Client()
	chainID, err := client.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nonces := map[int]uint64{}
	send := func(who int, value int64) {
		t.Helper()
		k := geth.Key(10 + who)
		to := common.HexToAddress("0x00000000000000000000000000000000000000aa")
		head, err := client.HeaderByNumber(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		fee := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), big.NewInt(1e9))
		tx, err := types.SignNewTx(k, types.LatestSignerForChainID(chainID), &types.DynamicFeeTx{
			ChainID: chainID, Nonce: nonces[who], GasTipCap: big.NewInt(1e9), GasFeeCap: fee, Gas: 21000, To: &to, Value: big.NewInt(value),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := client.SendTransaction(ctx, tx); err != nil {
			t.Fatal(err)
		}
		nonces[who]++
	}
	var hashes []common.Hash
	for i := 0; i < 5; i++ {
		send(0, int64(i+1))
		hashes = append(hashes, sim.Commit())
	}
	// Block 6 holds a transaction without replay protection.
	head, err := client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := types.SignNewTx(geth.Key(10), types.HomesteadSigner{}, &types.LegacyTx{
		Nonce: nonces[0], GasPrice: new(big.Int).Mul(head.BaseFee, big.NewInt(2)), Gas: 21000,
		To: &common.Address{0xaa}, Value: big.NewInt(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SendTransaction(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	hashes = append(hashes, sim.Commit())

	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src, err := evm.Dial(ctx, evm.Config{Chain: "sim", HTTP: fmt.Sprintf("http://127.0.0.1:%d", port)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := db.PutChain(ctx, ledger.Chain{ID: "sim", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	ingest := func() {
		t.Helper()
		in, err := ledger.NewIngester("sim", src, db, ledger.IngestConfig{Batch: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Run(ctx); err != nil {
			t.Fatalf("Run = %v", err)
		}
	}
	ingest()
	cp, _ := db.Checkpoint(ctx, "sim")
	if cp.Height != 6 {
		t.Fatalf("Checkpoint before fork = %d, want 6", cp.Height)
	}
	unprotected := ledger.FindingID(evm.RuleUnprotected.ID, "sim", ledger.Subject{Kind: "tx", Ref: strings.TrimPrefix(legacy.Hash().Hex(), "0x")})
	if f, err := db.Finding(ctx, unprotected); err != nil || f.Status != ledger.StatusOpen {
		t.Fatalf("finding on the unprotected tx = %+v, %v; want open", f, err)
	}

	// Fork at block 3 (hashes[2]) and grow the side chain to height 8.
	if err := sim.Fork(hashes[2]); err != nil {
		t.Fatal(err)
	}
	nonces[0] = 3
	for i := 0; i < 5; i++ {
		send(1, int64(100+i))
		sim.Commit()
	}
	ingest()

	cp, _ = db.Checkpoint(ctx, "sim")
	if cp.Height != 8 {
		t.Fatalf("Checkpoint after fork = %d, want 8", cp.Height)
	}
	for h := uint64(0); h <= 8; h++ {
		want, err := src.HashAt(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.Block(ctx, "sim", h)
		if err != nil {
			t.Fatalf("Block(%d) = %v", h, err)
		}
		if !bytes.Equal(b.Hash, want) {
			t.Errorf("Block(%d) hash %x, canonical %x", h, b.Hash, want)
		}
	}
	rs, err := db.Reorgs(ctx, "sim")
	if err != nil || len(rs) != 1 {
		t.Fatalf("Reorgs = %+v, %v; want 1", rs, err)
	}
	if r := rs[0]; r.Ancestor != 3 || r.Depth != 3 || !bytes.Equal(r.OldHashes[len(r.OldHashes)-1], hashes[3].Bytes()) {
		t.Errorf("Reorg = ancestor %d depth %d old %x; want ancestor 3 depth 3 old[last] %x", r.Ancestor, r.Depth, r.OldHashes, hashes[3])
	}
	// The reorganisation resolved the finding, and the new branch
	// re-included the transaction (the node put the dropped branch's
	// transactions back in its pool), which reopened it there.
	f, err := db.Finding(ctx, unprotected)
	if err != nil || f.Status != ledger.StatusOpen || f.Subject.Height > 5 {
		t.Fatalf("finding on the re-included tx = %+v, %v; want open at its new height", f, err)
	}
	hist, _, err := db.FindingHistory(ctx, unprotected)
	if err != nil || len(hist) != 2 || hist[0].Kind != supervise.KindReorged || !strings.Contains(hist[0].Comment, "back to block 3") ||
		hist[1].Kind != supervise.KindRedetected {
		t.Errorf("history = %+v, %v; want reorged, then redetected", hist, err)
	}
	if _, err := db.BlockByHash(ctx, "sim", hashes[4].Bytes()); err == nil {
		t.Error("block 5 of the old branch is still indexed")
	}
}
