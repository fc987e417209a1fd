package evm

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/trie"

	"github.com/lianjian/lianjian/ledger"
)

// blockJSON holds the parts of eth_getBlockByNumber(n, true) that the
// header decoder does not take.
type blockJSON struct {
	Hash         *common.Hash        `json:"hash"`
	Transactions []json.RawMessage   `json:"transactions"`
	Withdrawals  []*types.Withdrawal `json:"withdrawals"`
}

// txMeta holds what the node claims about a transaction beyond its fields.
type txMeta struct {
	Hash common.Hash    `json:"hash"`
	From common.Address `json:"from"`
}

var secp256k1HalfN = new(big.Int).Rsh(crypto.S256().Params().N, 1)

// decoder converts and verifies blocks of one chain.
type decoder struct {
	chain  string
	signer types.Signer
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// txTypeName names an EVM transaction type.
func txTypeName(t uint8) string {
	switch t {
	case types.LegacyTxType:
		return "legacy"
	case types.AccessListTxType:
		return "access-list"
	case types.DynamicFeeTxType:
		return "dynamic-fee"
	case types.BlobTxType:
		return "blob"
	case types.SetCodeTxType:
		return "set-code"
	}
	return fmt.Sprintf("type-%d", t)
}

// decode converts one block and its receipts as served by the node and
// verifies them. It fails only when the header itself cannot be decoded;
// every other defect becomes a finding on the returned block.
func (d *decoder) decode(rawBlock json.RawMessage, rawReceipts []json.RawMessage) (*ledger.Block, error) {
	var h types.Header
	if err := json.Unmarshal(rawBlock, &h); err != nil {
		return nil, fmt.Errorf("%w: block header: %w", ErrMalformed, err)
	}
	var bj blockJSON
	if err := json.Unmarshal(rawBlock, &bj); err != nil {
		return nil, fmt.Errorf("%w: block %d body: %w", ErrMalformed, h.Number, err)
	}
	if bj.Hash == nil {
		return nil, fmt.Errorf("%w: block %d has no hash", ErrMalformed, h.Number)
	}
	b := &ledger.Block{
		Chain: d.chain, Height: h.Number.Uint64(), Hash: bj.Hash.Bytes(), ParentHash: h.ParentHash.Bytes(),
		DataHash: h.TxHash.Bytes(), StateRoot: h.Root.Bytes(), Time: time.Unix(int64(h.Time), 0).UTC(),
		Proposer: strings.ToLower(h.Coinbase.Hex()), GasUsed: h.GasUsed, GasLimit: h.GasLimit,
		EVM: consensusFields(&h), Raw: ledger.Bundle{Block: rawBlock, Receipts: rawReceipts}.Marshal(),
	}
	if h.BaseFee != nil {
		b.BaseFee = h.BaseFee.String()
	}
	v := &verifier{d: d, b: b}
	v.check(RuleHeaderHash, ledger.Subject{Kind: "block", Ref: hexOf(b.Hash), Height: b.Height}, "header-hash",
		h.Hash() == *bj.Hash, fmt.Sprintf("keccak(RLP(header)) %s, served %s", h.Hash().Hex(), bj.Hash.Hex()),
		map[string]string{"computed": h.Hash().Hex(), "served": bj.Hash.Hex()})

	txs, ok := d.decodeTxs(v, bj.Transactions)
	if ok {
		root := types.DeriveSha(types.Transactions(txs), trie.NewStackTrie(nil))
		v.check(RuleTxRoot, v.blockSubject(), "transactions-root", root == h.TxHash,
			fmt.Sprintf("recomputed %s, header %s", root.Hex(), h.TxHash.Hex()),
			map[string]string{"computed": root.Hex(), "header": h.TxHash.Hex(), "txs": fmt.Sprint(len(txs))})
	}
	d.decodeReceipts(v, &h, txs, rawReceipts)
	if h.WithdrawalsHash != nil {
		root := types.DeriveSha(types.Withdrawals(bj.Withdrawals), trie.NewStackTrie(nil))
		v.check(RuleWithdrawalsRoot, v.blockSubject(), "withdrawals-root", root == *h.WithdrawalsHash,
			fmt.Sprintf("recomputed %s, header %s", root.Hex(), h.WithdrawalsHash.Hex()),
			map[string]string{"computed": root.Hex(), "header": h.WithdrawalsHash.Hex()})
	}
	return b, nil
}

// decodeTxs decodes and verifies every transaction. It reports whether all
// of them decoded, which the transactions root needs.
func (d *decoder) decodeTxs(v *verifier, raws []json.RawMessage) ([]*types.Transaction, bool) {
	b := v.b
	txs := make([]*types.Transaction, 0, len(raws))
	all := true
	b.Txs = make([]ledger.Tx, len(raws))
	for i, raw := range raws {
		var tx types.Transaction
		mt := &b.Txs[i]
		*mt = ledger.Tx{Chain: d.chain, Height: b.Height, Index: i, Time: b.Time}
		meta, err := txClaims(raw)
		if err == nil {
			err = json.Unmarshal(raw, &tx)
		}
		mt.ID = hexOf(meta.Hash.Bytes())
		subj := ledger.Subject{Kind: "tx", Ref: mt.ID, Height: b.Height}
		if err != nil {
			all = false
			mt.Type = "undecodable"
			v.tx = mt
			v.check(RuleMalformed, subj, "decode", false, fmt.Sprintf("tx %d: %v", i, err), map[string]string{"index": fmt.Sprint(i), "error": err.Error(), "part": "transaction"})
			v.tx = nil
			continue
		}
		txs = append(txs, &tx)
		d.fillTx(mt, &tx)
		mt.Raw, _ = tx.MarshalBinary()
		v.tx = mt
		v.check(RuleTxHash, subj, "tx-hash", tx.Hash() == meta.Hash,
			fmt.Sprintf("recomputed %s, served %s", tx.Hash().Hex(), meta.Hash.Hex()),
			map[string]string{"computed": tx.Hash().Hex(), "served": meta.Hash.Hex()})
		d.verifySignature(v, subj, &tx, meta.From)
		v.tx = nil
	}
	return txs, all
}

// fillTx copies the transaction fields into the model.
func (d *decoder) fillTx(mt *ledger.Tx, tx *types.Transaction) {
	mt.Type = txTypeName(tx.Type())
	mt.Nonce = tx.Nonce()
	mt.Gas = tx.Gas()
	mt.Value = tx.Value().String()
	mt.GasPrice = tx.GasPrice().String()
	if to := tx.To(); to != nil {
		mt.To = strings.ToLower(to.Hex())
		mt.Contract = mt.To
	}
	if data := tx.Data(); len(data) >= 4 && tx.To() != nil {
		mt.Function = "0x" + hexOf(data[:4])
	}
}

// verifySignature recovers the sender and checks the signature form.
func (d *decoder) verifySignature(v *verifier, subj ledger.Subject, tx *types.Transaction, served common.Address) {
	mt := v.tx
	_, r, s := tx.RawSignatureValues()
	sig := ledger.Signature{Role: "sender", Algorithm: "secp256k1-keccak256"}
	if r != nil && s != nil {
		sig.Value = append(common.LeftPadBytes(r.Bytes(), 32), common.LeftPadBytes(s.Bytes(), 32)...)
	}
	lowS := s != nil && s.Cmp(secp256k1HalfN) <= 0
	v.check(RuleHighS, subj, "low-s", lowS, fmt.Sprintf("s = %v", s), map[string]string{"s": fmt.Sprint(s)})
	from, err := types.Sender(d.signer, tx)
	switch {
	case err != nil:
		mt.From = strings.ToLower(served.Hex())
		v.check(RuleSender, subj, "sender", false, "recover sender: "+err.Error(),
			map[string]string{"served": served.Hex(), "error": err.Error()})
		sig.Verdict.Add("recover", false, err.Error())
	default:
		mt.From = strings.ToLower(from.Hex())
		ok := from == served
		v.check(RuleSender, subj, "sender", ok, fmt.Sprintf("recovered %s, served %s", from.Hex(), served.Hex()),
			map[string]string{"recovered": from.Hex(), "served": served.Hex()})
		sig.Verdict.Add("recover", ok, "recovered "+from.Hex())
	}
	sig.Signer = ledger.Identity{Address: mt.From, KeyAlgorithm: "secp256k1"}
	if tx.Type() == types.LegacyTxType {
		v.check(RuleUnprotected, subj, "eip155", tx.Protected(),
			"legacy transaction signed without a chain id", map[string]string{"v": fmt.Sprint(rawV(tx))})
	}
	mt.Sigs = []ledger.Signature{sig}
}

func rawV(tx *types.Transaction) *big.Int {
	v, _, _ := tx.RawSignatureValues()
	return v
}

// decodeReceipts decodes receipts, checks they belong to the block's
// transactions, recomputes the receipts root and records results and
// contract creations.
func (d *decoder) decodeReceipts(v *verifier, h *types.Header, txs []*types.Transaction, raws []json.RawMessage) {
	b := v.b
	if len(raws) != len(b.Txs) {
		v.check(RuleReceiptMismatch, v.blockSubject(), "receipts-count", false,
			fmt.Sprintf("%d receipts for %d transactions", len(raws), len(b.Txs)),
			map[string]string{"receipts": fmt.Sprint(len(raws)), "txs": fmt.Sprint(len(b.Txs))})
		return
	}
	receipts := make(types.Receipts, 0, len(raws))
	byID := make(map[string]*types.Transaction, len(txs))
	for _, tx := range txs {
		byID[hexOf(tx.Hash().Bytes())] = tx
	}
	all := true
	for i, raw := range raws {
		mt := &b.Txs[i]
		subj := ledger.Subject{Kind: "tx", Ref: mt.ID, Height: b.Height}
		// One pass: types.Receipt also takes the node's claims about the
		// receipt (its tx and block hash, contract address, gas used).
		var rc types.Receipt
		err := json.Unmarshal(raw, &rc)
		v.tx = mt
		if err != nil {
			all = false
			v.check(RuleMalformed, subj, "receipt-decode", false, fmt.Sprintf("receipt %d: %v", i, err),
				map[string]string{"index": fmt.Sprint(i), "error": err.Error(), "part": "receipt"})
			v.tx = nil
			continue
		}
		receipts = append(receipts, &rc)
		belongs := hexOf(rc.TxHash.Bytes()) == mt.ID && hexOf(rc.BlockHash.Bytes()) == hexOf(b.Hash)
		v.check(RuleReceiptMismatch, subj, "receipt-owner", belongs,
			fmt.Sprintf("receipt %d names tx %s in block %s", i, rc.TxHash.Hex(), rc.BlockHash.Hex()),
			map[string]string{"receiptTx": rc.TxHash.Hex(), "receiptBlock": rc.BlockHash.Hex(), "index": fmt.Sprint(i)})
		switch {
		case len(rc.PostState) > 0:
			mt.Status, mt.Valid = "unknown", true
		case rc.Status == types.ReceiptStatusSuccessful:
			mt.Status, mt.Valid = "success", true
		default:
			mt.Status, mt.Valid = "failed", false
		}
		mt.GasUsed = rc.GasUsed
		if rc.EffectiveGasPrice != nil {
			mt.GasPrice = rc.EffectiveGasPrice.String()
		}
		for _, l := range rc.Logs {
			ml := ledger.Log{Address: strings.ToLower(l.Address.Hex()), Data: l.Data, Index: l.Index}
			for _, t := range l.Topics {
				ml.Topics = append(ml.Topics, t.Hex())
			}
			mt.Logs = append(mt.Logs, ml)
		}
		if tx := byID[mt.ID]; tx != nil && tx.To() == nil && rc.ContractAddress != (common.Address{}) {
			d.recordCreation(v, subj, tx, rc.ContractAddress)
		}
		v.tx = nil
	}
	if all {
		root := types.DeriveSha(receipts, trie.NewStackTrie(nil))
		v.check(RuleReceiptRoot, v.blockSubject(), "receipts-root", root == h.ReceiptHash,
			fmt.Sprintf("recomputed %s, header %s", root.Hex(), h.ReceiptHash.Hex()),
			map[string]string{"computed": root.Hex(), "header": h.ReceiptHash.Hex()})
	}
}

// recordCreation checks a created contract's address and adds it to the
// block's contracts; its code is fetched later.
func (d *decoder) recordCreation(v *verifier, subj ledger.Subject, tx *types.Transaction, addr common.Address) {
	mt := v.tx
	want := crypto.CreateAddress(common.HexToAddress(mt.From), tx.Nonce())
	v.check(RuleContractAddress, subj, "contract-address", want == addr,
		fmt.Sprintf("receipt %s, derived %s", addr.Hex(), want.Hex()),
		map[string]string{"receipt": addr.Hex(), "derived": want.Hex(), "creator": mt.From, "nonce": fmt.Sprint(tx.Nonce())})
	mt.Contract = strings.ToLower(addr.Hex())
	v.b.Contracts = append(v.b.Contracts, ledger.Contract{
		Chain: d.chain, Address: mt.Contract, Creator: mt.From, DeployTx: mt.ID,
		Height: v.b.Height, Time: v.b.Time,
	})
}
