package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

// TestServeFabricAndEVM runs serve over a real Fabric network (one good
// channel and one that does not exist) next to a real geth, and checks
// that the Fabric channel and the EVM chain are both ingested and
// followed while the broken channel keeps failing on its own.
func TestServeFabricAndEVM(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real Fabric network and geth")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("fabnet.Start = %v", err)
	}
	defer n.Stop()
	if _, err := n.Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	node, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Stop()
	if _, err := node.Drive(ctx, geth.TrafficOptions{Bulk: 5}); err != nil {
		t.Fatal(err)
	}
	profile, err := n.ConnectionProfile("Org1")
	if err != nil {
		t.Fatal(err)
	}
	user, err := n.User("Org1", "User1")
	if err != nil {
		t.Fatal(err)
	}
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: %s
api: {listen: "127.0.0.1:%d"}
chains:
  - id: evm
    evm: {http: %q}
    ingest: {poll_interval: 200ms}
  - id: fab
    kind: fabric
    ingest: {poll_interval: 500ms}
    fabric:
      network: testnet
      profile: %s
      channels: [%s, nochannel]
      user: {msp_id: %s, msp_dir: %s}
`, filepath.Join(t.TempDir(), "data"), port, node.HTTP, profile, n.Channel(), user.MSPID, user.MSPDir))
	apiToken = createToken(t, cfg)
	defer func() { apiToken = "" }()
	serve := startLianjian(t, "serve", "--config", cfg)
	defer func() { serve.Process.Kill(); serve.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1", port)

	fabID := "fab-" + n.Channel()
	caughtUp := func(id string, min uint64) func() bool {
		return func() bool {
			var c chainView
			return getJSON(base+"/chains/"+id, &c) == nil && c.Lag != nil && *c.Lag == 0 && *c.Height >= min
		}
	}
	height, err := n.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "fabric and evm chains ingested", 2*time.Minute, func() bool {
		return caughtUp(fabID, height-1)() && caughtUp("evm", 1)()
	})
	// New Fabric blocks are followed live.
	if _, err := n.Put(ctx, "k2", "v2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new fabric block", time.Minute, caughtUp(fabID, height))

	var nets struct {
		Items []struct {
			Name   string      `json:"name"`
			Chains []chainView `json:"chains"`
		} `json:"items"`
	}
	if err := getJSON(base+"/networks", &nets); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, nw := range nets.Items {
		if nw.Name == "testnet" {
			found = len(nw.Chains) == 2
		}
	}
	if !found {
		t.Errorf("networks = %+v, want testnet with its two channels", nets.Items)
	}
	var broken chainView
	if err := getJSON(base+"/chains/fab-nochannel", &broken); err != nil || broken.Height != nil {
		t.Errorf("chain fab-nochannel = %+v, %v; want registered and empty", broken, err)
	}
}
