package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// methods3 is the FISCO BCOS 3.x JSON-RPC surface (params [group, node,
// ...]). Real 3.x nodes have no getClientVersion; like them the test
// chain answers it with "Method not found" (use getGroupNodeInfo).
func (c *Chain) methods3() map[string]handler {
	return map[string]handler{
		"getBlockNumber": func(params) (any, error) { return c.head().Number, nil },
		"getBlockByNumber": func(p params) (any, error) {
			n, err := p.number(2)
			if err != nil {
				return nil, err
			}
			b, err := c.block(n)
			if err != nil {
				return nil, err
			}
			return c.block3(b, p.boolean(3, false), p.boolean(4, false)), nil
		},
		"getBlockByHash": func(p params) (any, error) {
			h, err := p.hash(2)
			if err != nil {
				return nil, err
			}
			b, err := c.blockByHash(h)
			if err != nil || b == nil {
				return nil, &rpcError{-32602, "block not found"}
			}
			return c.block3(b, p.boolean(3, false), p.boolean(4, false)), nil
		},
		"getBlockHashByNumber": func(p params) (any, error) {
			n, err := p.number(2)
			if err != nil {
				return nil, err
			}
			b, err := c.block(n)
			if err != nil {
				return nil, err
			}
			return hexp(b.Hash), nil
		},
		"getTransaction": func(p params) (any, error) {
			h, err := p.hash(2)
			if err != nil {
				return nil, err
			}
			b, i, ok := c.tx(h)
			if !ok {
				return nil, &rpcError{-32602, "transaction not found"}
			}
			v := c.tx3(&b.Txs[i])
			if p.boolean(3, false) {
				v["transactionProof"] = []string{}
				v["txProof"] = c.proof3(b, i, false)
			}
			return v, nil
		},
		"getTransactionReceipt": func(p params) (any, error) {
			h, err := p.hash(2)
			if err != nil {
				return nil, err
			}
			b, i, ok := c.tx(h)
			if !ok {
				return nil, &rpcError{-32602, "transaction receipt not found"}
			}
			v := c.receipt3(b, i)
			if p.boolean(3, false) {
				v["receiptProof"] = []string{}
				v["txReceiptProof"] = c.proof3(b, i, true)
				v["transactionProof"] = []string{}
			}
			return v, nil
		},
		"getTotalTransactionCount": func(params) (any, error) {
			c.mu.RLock()
			defer c.mu.RUnlock()
			return map[string]any{"blockNumber": len(c.blocks) - 1, "failedTransactionCount": 0, "transactionCount": c.totalTxs}, nil
		},
		"getSealerList": func(params) (any, error) {
			c.mu.RLock()
			defer c.mu.RUnlock()
			out := []map[string]any{}
			for _, m := range c.sealers {
				out = append(out, map[string]any{"nodeID": hex.EncodeToString(c.nodes[m.node].id), "weight": m.weight})
			}
			return out, nil
		},
		"getObserverList":      func(params) (any, error) { return c.observerIDs(), nil },
		"getPbftView":          func(params) (any, error) { return c.head().Number + 2, nil },
		"getSyncStatus":        func(params) (any, error) { return c.syncStatus3(), nil },
		"getConsensusStatus":   func(params) (any, error) { return c.consensusStatus3(), nil },
		"getSystemConfigByKey": c.sysConfig3,
		"getGroupList": func(params) (any, error) {
			return map[string]any{"code": 0, "groupList": []string{c.cfg.Group}, "msg": "success"}, nil
		},
		"getGroupInfo":     func(params) (any, error) { return c.groupInfo3(), nil },
		"getGroupInfoList": func(params) (any, error) { return []any{c.groupInfo3()}, nil },
		"getGroupNodeInfo": func(params) (any, error) { return c.nodeInfo3(), nil },
		"getGroupPeers":    func(params) (any, error) { return c.peerIDs(), nil },
		"getPeers":         func(params) (any, error) { return c.peers3(), nil },
		"getPendingTxSize": func(params) (any, error) { return 0, nil },
		"getCode":          c.code,
	}
}

// block3 renders a block as JsonRpcImpl_2_0::toJsonResp does.
func (c *Chain) block3(b *Block, onlyHeader, onlyTxHash bool) map[string]any {
	zero := func(h []byte) string {
		if len(h) == 0 {
			return hexp(make([]byte, 32))
		}
		return hexp(h)
	}
	parents := []map[string]any{}
	if b.Number > 0 {
		parents = append(parents, map[string]any{"blockHash": hexp(b.ParentHash), "blockNumber": b.Number - 1})
	}
	sealers := []string{}
	for _, id := range b.SealerList {
		sealers = append(sealers, hexp(id))
	}
	sigs := []map[string]any{}
	for _, s := range b.Sigs {
		sigs = append(sigs, map[string]any{"sealerIndex": s.Index, "signature": hexp(s.Sig)})
	}
	weights := b.Weights
	if weights == nil {
		weights = []int64{}
	}
	v := map[string]any{
		"consensusWeights": weights, "extraData": hexp(b.Extra[0]), "gasUsed": strconv.FormatInt(b.GasUsed, 10),
		"hash": hexp(b.Hash), "number": b.Number, "parentInfo": parents, "receiptsRoot": zero(b.ReceiptsRoot),
		"sealer": b.Sealer, "sealerList": sealers, "signatureList": sigs, "stateRoot": zero(b.StateRoot),
		"timestamp": b.Timestamp, "txsRoot": zero(b.TxsRoot), "version": b.Version,
	}
	if onlyHeader {
		return v
	}
	txs := []any{}
	for i := range b.Txs {
		if onlyTxHash {
			txs = append(txs, hexp(b.Txs[i].Hash))
		} else {
			txs = append(txs, c.tx3(&b.Txs[i]))
		}
	}
	v["transactions"] = txs
	return v
}

// tx3 renders a transaction: nonce is the hex of the nonce string, to is
// the stored string, signature is r‖s‖v or r‖s‖pubkey.
func (c *Chain) tx3(t *Tx) map[string]any {
	return map[string]any{
		"abi": t.Abi, "blockLimit": t.BlockLimit, "chainID": t.ChainID, "extraData": t.ExtraData,
		"from": hexp(t.From), "groupID": t.GroupID, "hash": hexp(t.Hash), "importTime": t.ImportTime,
		"input": hexp(t.Input), "nonce": hex.EncodeToString([]byte(t.Nonce)), "signature": hexp(t.Signature),
		"to": t.To, "version": t.Version,
	}
}

// receipt3 renders a receipt with the transaction fields a node adds.
func (c *Chain) receipt3(b *Block, i int) map[string]any {
	r, t := &b.Receipts[i], &b.Txs[i]
	logs := []map[string]any{}
	for _, l := range r.Logs {
		topics := []string{}
		for _, tp := range l.Topics {
			topics = append(topics, hexp(tp))
		}
		logs = append(logs, map[string]any{"address": hex.EncodeToString(l.Address), "data": hexp(l.Data), "topics": topics})
	}
	ca, cca := "", ""
	if len(r.ContractAddress) > 0 {
		ca, cca = hexp(r.ContractAddress), "0x"+c.s.checksum(hex.EncodeToString(r.ContractAddress))
	}
	return map[string]any{
		"blockNumber": b.Number, "checksumContractAddress": cca, "contractAddress": ca, "extraData": t.ExtraData,
		"from": hexp(t.From), "gasUsed": strconv.FormatInt(r.GasUsed, 10), "hash": hexp(r.Hash), "input": hexp(t.Input),
		"logEntries": logs, "message": "", "output": hexp(r.Output), "status": r.Status, "to": t.To,
		"transactionHash": hexp(t.Hash), "transactionProof": nil, "version": r.Version,
	}
}

// checksum is FISCO's toChecksumAddress: upper-case a hex letter when the
// matching nibble of H(lower-case hex) is >= 8.
func (s suite) checksum(addr string) string {
	h := hex.EncodeToString(s.hash([]byte(addr)))
	out := []byte(addr)
	for i := range out {
		if out[i] >= 'a' && out[i] <= 'f' && h[i] >= '8' {
			out[i] -= 'a' - 'A'
		}
	}
	return string(out)
}

// proof3 lists the sibling groups of leaf i up the binary Merkle tree,
// each as hex without 0x (the shape of txProof; the level-size records a
// node interleaves are left out).
func (c *Chain) proof3(b *Block, i int, receipts bool) []string {
	var level [][]byte
	for k := range b.Txs {
		if receipts {
			level = append(level, b.Receipts[k].Hash)
		} else {
			level = append(level, b.Txs[k].Hash)
		}
	}
	out := []string{}
	for len(level) > 1 {
		g := i &^ 1
		for k := g; k < min(g+2, len(level)); k++ {
			out = append(out, hex.EncodeToString(level[k]))
		}
		var next [][]byte
		for k := 0; k < len(level); k += 2 {
			next = append(next, c.s.hash(level[k:min(k+2, len(level))]...))
		}
		level, i = next, i/2
	}
	if len(level) == 1 && len(out) == 0 {
		out = append(out, hex.EncodeToString(level[0]))
	}
	return out
}

func (c *Chain) sysConfig3(p params) (any, error) {
	k, err := p.str(2)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	v, ok := c.sysConfig[k]
	c.mu.RUnlock()
	if !ok {
		return nil, &rpcError{-32602, "system config " + k + " not found"}
	}
	return map[string]any{"blockNumber": v.block, "value": v.value}, nil
}

func (c *Chain) observerIDs() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := []string{}
	for _, o := range c.observers {
		out = append(out, hex.EncodeToString(c.nodes[o].id))
	}
	return out
}

// peerIDs are the group's sealers then observers.
func (c *Chain) peerIDs() []string {
	c.mu.RLock()
	out := []string{}
	for _, m := range c.sealers {
		out = append(out, hex.EncodeToString(c.nodes[m.node].id))
	}
	c.mu.RUnlock()
	return append(out, c.observerIDs()...)
}

// self is the node id of the node "answering" (the first sealer).
func (c *Chain) self() string { return hex.EncodeToString(c.nodes[0].id) }

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b) + "\n"
}

// syncStatus3 is a JSON string, as 3.x returns it.
func (c *Chain) syncStatus3() string {
	h := c.head()
	g, _ := c.block(0)
	peers := []map[string]any{}
	for _, id := range c.peerIDs() {
		if id != c.self() {
			peers = append(peers, map[string]any{"archivedBlockNumber": 0, "blockNumber": h.Number,
				"genesisHash": hex.EncodeToString(g.Hash), "latestHash": hex.EncodeToString(h.Hash), "nodeID": id})
		}
	}
	return jsonString(map[string]any{"archivedBlockNumber": 0, "blockNumber": h.Number, "genesisHash": hex.EncodeToString(g.Hash),
		"isSyncing": false, "knownHighestNumber": h.Number, "knownLatestHash": hex.EncodeToString(h.Hash),
		"latestHash": hex.EncodeToString(h.Hash), "nodeID": c.self(), "peers": peers})
}

func (c *Chain) consensusStatus3() string {
	h := c.head()
	c.mu.RLock()
	list := []map[string]any{}
	var total int64
	for i, m := range c.sealers {
		list = append(list, map[string]any{"index": i, "nodeID": hex.EncodeToString(c.nodes[m.node].id), "weight": m.weight})
		total += m.weight
	}
	n := len(c.sealers)
	c.mu.RUnlock()
	f := (total - 1) / 3
	return jsonString(map[string]any{"blockNumber": h.Number, "changeCycle": 0, "connectedNodeList": len(c.peerIDs()),
		"consensusNodeList": list, "consensusNodesNum": n, "hash": hex.EncodeToString(h.Hash), "index": 0,
		"isConsensusNode": true, "leaderIndex": (h.Number + 1) % int64(max(n, 1)), "maxFaultyQuorum": f,
		"minRequiredQuorum": total - f, "nodeID": c.self(), "timeout": false, "view": h.Number + 2})
}

func (c *Chain) nodeInfo3() map[string]any {
	ini := jsonString(map[string]any{"binaryInfo": map[string]any{"buildTime": "fiscochain test chain", "gitCommitHash": "",
		"platform": "Linux/go", "version": "3.3.0"}, "chainID": c.cfg.ChainID, "gatewayServiceName": "", "groupID": c.cfg.Group,
		"isAuthCheck": false, "isSerialExecute": true, "isWasm": false, "nodeID": c.self(), "nodeName": c.self(),
		"rpcServiceName": "", "smCryptoType": c.cfg.GM})
	return map[string]any{"iniConfig": ini, "microService": false, "name": c.self(), "nodeID": c.self(),
		"protocol":    map[string]any{"compatibilityVersion": headerVersion3, "maxSupportedVersion": 1, "minSupportedVersion": 0},
		"serviceInfo": []any{}, "type": 1}
}

func (c *Chain) groupInfo3() map[string]any {
	var sealers []map[string]any
	for i := 0; i < c.cfg.Sealers; i++ {
		sealers = append(sealers, map[string]any{"nodeID": hex.EncodeToString(c.nodes[i].id), "weight": 1})
	}
	gen := jsonString(map[string]any{"blockTxCountLimit": 1000, "consensusLeaderPeriod": 1, "consensusType": "pbft",
		"sealerList": sealers, "txGasLimit": 3000000000})
	return map[string]any{"chainID": c.cfg.ChainID, "genesisConfig": gen, "groupID": c.cfg.Group, "iniConfig": "",
		"nodeList": []any{c.nodeInfo3()}}
}

func (c *Chain) peers3() map[string]any {
	info := func(id string, port int) map[string]any {
		return map[string]any{"endPoint": fmt.Sprintf("127.0.0.1:%d", port),
			"groupNodeIDInfo": []any{map[string]any{"group": c.cfg.Group, "nodeIDList": []string{id}}},
			"p2pNodeID":       "04" + id}
	}
	v := info(c.self(), 30300)
	peers := []any{}
	for i, id := range c.peerIDs() {
		if id != c.self() {
			peers = append(peers, info(id, 30300+i))
		}
	}
	v["peers"] = peers
	return v
}
