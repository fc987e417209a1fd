package fabnet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
)

// decodeHex decodes the CLI's --hex output.
func decodeHex(out []byte) ([]byte, error) {
	b, err := hex.DecodeString(string(bytes.TrimSpace(out)))
	if err != nil {
		return nil, fmt.Errorf("%w: decode hex output: %w", ErrCommand, err)
	}
	return b, nil
}

// FetchBlock returns block num of the channel as Org1's peer stores it
// (a marshalled common.Block with TRANSACTIONS_FILTER validation codes and
// COMMIT_HASH), fetched through qscc GetBlockByNumber.
func (n *Network) FetchBlock(ctx context.Context, num uint64) ([]byte, error) {
	b, err := n.queryOn(ctx, n.peers[0], "qscc", "GetBlockByNumber", n.opts.Channel, strconv.FormatUint(num, 10))
	if err != nil {
		return nil, fmt.Errorf("fetch block %d: %w", num, err)
	}
	return b, nil
}

// Height returns the block height of the channel on Org1's peer.
func (n *Network) Height(ctx context.Context) (uint64, error) {
	return n.heightOn(ctx, n.peers[0])
}

func (n *Network) heightOn(ctx context.Context, p *peerNode) (uint64, error) {
	user, err := n.User(p.Org, "User1")
	if err != nil {
		return 0, err
	}
	out, err := n.tool(ctx, "peer", n.cliEnv(user, p), "channel", "getinfo", "-c", n.opts.Channel)
	if err != nil {
		return 0, err
	}
	i := bytes.IndexByte(out, '{')
	if i < 0 {
		return 0, fmt.Errorf("%w: getinfo output %q", ErrCommand, out)
	}
	var info struct {
		Height uint64 `json:"height"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out[i:]), &info); err != nil {
		return 0, fmt.Errorf("%w: getinfo output: %w", ErrCommand, err)
	}
	return info.Height, nil
}

// LedgerDir returns the directory of org's peer holding the channel's
// block files (blockfile_000000, …).
func (n *Network) LedgerDir(org string) (string, error) {
	p, err := n.peer(org)
	if err != nil {
		return "", err
	}
	return p.ledgerDir(n.opts.Channel), nil
}

func (p *peerNode) ledgerDir(channel string) string {
	return filepath.Join(p.DataDir, "ledgersData", "chains", "chains", channel)
}
