package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

// TestAuditEVMAndFisco re-audits an EVM chain (a real geth) and a FISCO
// BCOS 3.x national-crypto chain (a fiscochain test chain) from the index
// with `lianjian audit`, as a Fabric channel is: every block re-verified
// from what ingest stored, integrity OK, exit 0.
func TestAuditEVMAndFisco(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real geth and a FISCO test chain")
	}
	ctx := context.Background()
	node, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Stop()
	if _, err := node.Drive(ctx, geth.TrafficOptions{Bulk: 10}); err != nil {
		t.Fatal(err)
	}
	var headHex string
	if err := node.Call(ctx, &headHex, "eth_blockNumber"); err != nil {
		t.Fatal(err)
	}
	var evmHead uint64
	fmt.Sscanf(headHex, "0x%x", &evmHead)
	const fiscoHead = 20
	ch, err := fisconet.Start(ctx, fisconet.Options{Version: 3, GM: true, BulkBlocks: fiscoHead, BulkTxs: 3 * fiscoHead, Interval: time.Hour, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Stop()

	data := t.TempDir()
	for _, args := range [][]string{
		{"--evm-http", node.HTTP, "--chain", "dev", "--to", fmt.Sprint(evmHead)},
		{"--fisco-rpc", ch.URL, "--chain", "fx", "--gm", "--to", fmt.Sprint(fiscoHead)},
	} {
		if _, _, err := runCmd(t, append([]string{"ingest", "--data-dir", data, "--progress", "never"}, args...)...); err != nil {
			t.Fatalf("ingest %v: %v", args, err)
		}
	}
	for _, c := range []struct {
		chain string
		head  uint64
	}{{"dev", evmHead}, {"fx", fiscoHead}} {
		out, _, err := runCmd(t, "audit", "--data-dir", data, "--chain", c.chain, "--from", "0", "--lang", "en")
		want := fmt.Sprintf("chain %s: blocks 0..%d (%d)", c.chain, c.head, c.head+1)
		if err != nil || !strings.Contains(out, want) || !strings.Contains(out, "integrity OK") {
			t.Errorf("audit --chain %s = %q, %v; want %q and integrity OK", c.chain, out, err, want)
		}
		// A later range continues from the stored block below it.
		out, _, err = runCmd(t, "audit", "--data-dir", data, "--chain", c.chain, "--from", fmt.Sprint(c.head/2), "--lang", "en")
		if err != nil || !strings.Contains(out, "integrity OK") {
			t.Errorf("audit --chain %s --from %d = %q, %v", c.chain, c.head/2, out, err)
		}
	}
}
