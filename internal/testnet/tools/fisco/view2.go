package main

import (
	"encoding/hex"
	"fmt"
	"math/big"
)

// methods2 is the FISCO BCOS 2.x JSON-RPC surface (params [groupId, ...],
// quantities as 0x hex strings; Rpc.cpp at v2.9.0).
func (c *Chain) methods2() map[string]handler {
	return map[string]handler{
		"getClientVersion": func(params) (any, error) {
			return map[string]any{"Build Time": "fiscochain test chain", "Build Type": "Linux/go", "Chain Id": fmt.Sprint(c.cfg.ChainID2),
				"FISCO-BCOS Version": "2.9.0", "Git Branch": "", "Git Commit Hash": "", "Supported Version": "2.9.0"}, nil
		},
		"getBlockNumber": func(params) (any, error) { return qty(c.head().Number), nil },
		"getBlockByNumber": func(p params) (any, error) {
			n, err := p.number(1)
			if err != nil {
				return nil, err
			}
			b, err := c.block(n)
			if err != nil {
				return nil, err
			}
			return c.block2(b, p.boolean(2, false)), nil
		},
		"getBlockByHash": func(p params) (any, error) {
			h, err := p.hash(1)
			if err != nil {
				return nil, err
			}
			b, err := c.blockByHash(h)
			if err != nil || b == nil {
				return nil, &rpcError{-32602, "BlockHash does not exist"}
			}
			return c.block2(b, p.boolean(2, false)), nil
		},
		"getBlockHashByNumber": func(p params) (any, error) {
			n, err := p.number(1)
			if err != nil {
				return nil, err
			}
			b, err := c.block(n)
			if err != nil {
				return nil, err
			}
			return hexp(b.Hash), nil
		},
		"getTransactionByHash": func(p params) (any, error) {
			h, err := p.hash(1)
			if err != nil {
				return nil, err
			}
			b, i, ok := c.tx(h)
			if !ok {
				return nil, nil
			}
			return c.tx2(b, i), nil
		},
		"getTransactionReceipt": func(p params) (any, error) {
			h, err := p.hash(1)
			if err != nil {
				return nil, err
			}
			b, i, ok := c.tx(h)
			if !ok {
				return nil, nil
			}
			return c.receipt2(b, i), nil
		},
		"getTotalTransactionCount": func(params) (any, error) {
			c.mu.RLock()
			defer c.mu.RUnlock()
			return map[string]any{"blockNumber": qty(int64(len(c.blocks) - 1)), "failedTxSum": "0x0", "txSum": qty(c.totalTxs)}, nil
		},
		"getSealerList": func(params) (any, error) {
			c.mu.RLock()
			defer c.mu.RUnlock()
			out := []string{}
			for _, m := range c.sealers {
				out = append(out, hex.EncodeToString(c.nodes[m.node].id))
			}
			return out, nil
		},
		"getObserverList": func(params) (any, error) { return c.observerIDs(), nil },
		"getPbftView":     func(params) (any, error) { return qty(c.head().Number + 2), nil },
		"getSyncStatus":   func(params) (any, error) { return c.syncStatus2(), nil },
		"getConsensusStatus": func(params) (any, error) {
			return c.consensusStatus2(), nil
		},
		"getSystemConfigByKey": func(p params) (any, error) {
			k, err := p.str(1)
			if err != nil {
				return nil, err
			}
			c.mu.RLock()
			defer c.mu.RUnlock()
			return c.sysConfig[k].value, nil
		},
		"getGroupList":     func(params) (any, error) { return []int64{c.cfg.GroupID}, nil },
		"getGroupPeers":    func(params) (any, error) { return c.peerIDs(), nil },
		"getNodeIDList":    func(params) (any, error) { return c.peerIDs(), nil },
		"getPeers":         func(params) (any, error) { return c.peers2(), nil },
		"getPendingTxSize": func(params) (any, error) { return "0x0", nil },
		"getCode":          c.code,
	}
}

func qty(n int64) string { return fmt.Sprintf("0x%x", n) }

// block2 renders a block as Rpc::getBlockByHash does; signatureList is
// present only with full transactions, as on real 2.x nodes.
func (c *Chain) block2(b *Block, full bool) map[string]any {
	extra := []string{}
	for _, e := range b.Extra {
		extra = append(extra, hexp(e))
	}
	sealers := []string{}
	for _, id := range b.SealerList {
		sealers = append(sealers, hex.EncodeToString(id))
	}
	v := map[string]any{
		"dbHash": hexp(b.DBHash), "extraData": extra, "gasLimit": "0x0", "gasUsed": qty(b.GasUsed), "hash": hexp(b.Hash),
		"logsBloom": hexp(b.Bloom), "number": qty(b.Number), "parentHash": hexp(parentOrZero(b.ParentHash)),
		"receiptsRoot": hexp(b.ReceiptsRoot), "sealer": qty(b.Sealer), "sealerList": sealers, "stateRoot": hexp(b.StateRoot),
		"timestamp": qty(b.Timestamp), "transactionsRoot": hexp(b.TxsRoot),
	}
	txs := []any{}
	for i := range b.Txs {
		if full {
			txs = append(txs, c.tx2(b, i))
		} else {
			txs = append(txs, hexp(b.Txs[i].Hash))
		}
	}
	v["transactions"] = txs
	if full {
		sigs := []map[string]any{}
		for _, s := range b.Sigs {
			sigs = append(sigs, map[string]any{"index": qty(s.Index), "signature": hexp(s.Sig)})
		}
		v["signatureList"] = sigs
	}
	return v
}

func parentOrZero(h []byte) []byte {
	if h == nil {
		return make([]byte, 32)
	}
	return h
}

// tx2 renders a transaction as Rpc::parseTransactionIntoResponse does.
func (c *Chain) tx2(b *Block, i int) map[string]any {
	t := &b.Txs[i]
	to := t.To2
	if to == nil {
		to = make([]byte, 20)
	}
	nonce, _ := new(big.Int).SetString(t.Nonce, 10)
	return map[string]any{
		"blockHash": hexp(b.Hash), "blockLimit": qty(t.BlockLimit), "blockNumber": qty(b.Number),
		"chainId": qty(t.ChainID2), "extraData": hexp(t.Extra2), "from": hexp(t.From), "gas": qty(t.Gas),
		"gasPrice": qty(t.GasPrice), "groupId": qty(t.GroupID2), "hash": hexp(t.Hash), "input": hexp(t.Input),
		"nonce": fmt.Sprintf("0x%x", nonce), "to": hexp(to), "transactionIndex": qty(int64(i)), "value": "0x0",
		"signature": map[string]any{"r": hexp(t.Signature[:32]), "s": hexp(t.Signature[32:64]),
			"v": vHex(t.V), "signature": hexp(t.Signature)},
	}
}

// vHex renders v as toJS does: a quantity for a recovery id, the full
// 64-byte value for an SM2 public key.
func vHex(v []byte) string {
	if len(v) == 1 {
		return qty(int64(v[0]))
	}
	return hexp(v)
}

// receipt2 renders a receipt as Rpc::parseReceiptIntoResponse does.
func (c *Chain) receipt2(b *Block, i int) map[string]any {
	r, t := &b.Receipts[i], &b.Txs[i]
	logs := []map[string]any{}
	for _, l := range r.Logs {
		topics := []string{}
		for _, tp := range l.Topics {
			topics = append(topics, hexp(tp))
		}
		logs = append(logs, map[string]any{"address": hexp(l.Address), "data": hexp(l.Data), "topics": topics})
	}
	ca, to := r.ContractAddress, t.To2
	if ca == nil {
		ca = make([]byte, 20)
	}
	if to == nil {
		to = make([]byte, 20)
	}
	return map[string]any{
		"blockHash": hexp(b.Hash), "blockNumber": qty(b.Number), "contractAddress": hexp(ca), "from": hexp(t.From),
		"gasUsed": qty(r.GasUsed), "input": hexp(t.Input), "logs": logs, "logsBloom": hexp(r.Bloom),
		"output": hexp(r.Output), "remainGas": qty(r.RemainGas), "root": hexp(make([]byte, 32)), "status": qty(int64(r.Status)),
		"statusMsg": "None", "to": hexp(to), "transactionHash": hexp(t.Hash), "transactionIndex": qty(int64(i)),
	}
}

func (c *Chain) syncStatus2() map[string]any {
	h := c.head()
	g, _ := c.block(0)
	peers := []map[string]any{}
	for _, id := range c.peerIDs() {
		if id != c.self() {
			peers = append(peers, map[string]any{"blockNumber": h.Number, "genesisHash": hexp(g.Hash),
				"latestHash": hexp(h.Hash), "nodeId": id})
		}
	}
	return map[string]any{"blockNumber": h.Number, "genesisHash": hexp(g.Hash), "isSyncing": false,
		"knownHighestNumber": h.Number, "knownLatestHash": hexp(h.Hash), "latestHash": hexp(h.Hash),
		"nodeId": c.self(), "peers": peers, "protocolId": 265, "txPoolSize": "0"}
}

func (c *Chain) consensusStatus2() []any {
	h := c.head()
	c.mu.RLock()
	n := len(c.sealers)
	v := map[string]any{"accountType": 1, "allowFutureBlocks": true, "cfgErr": false, "connectedNodes": n - 1,
		"consensusedBlockNumber": h.Number + 1, "currentView": h.Number + 2, "groupId": c.cfg.GroupID,
		"highestblockHash": hexp(h.Hash), "highestblockNumber": h.Number, "leaderFailed": false,
		"max_faulty_leader": (n - 1) / 3, "nodeId": c.self(), "nodeNum": n, "node_index": 0,
		"omitEmptyBlock": true, "protocolId": 65544, "toView": h.Number + 2}
	views := []map[string]any{}
	for i, m := range c.sealers {
		id := hex.EncodeToString(c.nodes[m.node].id)
		v[fmt.Sprintf("sealer.%d", i)] = id
		views = append(views, map[string]any{"nodeId": id, "view": h.Number + 2})
	}
	c.mu.RUnlock()
	return []any{v, views}
}

func (c *Chain) peers2() []map[string]any {
	out := []map[string]any{}
	for i, id := range c.peerIDs() {
		if id != c.self() {
			out = append(out, map[string]any{"IPAndPort": fmt.Sprintf("127.0.0.1:%d", 30300+i), "nodeId": id, "Topic": []string{}})
		}
	}
	return out
}
