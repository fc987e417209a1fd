package fabnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// UpdateBatchTimeout changes the channel's orderer BatchTimeout with a
// config update: fetch the config block, edit it, configtxlator
// compute_update, wrap it in an envelope, sign it as the orderer admin
// (signconfigtx) and submit it as Org1's admin (channel update). It waits
// until Org1's peer has committed the CONFIG block and returns its number.
// The update also cuts the orderer's pending batch into a block of its
// own, before the CONFIG block.
func (n *Network) UpdateBatchTimeout(ctx context.Context, d time.Duration) (uint64, error) {
	dir, err := os.MkdirTemp(n.path("tmp"), "config-update-")
	if err != nil {
		return 0, fmt.Errorf("config update: %w", err)
	}
	defer os.RemoveAll(dir)
	f := func(name string) string { return filepath.Join(dir, name) }
	org1, orderer := n.admin("Org1"), n.admin(OrdererOrg)
	org1Env := n.cliEnv(org1, n.peers[0])
	args := append([]string{"channel", "fetch", "config", f("config_block.pb"), "-c", n.opts.Channel}, n.ordererFlags(org1)...)
	if _, err := n.tool(ctx, "peer", org1Env, args...); err != nil {
		return 0, err
	}
	blockJSON, err := n.tool(ctx, "configtxlator", nil, "proto_decode", "--input", f("config_block.pb"), "--type", "common.Block")
	if err != nil {
		return 0, err
	}
	original, updated, err := editBatchTimeout(blockJSON, d)
	if err != nil {
		return 0, err
	}
	if err := n.encode(ctx, original, "common.Config", f("original.pb")); err != nil {
		return 0, err
	}
	if err := n.encode(ctx, updated, "common.Config", f("updated.pb")); err != nil {
		return 0, err
	}
	if _, err := n.tool(ctx, "configtxlator", nil, "compute_update", "--channel_id", n.opts.Channel,
		"--original", f("original.pb"), "--updated", f("updated.pb"), "--output", f("update.pb")); err != nil {
		return 0, err
	}
	update, err := n.tool(ctx, "configtxlator", nil, "proto_decode", "--input", f("update.pb"), "--type", "common.ConfigUpdate")
	if err != nil {
		return 0, err
	}
	env, err := json.Marshal(map[string]any{"payload": map[string]any{
		"header": map[string]any{"channel_header": map[string]any{"channel_id": n.opts.Channel, "type": 2}},
		"data":   map[string]any{"config_update": json.RawMessage(update)},
	}})
	if err != nil {
		return 0, fmt.Errorf("config update envelope: %w", err)
	}
	if err := n.encode(ctx, env, "common.Envelope", f("envelope.pb")); err != nil {
		return 0, err
	}
	if _, err := n.tool(ctx, "peer", n.cliEnv(orderer, nil), "channel", "signconfigtx", "-f", f("envelope.pb")); err != nil {
		return 0, err
	}
	before, err := n.Height(ctx)
	if err != nil {
		return 0, err
	}
	args = append([]string{"channel", "update", "-f", f("envelope.pb"), "-c", n.opts.Channel}, n.ordererFlags(org1)...)
	if _, err := n.tool(ctx, "peer", org1Env, args...); err != nil {
		return 0, err
	}
	// The orderer cuts any pending batch into a block before the CONFIG
	// block, so the CONFIG block is the last config block the orderer has
	// at or above the height before the update, not necessarily that
	// height.
	var num uint64
	err = retry(ctx, n.opts.ReadyTimeout, func() error {
		var err error
		if num, err = n.lastConfigBlock(ctx, org1, f("last_config.pb")); err == nil && num < before {
			err = fmt.Errorf("%w: orderer's last config block is %d, below %d", ErrNotReady, num, before)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	err = retry(ctx, n.opts.ReadyTimeout, func() error {
		h, err := n.Height(ctx)
		if err == nil && h <= num {
			err = fmt.Errorf("%w: config block %d not committed at height %d", ErrNotReady, num, h)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	n.txs.Add(1)
	return num, nil
}

var lastConfigRE = regexp.MustCompile(`Retrieving last config block: (\d+)`)

// lastConfigBlock fetches the channel's last config block from the orderer
// as id into file and returns its number, which the peer CLI logs after
// reading it from the newest block's metadata.
func (n *Network) lastConfigBlock(ctx context.Context, id Identity, file string) (uint64, error) {
	args := append([]string{"channel", "fetch", "config", file, "-c", n.opts.Channel}, n.ordererFlags(id)...)
	_, stderr, err := n.run(ctx, "peer", n.cliEnv(id, n.peers[0]), args...)
	if err != nil {
		return 0, err
	}
	m := lastConfigRE.FindSubmatch(stderr)
	if m == nil {
		return 0, fmt.Errorf("%w: channel fetch config: no block number in output: %s", ErrCommand, tail(stderr))
	}
	num, err := strconv.ParseUint(string(m[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: channel fetch config: %w", ErrCommand, err)
	}
	return num, nil
}

// encode runs configtxlator proto_encode on JSON input.
func (n *Network) encode(ctx context.Context, in []byte, typ, out string) error {
	src := out + ".json"
	if err := os.WriteFile(src, in, 0o644); err != nil {
		return fmt.Errorf("config update: %w", err)
	}
	_, err := n.tool(ctx, "configtxlator", nil, "proto_encode", "--input", src, "--type", typ, "--output", out)
	return err
}

// editBatchTimeout extracts the channel config from a decoded config block
// and returns it unchanged and with the orderer BatchTimeout set to d.
func editBatchTimeout(blockJSON []byte, d time.Duration) (original, updated []byte, err error) {
	var block struct {
		Data struct {
			Data []struct {
				Payload struct {
					Data struct {
						Config json.RawMessage `json:"config"`
					} `json:"data"`
				} `json:"payload"`
			} `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(blockJSON, &block); err != nil || len(block.Data.Data) != 1 {
		return nil, nil, fmt.Errorf("%w: config block json: %v", ErrCommand, err)
	}
	original = block.Data.Data[0].Payload.Data.Config
	dec := json.NewDecoder(bytes.NewReader(original))
	dec.UseNumber()
	var cfg map[string]any
	if err := dec.Decode(&cfg); err != nil {
		return nil, nil, fmt.Errorf("%w: config json: %w", ErrCommand, err)
	}
	value, ok := dig(cfg, "channel_group", "groups", "Orderer", "values", "BatchTimeout", "value")
	if !ok {
		return nil, nil, fmt.Errorf("%w: config has no Orderer BatchTimeout", ErrCommand)
	}
	value["timeout"] = d.String()
	if updated, err = json.Marshal(cfg); err != nil {
		return nil, nil, fmt.Errorf("config json: %w", err)
	}
	return original, updated, nil
}

// dig walks nested JSON objects along path.
func dig(m map[string]any, path ...string) (map[string]any, bool) {
	for _, k := range path {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	return m, true
}
