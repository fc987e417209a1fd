package geth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// DefaultChainID is the chain id of a private node when Options.ChainID
// is zero.
const DefaultChainID = 20261

// privateGasLimit is the private genesis block's gas limit.
const privateGasLimit = 30_000_000

// privateGenesis renders the genesis of a private node: every fork up to
// Shanghai active from block 0, merged at genesis (terminal total
// difficulty 0, as geth supports proof-of-stake networks only), no
// pre-funded accounts and no consensus engine of its own, so nothing is
// sealed without a consensus client.
func privateGenesis(chainID uint64) ([]byte, error) {
	cfg := map[string]any{"chainId": chainID, "terminalTotalDifficulty": 0, "shanghaiTime": 0}
	for _, fork := range []string{
		"homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
		"constantinopleBlock", "petersburgBlock", "istanbulBlock", "berlinBlock", "londonBlock",
		"mergeNetsplitBlock",
	} {
		cfg[fork] = 0
	}
	g := map[string]any{
		"config":     cfg,
		"nonce":      "0x0",
		"timestamp":  "0x0",
		"extraData":  "0x",
		"gasLimit":   fmt.Sprintf("0x%x", privateGasLimit),
		"difficulty": "0x0",
		"alloc":      map[string]any{},
	}
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode genesis: %w", err)
	}
	return b, nil
}

// initPrivate writes the private genesis to dir/genesis.json and runs
// geth init with it on dataDir, logging to dir/init.log.
func initPrivate(ctx context.Context, bin, dir, dataDir string, chainID uint64) error {
	g, err := privateGenesis(chainID)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "genesis.json")
	if err := os.WriteFile(path, g, 0o644); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "init", "--datadir", dataDir, path)
	out, err := cmd.CombinedOutput()
	if werr := os.WriteFile(filepath.Join(dir, "init.log"), out, 0o644); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("geth init: %w\n%s", err, tail(out, 2000))
	}
	return nil
}
