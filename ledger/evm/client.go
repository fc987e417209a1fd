package evm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/lianjian/lianjian/ledger"
)

// Client is an EVM chain source over JSON-RPC.
type Client struct {
	cfg     Config
	rpc     *rpc.Client
	chainID uint64
	dec     decoder
	// noBlockReceipts is set once the node turns out to lack
	// eth_getBlockReceipts; Blocks runs in several goroutines at once.
	noBlockReceipts atomic.Bool
}

var (
	_ ledger.Source     = (*Client)(nil)
	_ ledger.Subscriber = (*Client)(nil)
	_ ledger.HashSource = (*Client)(nil)
)

// Dial connects to the node's HTTP endpoint and pins the chain id.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("evm chain %s: %w", cfg.Chain, err)
	}
	rc, err := rpc.DialOptions(ctx, cfg.HTTP, rpc.WithHTTPClient(&http.Client{Timeout: cfg.Timeout}))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.HTTP, err)
	}
	c := &Client{cfg: cfg, rpc: rc}
	var id hexutil.Uint64
	if err := c.call(ctx, &id, "eth_chainId"); err != nil {
		rc.Close()
		return nil, fmt.Errorf("chain id of %s: %w", cfg.HTTP, err)
	}
	if cfg.ChainID != 0 && uint64(id) != cfg.ChainID {
		rc.Close()
		return nil, fmt.Errorf("%w: node %s serves chain %d, configured %d", ErrChainID, cfg.HTTP, id, cfg.ChainID)
	}
	c.chainID = uint64(id)
	c.dec = decoder{chain: cfg.Chain, signer: types.LatestSignerForChainID(new(big.Int).SetUint64(c.chainID))}
	return c, nil
}

// ChainID returns the pinned EIP-155 chain id.
func (c *Client) ChainID() uint64 { return c.chainID }

// Close releases the connection.
func (c *Client) Close() { c.rpc.Close() }

func (c *Client) call(ctx context.Context, out any, method string, args ...any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	return c.rpc.CallContext(ctx, out, method, args...)
}

func (c *Client) batch(ctx context.Context, elems []rpc.BatchElem) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	return c.rpc.BatchCallContext(ctx, elems)
}

// Head returns the node's newest block height.
func (c *Client) Head(ctx context.Context) (uint64, error) {
	var n hexutil.Uint64
	if err := c.call(ctx, &n, "eth_blockNumber"); err != nil {
		return 0, fmt.Errorf("eth_blockNumber: %w", err)
	}
	return uint64(n), nil
}

// HashAt returns the canonical block hash at a height.
func (c *Client) HashAt(ctx context.Context, height uint64) ([]byte, error) {
	var h struct {
		Hash *common.Hash `json:"hash"`
	}
	if err := c.call(ctx, &h, "eth_getBlockByNumber", hexutil.EncodeUint64(height), false); err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	if h.Hash == nil {
		return nil, fmt.Errorf("block %d: %w", height, ledger.ErrNotFound)
	}
	return h.Hash.Bytes(), nil
}

// Blocks fetches, converts and verifies the blocks from..to in one batch.
func (c *Client) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	if to < from {
		return nil, fmt.Errorf("%w: range %d..%d", ledger.ErrInvalid, from, to)
	}
	n := int(to - from + 1)
	blocks := make([]json.RawMessage, n)
	receipts := make([][]json.RawMessage, n)
	perTx := c.noBlockReceipts.Load()
	elems := make([]rpc.BatchElem, 0, 2*n)
	for i := range n {
		num := hexutil.EncodeUint64(from + uint64(i))
		elems = append(elems, rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{num, true}, Result: &blocks[i]})
		if !perTx {
			elems = append(elems, rpc.BatchElem{Method: "eth_getBlockReceipts", Args: []any{num}, Result: &receipts[i]})
		}
	}
	if err := c.batch(ctx, elems); err != nil {
		return nil, fmt.Errorf("fetch blocks %d..%d: %w", from, to, err)
	}
	for _, e := range elems {
		if e.Error == nil {
			continue
		}
		if e.Method == "eth_getBlockReceipts" && isMethodMissing(e.Error) {
			c.noBlockReceipts.Store(true)
			return c.Blocks(ctx, from, to)
		}
		return nil, fmt.Errorf("%s %v: %w", e.Method, e.Args[0], e.Error)
	}
	for i, b := range blocks {
		if len(b) == 0 || string(b) == "null" {
			return nil, fmt.Errorf("block %d: %w", from+uint64(i), ledger.ErrNotFound)
		}
	}
	if perTx {
		if err := c.txReceipts(ctx, blocks, receipts); err != nil {
			return nil, err
		}
	}
	out, err := c.decodeAll(blocks, receipts, from)
	if err != nil {
		return nil, err
	}
	if c.cfg.FetchCode {
		if err := c.fetchCode(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decodeAll decodes and verifies blocks in parallel; sender recovery is
// the expensive part and is independent per block.
func (c *Client) decodeAll(blocks []json.RawMessage, receipts [][]json.RawMessage, from uint64) ([]*ledger.Block, error) {
	out := make([]*ledger.Block, len(blocks))
	errs := make([]error, len(blocks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range blocks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = c.dec.decode(blocks[i], receipts[i])
			if errs[i] == nil && out[i].Height != from+uint64(i) {
				errs[i] = fmt.Errorf("%w: asked for block %d, got %d", ErrMalformed, from+uint64(i), out[i].Height)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func isMethodMissing(err error) bool {
	var re rpc.Error
	if errors.As(err, &re) && re.ErrorCode() == -32601 {
		return true
	}
	return strings.Contains(err.Error(), "does not exist") || strings.Contains(err.Error(), "not found")
}

// txReceipts fetches receipts one transaction at a time, for nodes that
// lack eth_getBlockReceipts.
func (c *Client) txReceipts(ctx context.Context, blocks []json.RawMessage, receipts [][]json.RawMessage) error {
	var elems []rpc.BatchElem
	for i, raw := range blocks {
		var bj struct {
			Transactions []txMeta `json:"transactions"`
		}
		if err := json.Unmarshal(raw, &bj); err != nil {
			return fmt.Errorf("%w: block body: %w", ErrMalformed, err)
		}
		receipts[i] = make([]json.RawMessage, len(bj.Transactions))
		for j, tx := range bj.Transactions {
			elems = append(elems, rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{tx.Hash}, Result: &receipts[i][j]})
		}
	}
	if len(elems) == 0 {
		return nil
	}
	if err := c.batch(ctx, elems); err != nil {
		return fmt.Errorf("fetch receipts: %w", err)
	}
	for _, e := range elems {
		if e.Error != nil {
			return fmt.Errorf("receipt of %v: %w", e.Args[0], e.Error)
		}
	}
	return nil
}

// fetchCode loads the runtime code of contracts created in the blocks, as
// of the block that created them. A node that no longer keeps that
// block's state (any non-archive node, a few minutes later) is asked for
// the code at the latest block instead; code that is gone by then
// (self-destructed) is left empty and marked so.
func (c *Client) fetchCode(ctx context.Context, bs []*ledger.Block) error {
	var targets []*ledger.Contract
	var at []string
	for _, b := range bs {
		for i := range b.Contracts {
			targets = append(targets, &b.Contracts[i])
			at = append(at, hexutil.EncodeUint64(b.Height))
		}
	}
	for round := 0; len(targets) > 0 && round < 2; round++ {
		elems := make([]rpc.BatchElem, len(targets))
		codes := make([]hexutil.Bytes, len(targets))
		for i, ct := range targets {
			elems[i] = rpc.BatchElem{Method: "eth_getCode", Args: []any{ct.Address, at[i]}, Result: &codes[i]}
		}
		if err := c.batch(ctx, elems); err != nil {
			return fmt.Errorf("fetch contract code: %w", err)
		}
		var retry []*ledger.Contract
		for i, e := range elems {
			switch {
			case e.Error == nil:
				targets[i].Code = codes[i]
				targets[i].CodeHash = crypto.Keccak256(codes[i])
				if round > 0 {
					targets[i].CodeAt = "latest"
				}
			case round == 0 && isMissingState(e.Error):
				retry = append(retry, targets[i])
			default:
				return fmt.Errorf("code of %s: %w", targets[i].Address, e.Error)
			}
		}
		targets = retry
		at = make([]string, len(retry))
		for i := range at {
			at[i] = "latest"
		}
	}
	return nil
}

// isMissingState reports whether err says the node pruned the state asked
// for.
func isMissingState(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "historical state") || strings.Contains(msg, "missing trie node") ||
		strings.Contains(msg, "state is not available") || strings.Contains(msg, "pruned")
}

// SubscribeHeads subscribes to new heads over WebSocket.
func (c *Client) SubscribeHeads(ctx context.Context) (<-chan uint64, error) {
	if c.cfg.WS == "" {
		return nil, errors.New("no websocket endpoint configured")
	}
	ws, err := rpc.DialContext(ctx, c.cfg.WS)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", c.cfg.WS, err)
	}
	heads := make(chan *types.Header, 16)
	sub, err := ws.EthSubscribe(ctx, heads, "newHeads")
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("subscribe newHeads: %w", err)
	}
	out := make(chan uint64, 16)
	go func() {
		defer close(out)
		defer ws.Close()
		defer sub.Unsubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case <-sub.Err():
				return
			case h := <-heads:
				select {
				case out <- h.Number.Uint64():
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
