package fisco

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/lianjian/lianjian/ledger"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Config is the chain the client verifies (chain id, version, suite).
	Config
	// URL is the node's JSON-RPC endpoint: 2.x http://host:8545, 3.x
	// http://host:20200.
	URL string
	// Node is the 3.x node name sent with each request ("" lets the RPC
	// service choose).
	Node string
	// Timeout bounds each request.
	Timeout time.Duration
	// FetchCode fetches the code of deployed contracts (getCode).
	FetchCode bool
}

// Defaults fills zero fields.
func (c *ClientConfig) Defaults() {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
}

// Validate checks the configuration and names the offending field.
func (c ClientConfig) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return fmt.Errorf("%w: fisco: rpc endpoint is empty", ledger.ErrInvalid)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%w: fisco: rpc endpoint %q is not an http(s) URL", ledger.ErrInvalid, c.URL)
	case c.Timeout < 0:
		return fmt.Errorf("%w: fisco: timeout %s is negative", ledger.ErrInvalid, c.Timeout)
	}
	return nil
}

// Client is a FISCO BCOS chain (one group) as a ledger source over
// JSON-RPC. It fetches blocks with full transactions, their receipts and
// the code of deployed contracts in batches, and verifies each block
// with a Verifier, so what it returns carries verdicts and findings.
type Client struct {
	cfg     ClientConfig
	rpc     *rpc.Client
	mu      sync.Mutex // orders verification (the ingester calls Blocks in order)
	ver     *Verifier
	info    NodeInfo
	noBatch atomic.Bool
}

var (
	_ ledger.Source     = (*Client)(nil)
	_ ledger.Sequential = (*Client)(nil)
	_ ledger.HashSource = (*Client)(nil)
	_ ledger.Final      = (*Client)(nil)
)

// NodeInfo is what the node says about itself at dial time.
type NodeInfo struct {
	Version       int    // 2 or 3
	ClientVersion string // e.g. "3.6.0" or "2.9.1"
	ChainID       string
	Raw           json.RawMessage // getClientVersion result
	// GM is the crypto mode the node declares (3.x smCryptoType), when it
	// declares one.
	GM *bool
}

// Dial connects, detects the FISCO BCOS line from getClientVersion (and
// the group's block number) and pins it; a node of another line than the
// configured one is an error.
func Dial(ctx context.Context, cfg ClientConfig) (*Client, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rc, err := rpc.DialOptions(ctx, cfg.URL, rpc.WithHTTPClient(&http.Client{Timeout: cfg.Timeout}))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.URL, err)
	}
	c := &Client{cfg: cfg, rpc: rc}
	info, err := c.detect(ctx)
	if err != nil {
		rc.Close()
		return nil, err
	}
	if cfg.Version != 0 && cfg.Version != info.Version {
		rc.Close()
		return nil, fmt.Errorf("%w: node %s runs FISCO BCOS %d.x (%s), configured %d.x", ErrUnsupported, cfg.URL, info.Version, info.ClientVersion, cfg.Version)
	}
	c.info = info
	vc := cfg.Config
	vc.Version = info.Version
	if info.GM != nil {
		declared := map[bool]Suite{true: SuiteGM, false: SuiteStandard}[*info.GM]
		if vc.Suite != SuiteUnknown && vc.Suite != declared {
			rc.Close()
			return nil, fmt.Errorf("%w: node %s declares %s, the chain is configured %s", ErrUnsupported, cfg.URL, declared, vc.Suite)
		}
		vc.Suite = declared
	}
	if c.ver, err = NewVerifier(vc); err != nil {
		rc.Close()
		return nil, err
	}
	return c, nil
}

// Resume continues verification after b, the newest block already
// stored (see Verifier.Resume).
func (c *Client) Resume(b *ledger.Block, history []ledger.Tx) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ver.Resume(b, history)
}

// Info returns what the node reported at dial time.
func (c *Client) Info() NodeInfo { return c.info }

// Verifier returns the client's verifier (its pinned version and suite).
func (c *Client) Verifier() *Verifier { return c.ver }

// Close releases the connection.
func (c *Client) Close() { c.rpc.Close() }

// Final marks a FISCO BCOS chain's blocks final once committed: PBFT
// seals one block per height and never reorganises, so a block that does
// not link to the block indexed below it is a break for the ingester to
// file as a finding (ledger.RuleBreakUnlinked), not a reorganisation to
// roll back. Rolling back would let a node that serves a forged block
// hash make the ingester drop and fetch the same block forever.
func (*Client) Final() {}

// Sequential marks the client as a source whose blocks must be verified
// in height order (the link and sealer-set checks carry state).
func (c *Client) Sequential() {}

// detect asks getClientVersion and, failing that, which parameter shape
// getBlockNumber accepts.
func (c *Client) detect(ctx context.Context) (NodeInfo, error) {
	// 2.x nodes answer getClientVersion; 3.x nodes have no such method
	// and report their version in getGroupNodeInfo.
	var raw json.RawMessage
	if err := c.call(ctx, &raw, "getClientVersion"); err == nil {
		if info := ParseClientVersion(raw); info.Version != 0 {
			return info, nil
		}
	}
	var n json.RawMessage
	if err := c.call(ctx, &n, "getBlockNumber", c.group(), c.cfg.Node); err == nil {
		info := NodeInfo{Version: 3}
		var gi json.RawMessage
		if c.call(ctx, &gi, "getGroupNodeInfo", c.group(), c.cfg.Node) == nil || c.call(ctx, &gi, "getGroupInfo", c.group()) == nil {
			if p := ParseGroupNodeInfo(gi); p.ClientVersion != "" {
				info = p
				info.Version = 3
			}
		}
		return info, nil
	}
	if err := c.call(ctx, &n, "getBlockNumber", c.groupID()); err == nil {
		info := ParseClientVersion(raw)
		info.Version = 2
		return info, nil
	}
	return NodeInfo{}, fmt.Errorf("%w: %s answers neither the 2.x nor the 3.x getBlockNumber", ErrUnsupported, c.cfg.URL)
}

// ParseClientVersion reads a getClientVersion result: 2.x has
// "FISCO-BCOS Version", 3.x "version".
func ParseClientVersion(raw json.RawMessage) NodeInfo {
	var m map[string]any
	info := NodeInfo{Raw: raw}
	if json.Unmarshal(raw, &m) != nil {
		return info
	}
	str := func(keys ...string) string {
		for _, k := range keys {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
		return ""
	}
	info.ClientVersion = str("FISCO-BCOS Version", "version", "Version")
	info.ChainID = str("Chain Id", "chainID", "chainId")
	v := strings.TrimPrefix(strings.TrimSpace(info.ClientVersion), "v")
	if major, _, ok := strings.Cut(v, "."); ok {
		if n, err := strconv.Atoi(major); err == nil && (n == 2 || n == 3) {
			info.Version = n
		}
	}
	return info
}

// ParseGroupNodeInfo reads a 3.x node's version, chain id and crypto mode
// from getGroupNodeInfo or getGroupInfo (its first node): the node's
// iniConfig (a JSON string) has binaryInfo.version and smCryptoType, and
// protocol.compatibilityVersion the chain's compatibility version.
func ParseGroupNodeInfo(raw json.RawMessage) NodeInfo {
	type node struct {
		IniConfig json.RawMessage `json:"iniConfig"`
		Protocol  struct {
			CompatibilityVersion num `json:"compatibilityVersion"`
		} `json:"protocol"`
	}
	var gi struct {
		node
		ChainID  string `json:"chainID"`
		NodeList []node `json:"nodeList"`
	}
	info := NodeInfo{Raw: raw}
	if json.Unmarshal(raw, &gi) != nil {
		return info
	}
	n := gi.node
	if len(gi.NodeList) > 0 {
		n = gi.NodeList[0]
	}
	ini := n.IniConfig
	var s string
	if json.Unmarshal(ini, &s) == nil {
		ini = json.RawMessage(s)
	}
	var c struct {
		BinaryInfo struct {
			Version string `json:"version"`
		} `json:"binaryInfo"`
		ChainID      string `json:"chainID"`
		SMCryptoType *bool  `json:"smCryptoType"`
	}
	_ = json.Unmarshal(ini, &c)
	info.ClientVersion = strings.TrimPrefix(c.BinaryInfo.Version, "v")
	info.ChainID = c.ChainID
	if info.ChainID == "" {
		info.ChainID = gi.ChainID
	}
	info.GM = c.SMCryptoType
	if cv := n.Protocol.CompatibilityVersion.v; info.ClientVersion == "" && cv != 0 {
		info.ClientVersion = fmt.Sprintf("%d.%d.%d", cv>>24, (cv>>16)&0xff, (cv>>8)&0xff)
	}
	return info
}

func (c *Client) group() string {
	if c.cfg.Group == "" {
		return "group0"
	}
	return c.cfg.Group
}

// groupID is the 2.x numeric group (default 1).
func (c *Client) groupID() int {
	if n, err := strconv.Atoi(c.cfg.Group); err == nil {
		return n
	}
	return 1
}

func (c *Client) call(ctx context.Context, out any, method string, args ...any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	return c.rpc.CallContext(ctx, out, method, args...)
}

// batch sends elems as one JSON-RPC batch, or one by one once the node
// has refused a batch.
func (c *Client) batch(ctx context.Context, elems []rpc.BatchElem) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	if !c.noBatch.Load() {
		err := c.rpc.BatchCallContext(ctx, elems)
		if err == nil {
			return nil
		}
		var he rpc.HTTPError
		if !errors.As(err, &he) && !strings.Contains(err.Error(), "batch") {
			return err
		}
		c.noBatch.Store(true)
	}
	for i := range elems {
		elems[i].Error = c.rpc.CallContext(ctx, elems[i].Result, elems[i].Method, elems[i].Args...)
	}
	return nil
}

// params builds a method's parameters for the pinned line.
func (c *Client) params(args ...any) []any {
	if c.ver.Version() == 3 {
		return append([]any{c.group(), c.cfg.Node}, args...)
	}
	return append([]any{c.groupID()}, args...)
}

// Head returns the group's newest block height.
func (c *Client) Head(ctx context.Context) (uint64, error) {
	var n num
	if err := c.call(ctx, &n, "getBlockNumber", c.params()...); err != nil {
		return 0, fmt.Errorf("getBlockNumber: %w", err)
	}
	return n.v, nil
}

// HashAt returns the canonical block hash at a height.
func (c *Client) HashAt(ctx context.Context, height uint64) ([]byte, error) {
	var h hexBytes
	if err := c.call(ctx, &h, "getBlockHashByNumber", c.params(c.number(height))...); err != nil {
		return nil, fmt.Errorf("getBlockHashByNumber %d: %w", height, err)
	}
	if !h.set {
		return nil, fmt.Errorf("block %d: %w", height, ledger.ErrNotFound)
	}
	return h.b, nil
}

// number renders a height as the line expects it: 3.x a JSON number,
// 2.x a hex string.
func (c *Client) number(h uint64) any {
	if c.ver.Version() == 3 {
		return h
	}
	return "0x" + strconv.FormatUint(h, 16)
}

// Blocks fetches the blocks from..to with full transactions, then their
// receipts, and verifies them in order.
func (c *Client) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	if to < from {
		return nil, fmt.Errorf("%w: range %d..%d", ledger.ErrInvalid, from, to)
	}
	raws, receipts, err := c.FetchRaw(ctx, from, to)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.ver.VerifyBatch(raws, receipts, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, fmt.Errorf("blocks %d..%d: %w", from, to, err)
	}
	for i, b := range out {
		if b.Height != from+uint64(i) {
			return nil, fmt.Errorf("%w: asked for block %d, node served %d", ErrMalformed, from+uint64(i), b.Height)
		}
		if c.cfg.FetchCode {
			c.fetchCode(ctx, b)
		}
	}
	return out, nil
}

// FetchRaw fetches the blocks from..to as served (full transactions) and
// the receipts of all their transactions, in two batches.
func (c *Client) FetchRaw(ctx context.Context, from, to uint64) ([]json.RawMessage, [][]json.RawMessage, error) {
	n := int(to - from + 1)
	raws := make([]json.RawMessage, n)
	elems := make([]rpc.BatchElem, n)
	for i := range n {
		args := c.params(c.number(from+uint64(i)), false, false)
		if c.ver.Version() == 2 {
			args = c.params(c.number(from+uint64(i)), true)
		}
		elems[i] = rpc.BatchElem{Method: "getBlockByNumber", Args: args, Result: &raws[i]}
	}
	if err := c.batch(ctx, elems); err != nil {
		return nil, nil, fmt.Errorf("getBlockByNumber %d..%d: %w", from, to, err)
	}
	var relems []rpc.BatchElem
	receipts := make([][]json.RawMessage, n)
	for i, e := range elems {
		if e.Error != nil {
			return nil, nil, fmt.Errorf("getBlockByNumber %d: %w", from+uint64(i), e.Error)
		}
		if len(raws[i]) == 0 || string(raws[i]) == "null" {
			return nil, nil, fmt.Errorf("block %d: %w", from+uint64(i), ledger.ErrNotFound)
		}
		hashes := blockTxHashes(raws[i])
		receipts[i] = make([]json.RawMessage, len(hashes))
		for j, h := range hashes {
			args := c.params("0x"+h, false)
			if c.ver.Version() == 2 {
				args = c.params("0x" + h)
			}
			relems = append(relems, rpc.BatchElem{Method: "getTransactionReceipt", Args: args, Result: &receipts[i][j]})
		}
	}
	for start := 0; start < len(relems); start += 1000 {
		part := relems[start:min(start+1000, len(relems))]
		if err := c.batch(ctx, part); err != nil {
			return nil, nil, fmt.Errorf("getTransactionReceipt: %w", err)
		}
		for _, e := range part {
			if e.Error != nil {
				return nil, nil, fmt.Errorf("getTransactionReceipt %v: %w", e.Args, e.Error)
			}
		}
	}
	return raws, receipts, nil
}

// fetchCode reads the code of the contracts a block deployed.
func (c *Client) fetchCode(ctx context.Context, b *ledger.Block) {
	for i := range b.Contracts {
		var code hexBytes
		if err := c.call(ctx, &code, "getCode", c.params(b.Contracts[i].Address)...); err == nil && code.set {
			b.Contracts[i].Code = code.b
			b.Contracts[i].CodeAt = "latest"
		}
	}
}
