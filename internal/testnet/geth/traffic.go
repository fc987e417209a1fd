package geth

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Runtime code of the demo contracts, hand-assembled so that no compiler
// is needed. Each is deployed by initCode, which copies it and returns it.
var (
	// Counter increments slot 0 and logs the new value on every call.
	Counter = common.FromHex("600054600101806000556000527f" +
		"c1a5a5a1c1a5a5a1c1a5a5a1c1a5a5a1c1a5a5a1c1a5a5a1c1a5a5a1c1a5a5a1" +
		"60206000a100")
	// Killable self-destructs to whoever calls it: an unprotected
	// SELFDESTRUCT (SWC-106).
	Killable = common.FromHex("33ff")
	// Vault sends its whole balance to any caller and ignores whether the
	// transfer succeeded: unprotected withdrawal (SWC-105) and an unchecked
	// call return value (SWC-104). Plain transfers (no calldata) are kept.
	Vault = common.FromHex("36156012576000600060006000" + "4733" + "5af1" + "00" + "5b00")
)

// initCode wraps runtime code in a constructor that returns it.
func initCode(runtime []byte) []byte {
	n := len(runtime)
	if n > 255 {
		panic("runtime code longer than 255 bytes")
	}
	// PUSH1 n DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN
	return append([]byte{0x60, byte(n), 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3}, runtime...)
}

// TrafficOptions shapes the traffic.
type TrafficOptions struct {
	// Bulk is the number of extra value transfers sent after the scripted
	// traffic (for benchmarks).
	Bulk int
	// Unprotected sends one pre-EIP-155 transaction; the node must have
	// been started with AllowUnprotected.
	Unprotected bool
}

// Traffic reports what was sent.
type Traffic struct {
	Txs       []common.Hash
	Contracts map[string]common.Address // Counter, Killable, Vault
}

type account struct {
	key   *ecdsa.PrivateKey
	addr  common.Address
	nonce uint64
}

// Key returns the deterministic test key number i.
func Key(i int) *ecdsa.PrivateKey {
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte(fmt.Sprintf("lianjian test key %d", i))))
	if err != nil {
		panic(err)
	}
	return k
}

// Drive sends real traffic: value transfers of every transaction type,
// contract deployments and calls, and optionally bulk transfers. It waits
// until every transaction is mined.
func (n *Node) Drive(ctx context.Context, o TrafficOptions) (*Traffic, error) {
	var accts []string
	if err := n.Call(ctx, &accts, "eth_accounts"); err != nil || len(accts) == 0 {
		return nil, fmt.Errorf("dev account: %v (accounts %v)", err, accts)
	}
	var cid hexutil.Big
	if err := n.Call(ctx, &cid, "eth_chainId"); err != nil {
		return nil, err
	}
	chainID := (*big.Int)(&cid)
	users := make([]*account, 4)
	tr := &Traffic{Contracts: map[string]common.Address{}}
	for i := range users {
		k := Key(i)
		users[i] = &account{key: k, addr: crypto.PubkeyToAddress(k.PublicKey)}
		var nonce hexutil.Uint64
		if err := n.Call(ctx, &nonce, "eth_getTransactionCount", users[i].addr, "pending"); err != nil {
			return nil, err
		}
		users[i].nonce = uint64(nonce)
		var h common.Hash
		fund := map[string]any{"from": accts[0], "to": users[i].addr, "value": hexutil.EncodeBig(new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18)))}
		if err := n.sendRetry(ctx, &h, fund); err != nil {
			return nil, fmt.Errorf("fund test account: %w", err)
		}
		tr.Txs = append(tr.Txs, h)
	}
	if err := n.waitMined(ctx, tr.Txs); err != nil {
		return nil, err
	}
	price, err := n.gasPrice(ctx)
	if err != nil {
		return nil, err
	}
	legacy := types.NewEIP155Signer(chainID)
	latest := types.LatestSignerForChainID(chainID)
	send := func(a *account, signer types.Signer, data types.TxData) (common.Hash, error) {
		tx, err := types.SignNewTx(a.key, signer, data)
		if err != nil {
			return common.Hash{}, err
		}
		raw, _ := tx.MarshalBinary()
		var h common.Hash
		if err := n.Call(ctx, &h, "eth_sendRawTransaction", hexutil.Bytes(raw)); err != nil {
			return h, fmt.Errorf("send %s tx: %w", txTypeLabel(tx.Type()), err)
		}
		a.nonce++
		tr.Txs = append(tr.Txs, h)
		return h, nil
	}
	to := users[1].addr
	oneEth := big.NewInt(1e18)
	tip := big.NewInt(1e9)
	script := []struct {
		a      *account
		signer types.Signer
		data   func(nonce uint64) types.TxData
	}{
		{users[0], legacy, func(nc uint64) types.TxData {
			return &types.LegacyTx{Nonce: nc, GasPrice: price, Gas: 21000, To: &to, Value: oneEth}
		}},
		{users[0], latest, func(nc uint64) types.TxData {
			return &types.AccessListTx{ChainID: chainID, Nonce: nc, GasPrice: price, Gas: 30000, To: &to, Value: oneEth,
				AccessList: types.AccessList{{Address: to, StorageKeys: []common.Hash{{}}}}}
		}},
		{users[2], latest, func(nc uint64) types.TxData {
			return &types.DynamicFeeTx{ChainID: chainID, Nonce: nc, GasTipCap: tip, GasFeeCap: price, Gas: 21000, To: &to, Value: oneEth}
		}},
	}
	if o.Unprotected {
		script = append(script, struct {
			a      *account
			signer types.Signer
			data   func(nonce uint64) types.TxData
		}{users[3], types.HomesteadSigner{}, func(nc uint64) types.TxData {
			return &types.LegacyTx{Nonce: nc, GasPrice: price, Gas: 21000, To: &to, Value: big.NewInt(7)}
		}})
	}
	for _, s := range script {
		if _, err := send(s.a, s.signer, s.data(s.a.nonce)); err != nil {
			return nil, err
		}
	}
	deployer := users[2]
	for _, c := range []struct {
		name string
		code []byte
	}{{"Counter", Counter}, {"Killable", Killable}, {"Vault", Vault}} {
		tr.Contracts[c.name] = crypto.CreateAddress(deployer.addr, deployer.nonce)
		if _, err := send(deployer, latest, &types.DynamicFeeTx{ChainID: chainID, Nonce: deployer.nonce, GasTipCap: tip, GasFeeCap: price, Gas: 200000, Data: initCode(c.code)}); err != nil {
			return nil, err
		}
	}
	if err := n.waitMined(ctx, tr.Txs); err != nil {
		return nil, err
	}
	counter, vault := tr.Contracts["Counter"], tr.Contracts["Vault"]
	for i := 0; i < 3; i++ {
		if _, err := send(users[1], latest, &types.DynamicFeeTx{ChainID: chainID, Nonce: users[1].nonce, GasTipCap: tip, GasFeeCap: price, Gas: 500000, To: &counter, Data: []byte{0xd0, 0x9d, 0xe0, 0x8a}}); err != nil {
			return nil, err
		}
	}
	if _, err := send(users[0], legacy, &types.LegacyTx{Nonce: users[0].nonce, GasPrice: price, Gas: 50000, To: &vault, Value: oneEth}); err != nil {
		return nil, err
	}
	if _, err := send(users[3], latest, &types.DynamicFeeTx{ChainID: chainID, Nonce: users[3].nonce, GasTipCap: tip, GasFeeCap: price, Gas: 100000, To: &vault, Data: []byte{0x3c, 0xcf, 0xd6, 0x0b}}); err != nil {
		return nil, err
	}
	for i := 0; i < o.Bulk; i++ {
		a := users[i%len(users)]
		dst := users[(i+1)%len(users)].addr
		var data types.TxData
		if i%2 == 0 {
			data = &types.DynamicFeeTx{ChainID: chainID, Nonce: a.nonce, GasTipCap: tip, GasFeeCap: price, Gas: 21000, To: &dst, Value: big.NewInt(int64(i + 1))}
		} else {
			data = &types.LegacyTx{Nonce: a.nonce, GasPrice: price, Gas: 21000, To: &dst, Value: big.NewInt(int64(i + 1))}
		}
		signer := latest
		if i%2 == 1 {
			signer = legacy
		}
		if _, err := send(a, signer, data); err != nil {
			return nil, err
		}
	}
	if err := n.waitMined(ctx, tr.Txs); err != nil {
		return nil, err
	}
	return tr, nil
}

func txTypeLabel(t uint8) string { return fmt.Sprintf("type-%d", t) }

func (n *Node) gasPrice(ctx context.Context) (*big.Int, error) {
	var p hexutil.Big
	if err := n.Call(ctx, &p, "eth_gasPrice"); err != nil {
		return nil, err
	}
	v := new(big.Int).Mul((*big.Int)(&p), big.NewInt(4))
	return v.Add(v, big.NewInt(2e9)), nil
}

// waitMined waits until every transaction has a receipt.
func (n *Node) waitMined(ctx context.Context, hs []common.Hash) error {
	deadline := time.Now().Add(2 * time.Minute)
	for i := len(hs) - 1; i >= 0; {
		var r map[string]any
		err := n.Call(ctx, &r, "eth_getTransactionReceipt", hs[i])
		if err != nil && !strings.Contains(err.Error(), "indexing is in progress") {
			return err
		}
		if r != nil {
			i--
			continue
		}
		if time.Now().After(deadline) {
			return errors.New("transactions not mined within 2 minutes")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// sendRetry sends a transaction from the dev account, retrying a few
// times when geth's pool momentarily hands out a nonce that a pending
// transaction still holds ("replacement transaction underpriced", "nonce
// too low"): a race inside --dev mode right after a block, not an error
// of the traffic.
func (n *Node) sendRetry(ctx context.Context, h *common.Hash, tx map[string]any) error {
	var err error
	for range 10 {
		if err = n.Call(ctx, h, "eth_sendTransaction", tx); err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "underpriced") && !strings.Contains(err.Error(), "nonce too low") {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return err
}
