package fisco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"

	"github.com/lianjian/lianjian/ledger"
)

// verify2 converts and verifies one 2.x block with its receipts (nil when
// not served).
func (v *Verifier) verify2(raw []byte, receipts []json.RawMessage) (*ledger.Block, error) {
	var b block2
	if err := unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%w: 2.x block: %w", ErrMalformed, err)
	}
	if !b.Hash.set || !b.Number.set {
		return nil, fmt.Errorf("%w: 2.x block without hash or number", ErrMalformed)
	}
	headerOK := b.ReceiptsRoot != nil && b.DBHash != nil
	if v.suite == SuiteUnknown && headerOK {
		for _, s := range []Suite{SuiteGM, SuiteStandard} {
			if h, err := headerHash2(s, &b); err == nil && bytes.Equal(h, b.Hash.b) {
				v.pinSuite(s)
				break
			}
		}
	}
	if v.suite == SuiteUnknown && b.SignatureList != nil && len(*b.SignatureList) > 0 {
		// No hash reproduced: the first sealer signature's layout tells.
		switch len((*b.SignatureList)[0].Signature.b) {
		case 128:
			v.pinSuite(SuiteGM)
		case 65:
			v.pinSuite(SuiteStandard)
		}
	}
	gasUsed := bigOf(b.GasUsed)
	headerOnly := b.Transactions == nil
	var txs []json.RawMessage
	if !headerOnly {
		txs = *b.Transactions
	}
	out := &ledger.Block{
		Chain: v.cfg.Chain, Height: b.Number.v, Hash: b.Hash.b, ParentHash: b.ParentHash.b,
		DataHash: b.TransactionsRoot.b, StateRoot: b.StateRoot.b, Time: msTime(b.Timestamp.v),
		TxCount: len(txs),
		Fisco:   &ledger.FiscoBlock{Version: 2, Group: v.cfg.Group, SealerIndex: b.Sealer.v, Receipts: receipts != nil},
	}
	if gasUsed.IsUint64() {
		out.GasUsed = gasUsed.Uint64()
	}
	if g := bigOf(b.GasLimit); g.IsUint64() {
		out.GasLimit = g.Uint64()
	}
	if b.ReceiptsRoot != nil {
		out.Fisco.ReceiptsRoot = b.ReceiptsRoot.b
	}
	if b.DBHash != nil {
		out.Fisco.DBHash = b.DBHash.b
	}
	for _, e := range b.ExtraData {
		out.Fisco.ExtraData = append(out.Fisco.ExtraData, e.b...)
	}
	for _, n := range b.SealerList {
		out.Fisco.SealerList = append(out.Fisco.SealerList, hx(n.b))
	}
	if int(b.Sealer.v) < len(out.Fisco.SealerList) {
		out.Proposer = out.Fisco.SealerList[b.Sealer.v]
	}
	r := report{chain: v.cfg.Chain, b: out}
	if headerOK {
		h, err := headerHash2(v.suite, &b)
		if err != nil {
			return nil, fmt.Errorf("%w: block %d header: %w", ErrMalformed, b.Number.v, err)
		}
		r.checkLazy(RuleHeaderHash, nil, "header hash", bytes.Equal(h, b.Hash.b), func() (string, map[string]string) {
			return fmt.Sprintf("recomputed %x, node gave %x", h, b.Hash.b), map[string]string{"recomputed": hx(h), "served": hx(b.Hash.b)}
		})
	} else {
		r.note(RuleNotVerifiable, nil, "the header has no receiptsRoot or dbHash (an early 2.0 release): its hash cannot be recomputed")
	}

	hashes := make([][]byte, 0, len(txs))
	var rlps [][]byte
	full := true
	for i, rawTx := range txs {
		if len(rawTx) > 0 && rawTx[0] == '"' {
			h, err := v.hashOnlyTx(out, i, rawTx)
			if err != nil {
				return nil, err
			}
			hashes = append(hashes, h)
			full = false
			continue
		}
		var t tx2
		if err := unmarshal(rawTx, &t); err != nil {
			v.malformedTx(r, out, i, err)
			continue
		}
		hashes = append(hashes, t.Hash.b)
		tx, enc := v.tx2(r, out, i, &t)
		out.Txs = append(out.Txs, tx)
		rlps = append(rlps, enc)
	}
	if !full && len(txs) > 0 {
		r.note(RuleNotVerifiable, nil, "the block was served with transaction hashes only: transaction fields and signatures were not checked")
	}
	root := merkleRoot2(v.suite, hashes)
	ok := bytes.Equal(root, b.TransactionsRoot.b)
	if !ok && full && len(rlps) == len(hashes) {
		if alt := txRootRC2(v.suite, rlps); bytes.Equal(alt, b.TransactionsRoot.b) {
			root, ok = alt, true
		}
	}
	if headerOnly && b.Number.v > 0 {
		r.note(RuleNotVerifiable, nil, "only the header was served: the transactions and receipts roots were not recomputed")
	} else if b.Number.v > 0 {
		r.checkLazy(RuleTxRoot, nil, "transactions root", ok, func() (string, map[string]string) {
			return fmt.Sprintf("recomputed %x, header has %x", root, b.TransactionsRoot.b), map[string]string{"recomputed": hx(root), "header": hx(b.TransactionsRoot.b)}
		})
	}
	switch {
	case headerOnly || b.Number.v == 0: // genesis has no receipts to check
	case receipts != nil && b.ReceiptsRoot != nil:
		v.receipts2(r, b.ReceiptsRoot.b, receipts)
	case len(txs) > 0:
		r.note(RuleNotVerifiable, nil, "receipts were not served: the receipts root and execution results were not checked")
	}

	if b.SignatureList == nil {
		if b.Number.v > 0 {
			r.note(RuleNotVerifiable, nil, "the block was served without its signatureList (getBlockByNumber without includeAllData): sealer signatures were not checked")
		}
	} else {
		sigs := make([]sealerSig, 0, len(*b.SignatureList))
		for _, s := range *b.SignatureList {
			sigs = append(sigs, sealerSig{index: s.Index.v, sig: s.Signature.b})
		}
		v.checkSeals(r, out, b.Hash.b, sigs, nil)
	}
	return out, nil
}

// tx2 converts and verifies one 2.x transaction; it returns the signed
// RLP for the pre-2.2 root.
func (v *Verifier) tx2(r report, b *ledger.Block, i int, t *tx2) (ledger.Tx, []byte) {
	tx := ledger.Tx{
		ID: hx(t.Hash.b), Chain: v.cfg.Chain, Height: b.Height, Index: i, Time: b.Time,
		From: addrOf(t.From), To: addrOf(t.To), Type: "call", Valid: true,
		Value: bigOf(t.Value).String(), GasPrice: bigOf(t.GasPrice).String(),
		Fisco: &ledger.FiscoTx{
			TxVersion: 0, ChainID: bigOf(t.ChainID).String(), GroupID: bigOf(t.GroupID).String(), BlockLimit: bigOf(t.BlockLimit).Uint64(),
			Nonce: bigOf(t.Nonce).String(), Input: t.Input.b, ExtraData: string(t.ExtraData.b),
		},
	}
	if g := bigOf(t.Gas); g.IsUint64() {
		tx.Gas = g.Uint64()
	}
	if len(t.Input.b) >= 4 {
		tx.Function = hx(t.Input.b[:4])
	}
	p := &tx
	if !isZeroAddr(t.To) {
		v.governance(p, t.To, t.Input.b)
	}
	if t.Signature == nil {
		r.note(RuleNotVerifiable, p, "the transaction was served without its signature")
		return tx, nil
	}
	sig := t.Signature.Signature.b
	if len(sig) == 0 {
		sig = append(append(pad32(t.Signature.R.b), pad32(t.Signature.S.b)...), t.Signature.V.b...)
	}
	tx.Fisco.Signature = sig
	var rr, ss []byte
	var vslot any
	switch len(sig) {
	case 128:
		rr, ss, vslot = sig[:32], sig[32:64], sig[64:]
	case 65:
		rr, ss = sig[:32], sig[32:64]
		vv := uint64(sig[64])
		if vv < 27 {
			vv += 27
		}
		vslot = new(big.Int).SetUint64(vv)
	default:
		r.check(RuleTxSig, p, "sender signature", false, fmt.Sprintf("signature of %d bytes", len(sig)),
			map[string]string{"signatureBytes": strconv.Itoa(len(sig))})
		return tx, nil
	}
	// A deployment shows the zero address as its recipient but carries none.
	tos := [][]byte{nil}
	if to, err := decodeHex(t.To); err == nil && len(to) == 20 {
		if isZeroAddr(t.To) {
			tos = [][]byte{nil, to}
			tx.To, tx.Type = "", "deploy"
		} else {
			tos = [][]byte{to}
		}
	} else if t.To == "" {
		tx.Type = "deploy"
	}
	var signing, full, enc []byte
	ok := false
	for _, to := range tos {
		s1, f1, err := txHashes2(v.suite, t, to, rr, ss, vslot)
		if err != nil {
			continue
		}
		if signing == nil || bytes.Equal(f1, t.Hash.b) {
			signing, full = s1, f1
			enc = rlpSigned(t, to, rr, ss, vslot)
		}
		if bytes.Equal(f1, t.Hash.b) {
			ok = true
			break
		}
	}
	r.checkLazy(RuleTxHash, p, "tx hash", ok, func() (string, map[string]string) {
		return fmt.Sprintf("recomputed %x from the fields, node gave %x", full, t.Hash.b), map[string]string{"recomputed": hx(full), "served": hx(t.Hash.b)}
	})
	v.txSig(r, p, signing, sig, t.From, batchAnswer{})
	return tx, enc
}

func pad32(b []byte) []byte {
	if len(b) >= 32 {
		return b[len(b)-32:]
	}
	return append(make([]byte, 32-len(b)), b...)
}

// receipts2 verifies a 2.x block's receipts and their root.
func (v *Verifier) receipts2(r report, root []byte, raws []json.RawMessage) {
	out := r.b
	if len(raws) != len(out.Txs) {
		r.check(RuleReceiptMismatch, nil, "receipt count", false, fmt.Sprintf("%d receipts for %d transactions", len(raws), len(out.Txs)),
			map[string]string{"receipts": strconv.Itoa(len(raws)), "txs": strconv.Itoa(len(out.Txs))})
		return
	}
	hashes := make([][]byte, 0, len(raws))
	var noRemain [][]byte
	for i, raw := range raws {
		tx := &out.Txs[i]
		var rc receipt2
		if err := unmarshal(raw, &rc); err != nil {
			r.check(RuleMalformed, tx, "receipt decode", false, fmt.Sprintf("receipt %d: %v", i, err),
				map[string]string{"index": strconv.Itoa(i), "error": err.Error(), "part": "receipt"})
			return
		}
		if hx(rc.TransactionHash.b) != tx.ID || (rc.BlockNumber.set && rc.BlockNumber.v != out.Height) {
			r.check(RuleReceiptMismatch, tx, "receipt belongs", false,
				fmt.Sprintf("receipt %d names tx %x at height %d", i, rc.TransactionHash.b, rc.BlockNumber.v),
				map[string]string{"index": strconv.Itoa(i), "receiptTx": hx(rc.TransactionHash.b), "receiptHeight": strconv.FormatUint(rc.BlockNumber.v, 10)})
			return
		}
		applyReceipt2(out, tx, &rc)
		if rc.Root == nil || rc.LogsBloom == nil {
			r.note(RuleNotVerifiable, tx, "the receipt lacks root or logsBloom: its hash and the receipts root cannot be recomputed")
			return
		}
		h, err := receiptHash2(v.suite, &rc, false)
		if err != nil {
			r.check(RuleMalformed, tx, "receipt encode", false, err.Error(),
				map[string]string{"index": strconv.Itoa(i), "error": err.Error(), "part": "receipt"})
			return
		}
		hashes = append(hashes, h)
		if rc.RemainGas != nil {
			h2, _ := receiptHash2(v.suite, &rc, true)
			hashes[len(hashes)-1] = h2
			noRemain = append(noRemain, h)
		}
	}
	got := merkleRoot2(v.suite, hashes)
	ok := bytes.Equal(got, root)
	if !ok && len(noRemain) == len(hashes) {
		// Nodes below 2.9.0 do not hash remainGas although they print it.
		if alt := merkleRoot2(v.suite, noRemain); bytes.Equal(alt, root) {
			got, ok = alt, true
		}
	}
	r.checkLazy(RuleReceiptRoot, nil, "receipts root", ok, func() (string, map[string]string) {
		return fmt.Sprintf("recomputed %x, header has %x", got, root), map[string]string{"recomputed": hx(got), "header": hx(root)}
	})
}

// applyReceipt2 copies the execution result onto the transaction.
func applyReceipt2(b *ledger.Block, tx *ledger.Tx, rc *receipt2) {
	tx.Valid = rc.Status.v == 0
	tx.Status = "success"
	if !tx.Valid {
		tx.Status = fmt.Sprintf("failed(%d)", rc.Status.v)
		if rc.StatusMsg != "" {
			tx.Status += ": " + rc.StatusMsg
		}
	}
	if g := bigOf(rc.GasUsed); g.IsUint64() {
		tx.GasUsed = g.Uint64()
	}
	if tx.Fisco != nil {
		tx.Fisco.ReceiptStatus = int64(rc.Status.v)
		tx.Fisco.Output = rc.Output.b
	}
	for i, l := range rc.Logs {
		lg := ledger.Log{Address: "0x" + hx(l.Address.b), Data: l.Data.b, Index: uint(i)}
		for _, t := range l.Topics {
			lg.Topics = append(lg.Topics, "0x"+hx(t.b))
		}
		tx.Logs = append(tx.Logs, lg)
	}
	if ca := "0x" + hx(rc.ContractAddress.b); len(rc.ContractAddress.b) == 20 && !isZeroAddr(ca) && tx.Valid {
		tx.Contract = ca
		if tx.Fisco != nil {
			tx.Fisco.ContractAddress = ca
		}
		b.Contracts = append(b.Contracts, ledger.Contract{Chain: b.Chain, Address: ca, Creator: tx.From, DeployTx: tx.ID, Height: b.Height, Time: b.Time})
	}
}
