package main

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/FISCO-BCOS/go-sdk/v3/types"
	"github.com/ethereum/go-ethereum/common"
)

// headerVersion3 is the 3.x block header version (compatibility version
// 3.3.0, as in the documentation's example responses).
const headerVersion3 = 0x03030000

// blockLimitSpan is how far ahead of its block a transaction's blockLimit
// reaches (go-sdk uses the head plus 500).
const blockLimitSpan = 500

// buildTx3 builds a 3.x transaction with go-sdk v3's types: the hash is
// tx.Hash() (SM3 or keccak over the TransactionData fields) and the
// signature is the sender's over that hash.
func (c *Chain) buildTx3(sp txSpec, ts int64) (Tx, error) {
	k := c.accounts[sp.from]
	var to *common.Address
	var input []byte
	abi := ""
	switch {
	case sp.op != nil:
		nodeID := []byte(nil)
		if sp.op.Op != "setConfig" {
			nodeID = c.nodes[sp.op.Node].id
		}
		addr, in := c.s.govInput(true, *sp.op, nodeID)
		a := common.BytesToAddress(addr)
		to, input = &a, in
	case sp.code:
		input, abi = c.s.helloWorldCode(), HelloWorldABI
	default:
		a := common.BytesToAddress(sp.to)
		to = &a
		input = abiCall(c.s.selector("set(string)"), fmt.Sprintf("hello fisco %d-%d", sp.n, sp.index))
	}
	nonce := bigHash(c.s.hash([]byte(c.cfg.Seed), []byte("nonce"), be64(sp.n), be64(int64(sp.index)))).String()
	tx := &types.Transaction{SMCrypto: c.cfg.GM, Data: types.TransactionData{
		ChainID: c.cfg.ChainID, GroupID: c.cfg.Group, BlockLimit: sp.n + blockLimitSpan,
		Nonce: nonce, To: to, Input: input, Abi: abi,
	}}
	h := tx.Hash()
	sig, err := c.s.sign(k, h[:], true)
	if err != nil {
		return Tx{}, err
	}
	out := Tx{
		Hash: h[:], From: k.addr, Signature: sig, ImportTime: ts, Input: input,
		ChainID: c.cfg.ChainID, GroupID: c.cfg.Group, BlockLimit: tx.Data.BlockLimit, Nonce: nonce, Abi: abi,
	}
	if to != nil {
		out.To = fmt.Sprintf("%x", to) // what go-sdk writes and hashes
	}
	return out, nil
}

// tarsTx rebuilds the go-sdk v3 Transaction of a stored 3.x transaction;
// its Bytes() are the TARS encoding a node stores.
func (c *Chain) tarsTx(t *Tx) *types.Transaction {
	var to *common.Address
	if t.To != "" {
		a := common.HexToAddress(t.To)
		to = &a
	}
	h := common.BytesToHash(t.Hash)
	from := common.BytesToAddress(t.From)
	return &types.Transaction{SMCrypto: c.cfg.GM, DataHash: &h, Signature: t.Signature, ImportTime: t.ImportTime, Sender: &from,
		Data: types.TransactionData{Version: t.Version, ChainID: t.ChainID, GroupID: t.GroupID, BlockLimit: t.BlockLimit,
			Nonce: t.Nonce, To: to, Input: t.Input, Abi: t.Abi}}
}

// receiptHash3 follows TarsHashable.h: version, gasUsed (decimal string),
// contractAddress (hex without 0x), status, output, then per log its
// address string, topics and data, and finally the block number.
func (c *Chain) receiptHash3(r *Receipt, n int64) []byte {
	parts := [][]byte{be32(r.Version), []byte(strconv.FormatInt(r.GasUsed, 10)),
		[]byte(hex.EncodeToString(r.ContractAddress)), be32(r.Status), r.Output}
	for _, l := range r.Logs {
		parts = append(parts, []byte(hex.EncodeToString(l.Address)))
		parts = append(parts, l.Topics...)
		parts = append(parts, l.Data)
	}
	parts = append(parts, be64(n))
	return c.s.hash(parts...)
}

// merkle3 is FISCO 3.x's binary Merkle root (bcos-crypto Merkle.h, width
// 2): one leaf is the root itself; a lone last node is hashed alone.
func (s suite) merkle3(leaves [][]byte) []byte {
	if len(leaves) == 0 {
		return make([]byte, 32)
	}
	level := leaves
	for len(level) > 1 {
		next := make([][]byte, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			if i+1 < len(level) {
				next = append(next, s.hash(level[i], level[i+1]))
			} else {
				next = append(next, s.hash(level[i]))
			}
		}
		level = next
	}
	return level[0]
}

// header3 fills the roots and the header hash of a 3.x block.
func (c *Chain) header3(b *Block) {
	b.Version = headerVersion3
	var th, rh [][]byte
	for i := range b.Txs {
		th = append(th, b.Txs[i].Hash)
		rh = append(rh, b.Receipts[i].Hash)
	}
	b.TxsRoot, b.ReceiptsRoot = c.s.merkle3(th), c.s.merkle3(rh)
	// The test chain runs no EVM: the state root is a stand-in.
	b.StateRoot = c.s.hash([]byte("fiscochain state"), be64(b.Number))
	b.Extra = [][]byte{{}}
	b.Hash = c.s.headerHash3(b, strconv.FormatInt(b.GasUsed, 10))
}

// headerHash3 follows TarsHashable.h: version, parent infos (number,
// hash), txsRoot, receiptsRoot, stateRoot, number, gasUsed as a string,
// timestamp, sealer, each sealer node id, extraData, each weight.
func (s suite) headerHash3(b *Block, gasUsed string) []byte {
	parts := [][]byte{be32(int32(b.Version))}
	if b.Number > 0 {
		parts = append(parts, be64(b.Number-1), b.ParentHash)
	}
	parts = append(parts, b.TxsRoot, b.ReceiptsRoot, b.StateRoot, be64(b.Number), []byte(gasUsed),
		be64(b.Timestamp), be64(b.Sealer))
	parts = append(parts, b.SealerList...)
	parts = append(parts, b.Extra[0])
	for _, w := range b.Weights {
		parts = append(parts, be64(w))
	}
	return s.hash(parts...)
}

// genesis3 is block 0 as a 3.x node builds it: timestamp 0, no sealers in
// the header, the genesis configuration text as extraData, and empty
// roots and gasUsed (hashed as empty strings; shown as zeros).
func (c *Chain) genesis3() *Block {
	b := &Block{Version: headerVersion3, Extra: [][]byte{[]byte(c.genesisConfig())}, Sigs: []Sig{}}
	b.Hash = c.s.headerHash3(b, "")
	return b
}

// genesisConfig is the genesis text a 3.x node puts in block 0's extraData.
func (c *Chain) genesisConfig() string {
	sm := 0
	if c.cfg.GM {
		sm = 1
	}
	s := fmt.Sprintf("[chain]\nsm_crypto:%d\nchainID: %s\ngroupID: %s\n[consensus]\nconsensus_type: pbft\nblock_tx_count_limit:1000\nleader_period:1\n[version]\ncompatibility_version:3.3.0\n[tx]\ngaslimit:3000000000\n[executor]\niswasm: 0\nisAuthCheck:0\nauthAdminAccount:0x%x\nisSerialExecute:1\n",
		sm, c.cfg.ChainID, c.cfg.Group, c.accounts[0].addr)
	for i := 0; i < c.cfg.Sealers; i++ {
		s += fmt.Sprintf("node.%d:%x,1\n", i, c.nodes[i].id)
	}
	return s
}
