package main

import (
	"fmt"
	"math/big"
	"time"

	v1types "github.com/FISCO-BCOS/go-sdk/core/types"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// 2.x transaction gas figures (go-sdk v1 defaults).
const (
	gasPrice2 = 30000000
	gasLimit2 = 30000000
)

// buildTx2 builds and signs a 2.x RLP transaction with go-sdk v1's
// core/types: non-GM through SignTx with the HomesteadSigner (v = 27 +
// recovery id), GM by SM2 over SM3HashNonSig with the public key as v.
// The hash is the reference tx.Hash() (keccak or SM3 of the full RLP).
func (c *Chain) buildTx2(sp txSpec) (Tx, error) {
	k := c.accounts[sp.from]
	var to []byte
	var input []byte
	switch {
	case sp.op != nil:
		var nodeID []byte
		if sp.op.Op != "setConfig" {
			nodeID = c.nodes[sp.op.Node].id
		}
		to, input = c.s.govInput(false, *sp.op, nodeID)
	case sp.code:
		input = c.s.helloWorldCode()
	default:
		to = sp.to
		input = abiCall(c.s.selector("set(string)"), fmt.Sprintf("hello fisco %d-%d", sp.n, sp.index))
	}
	nonce := bigHash(c.s.hash([]byte(c.cfg.Seed), []byte("nonce"), be64(sp.n), be64(int64(sp.index))))
	bl := big.NewInt(sp.n + blockLimitSpan)
	chainID, groupID := big.NewInt(c.cfg.ChainID2), big.NewInt(c.cfg.GroupID)
	var tx *v1types.Transaction
	if to == nil {
		tx = v1types.NewContractCreation(nonce, big.NewInt(0), big.NewInt(gasLimit2), big.NewInt(gasPrice2), bl, input, chainID, groupID, nil, c.cfg.GM)
	} else {
		tx = v1types.NewTransaction(nonce, common.BytesToAddress(to), big.NewInt(0), big.NewInt(gasLimit2), big.NewInt(gasPrice2), bl, input, chainID, groupID, nil, c.cfg.GM)
	}
	var signed *v1types.Transaction
	var sig []byte
	var err error
	if c.cfg.GM {
		h := tx.SM3HashNonSig()
		if sig, err = c.s.sign(k, h[:], true); err != nil {
			return Tx{}, err
		}
		signed, err = tx.WithSM2Signature(v1types.HomesteadSigner{}, sig)
	} else {
		signed, err = v1types.SignTx(tx, v1types.HomesteadSigner{}, k.secp)
		if err == nil {
			v, r, s := signed.SignatureValues()
			sig = make([]byte, 65)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:64])
			sig[64] = byte(v.Uint64() - 27)
		}
	}
	if err != nil {
		return Tx{}, err
	}
	raw, err := rlp.EncodeToBytes(signed)
	if err != nil {
		return Tx{}, err
	}
	h := signed.Hash()
	out := Tx{Hash: h[:], From: k.addr, Signature: sig, Input: input, BlockLimit: bl.Int64(), Nonce: nonce.String(),
		GasPrice: gasPrice2, Gas: gasLimit2, To2: to, ChainID2: c.cfg.ChainID2, GroupID2: c.cfg.GroupID, RLP: raw}
	if c.cfg.GM {
		out.V = k.id
	} else {
		out.V = []byte{sig[64]}
	}
	return out, nil
}

// bloom2 is the 2.x (Ethereum-style) log bloom over the chain's hasher.
func (s suite) bloom2(logs []Log) []byte {
	b := make([]byte, 256)
	add := func(x []byte) {
		h := s.hash(x)
		for i := 0; i < 6; i += 2 {
			bit := (uint(h[i])<<8 | uint(h[i+1])) & 2047
			b[256-1-bit/8] |= 1 << (bit % 8)
		}
	}
	for _, l := range logs {
		add(l.Address)
		for _, t := range l.Topics {
			add(t)
		}
	}
	return b
}

// receiptHash2 is the hash of the 2.9 receipt RLP: [stateRoot, gasUsed,
// contractAddress, bloom, status, output, remainGas, logs]
// (TransactionReceipt::streamRLP).
func (c *Chain) receiptHash2(r *Receipt) []byte {
	r.Bloom = c.s.bloom2(r.Logs)
	logs := make([]any, 0, len(r.Logs))
	for _, l := range r.Logs {
		logs = append(logs, []any{l.Address, l.Topics, l.Data})
	}
	ca := r.ContractAddress
	if ca == nil {
		ca = make([]byte, 20)
	}
	enc, err := rlp.EncodeToBytes([]any{make([]byte, 32), uint64(r.GasUsed), ca, r.Bloom, uint64(r.Status), r.Output, uint64(r.RemainGas), logs})
	if err != nil {
		panic(err)
	}
	return c.s.hash(enc)
}

// root2 is the 2.x transactionsRoot/receiptsRoot (from 2.2.0): leaves are
// RLP(index) ‖ hash; groups of up to 16 are hashed level by level, and the
// root is the hash of the last remaining element (TrieHash2.cpp).
func (s suite) root2(hashes [][]byte) []byte {
	if len(hashes) == 0 {
		return s.hash()
	}
	level := make([][]byte, len(hashes))
	for i, h := range hashes {
		idx, _ := rlp.EncodeToBytes(uint64(i))
		level[i] = append(idx, h...)
	}
	for len(level) > 1 {
		next := make([][]byte, 0, (len(level)+15)/16)
		for i := 0; i < len(level); i += 16 {
			next = append(next, s.hash(level[i:min(i+16, len(level))]...))
		}
		level = next
	}
	return s.hash(level[0])
}

// header2 fills the roots and the hash of a 2.x block: the hash of the
// RLP list of 13 header fields (BlockHeader::streamRLPFields).
func (c *Chain) header2(b *Block) {
	var th, rh [][]byte
	for i := range b.Txs {
		th = append(th, b.Txs[i].Hash)
		rh = append(rh, b.Receipts[i].Hash)
	}
	b.TxsRoot, b.ReceiptsRoot = c.s.root2(th), c.s.root2(rh)
	if b.Extra == nil {
		b.Extra = [][]byte{}
	}
	b.StateRoot, b.DBHash, b.Bloom = make([]byte, 32), make([]byte, 32), make([]byte, 256)
	b.Hash = c.s.headerHash2(b)
}

func (s suite) headerHash2(b *Block) []byte {
	parent := b.ParentHash
	if parent == nil {
		parent = make([]byte, 32)
	}
	enc, err := rlp.EncodeToBytes([]any{parent, b.StateRoot, b.TxsRoot, b.ReceiptsRoot, b.DBHash, b.Bloom,
		uint64(b.Number), uint64(0), uint64(b.GasUsed), uint64(b.Timestamp), b.Extra, uint64(b.Sealer), b.SealerList})
	if err != nil {
		panic(err)
	}
	return s.hash(enc)
}

// genesis2 is a 2.x block 0: the initial sealer list, the genesis mark
// as the one extraData element, zero roots and no signatures.
func (c *Chain) genesis2() *Block {
	b := &Block{Timestamp: time.Now().UnixMilli(), Sigs: []Sig{}, TxsRoot: make([]byte, 32), ReceiptsRoot: make([]byte, 32),
		StateRoot: make([]byte, 32), DBHash: make([]byte, 32), Bloom: make([]byte, 256)}
	for i := 0; i < c.cfg.Sealers; i++ {
		b.SealerList = append(b.SealerList, c.nodes[i].id)
	}
	b.Extra = [][]byte{[]byte(fmt.Sprintf("%d-pbft-storage-rocksdb-%d-%d", c.cfg.GroupID, c.cfg.Sealers, gasLimit2))}
	b.Hash = c.s.headerHash2(b)
	return b
}

// genesis returns block 0 for the chain's line.
func (c *Chain) genesis() *Block {
	if c.cfg.V3 {
		return c.genesis3()
	}
	return c.genesis2()
}
