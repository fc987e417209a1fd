package fisco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/lianjian/lianjian/ledger"
)

// Checked is the result of verifying one standalone transaction or
// receipt (one not inside a block that was handed over).
type Checked struct {
	Tx       ledger.Tx
	Findings []ledger.Finding
}

// VerifyItems verifies handed-over data: blocks in height order (with the
// receipts found for all their transactions), then every transaction,
// raw transaction and receipt that no block carries. Each block is given
// to onBlock and each standalone result to onItem.
func (v *Verifier) VerifyItems(items []Item, onBlock func(*ledger.Block) error, onItem func(Checked) error) error {
	receipts := map[string]json.RawMessage{}
	var blocks []Item
	for _, it := range items {
		switch it.Kind {
		case ItemBlock:
			blocks = append(blocks, it)
		case ItemReceipt:
			receipts[it.Hash] = it.JSON
		}
	}
	slices.SortStableFunc(blocks, func(a, b Item) int {
		switch {
		case a.Height < b.Height:
			return -1
		case a.Height > b.Height:
			return 1
		}
		return 0
	})
	inBlock := map[string]bool{}
	seen := map[string]bool{}
	for _, it := range blocks {
		if seen[it.Hash] {
			continue // the same block handed over twice
		}
		seen[it.Hash] = true
		hashes := blockTxHashes(it.JSON)
		var rcs []json.RawMessage
		for _, h := range hashes {
			rc, ok := receipts[h]
			if !ok {
				rcs = nil
				break
			}
			rcs = append(rcs, rc)
		}
		if len(hashes) == 0 && hasTransactions(it.JSON) {
			rcs = []json.RawMessage{}
		}
		b, err := v.Verify(it.JSON, rcs)
		if err != nil {
			if err := onItem(v.malformed(it, err)); err != nil {
				return err
			}
			continue
		}
		for _, h := range hashes {
			inBlock[h] = true
		}
		if err := onBlock(b); err != nil {
			return err
		}
	}
	for _, it := range items {
		if (it.Kind == ItemTx || it.Kind == ItemReceipt) && inBlock[it.Hash] {
			continue
		}
		if err := v.verifyStandalone(it, onItem); err != nil {
			return err
		}
	}
	return nil
}

// malformed files a finding for an item that does not decode.
func (v *Verifier) malformed(it Item, err error) Checked {
	r, b := v.standalone(it.Height)
	tx := ledger.Tx{ID: it.Where, Chain: v.cfg.Chain}
	r.check(RuleMalformed, &tx, "decode", false, fmt.Sprintf("%s: %v", it.Where, err), map[string]string{"where": it.Where, "error": err.Error()})
	return Checked{Tx: tx, Findings: b.Findings}
}

// hasTransactions reports whether a block was served with its
// transactions key (full or hashes) rather than as a header only.
func hasTransactions(raw json.RawMessage) bool {
	var b struct {
		Transactions json.RawMessage `json:"transactions"`
	}
	return json.Unmarshal(raw, &b) == nil && len(b.Transactions) > 0 && string(b.Transactions) != "null"
}

// blockTxHashes lists the hashes of a block's transactions, lower-case
// hex, whether served in full or as hashes.
func blockTxHashes(raw json.RawMessage) []string {
	var b struct {
		Transactions []json.RawMessage `json:"transactions"`
	}
	if unmarshal(raw, &b) != nil {
		return nil
	}
	out := make([]string, 0, len(b.Transactions))
	for _, t := range b.Transactions {
		var h hexBytes
		if len(t) > 0 && t[0] == '"' {
			_ = unmarshal(t, &h)
		} else {
			var o struct {
				Hash hexBytes `json:"hash"`
			}
			_ = unmarshal(t, &o)
			h = o.Hash
		}
		out = append(out, hx(h.b))
	}
	return out
}

// standalone returns a report over a placeholder block for checks of one
// transaction or receipt outside a block.
func (v *Verifier) standalone(height uint64) (report, *ledger.Block) {
	b := &ledger.Block{Chain: v.cfg.Chain, Height: height, Time: time.Time{}}
	return report{chain: v.cfg.Chain, b: b}, b
}

// VerifyTxJSON verifies one transaction as getTransaction (3.x) or
// getTransactionByHash (2.x) served it: its hash from its fields, its
// signature and its sender.
func (v *Verifier) VerifyTxJSON(raw json.RawMessage) (*Checked, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("%w: transaction: %w", ErrMalformed, err)
	}
	_, v3 := probe["chainID"]
	_, gid := probe["groupID"]
	r, b := v.standalone(0)
	if v3 || gid {
		var t tx3
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("%w: 3.x transaction: %w", ErrMalformed, err)
		}
		v.pinTxSuite(len(t.Signature.b))
		tx := v.tx3(r, b, 0, &t, nil)
		return &Checked{Tx: tx, Findings: b.Findings}, nil
	}
	var t tx2
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%w: 2.x transaction: %w", ErrMalformed, err)
	}
	if t.Signature != nil {
		v.pinTxSuite(len(t.Signature.Signature.b))
	}
	b.Height = t.BlockNumber.v
	tx, _ := v.tx2(r, b, int(t.TxIndex.v), &t)
	return &Checked{Tx: tx, Findings: b.Findings}, nil
}

// pinTxSuite pins the crypto mode from a transaction signature's length
// when no block pinned it.
func (v *Verifier) pinTxSuite(sigLen int) {
	if v.suite != SuiteUnknown {
		return
	}
	switch sigLen {
	case 128:
		v.pinSuite(SuiteGM)
	case 65:
		v.pinSuite(SuiteStandard)
	}
}

// VerifyRawTx verifies signed transaction bytes: TARS (3.x) or RLP (2.x).
// Raw bytes carry no hash to compare with; the result records the hash
// computed and whether the signature verifies over it.
func (v *Verifier) VerifyRawTx(raw []byte) (*Checked, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: empty transaction", ErrMalformed)
	}
	r, b := v.standalone(0)
	if raw[0] >= 0xc0 {
		t, err := decodeTx2(raw)
		if err != nil {
			return nil, err
		}
		v.pinTxSuite(len(t.Signature.Signature.b))
		// Raw bytes carry no hash: the transaction's id is the hash of
		// its bytes, which must be the canonical RLP the fields give.
		t.Hash = hexBytes{b: v.suite.Sum(raw), set: true}
		tx, _ := v.tx2(r, b, 0, t)
		return &Checked{Tx: tx, Findings: b.Findings}, nil
	}
	t, err := decodeTx3(raw)
	if err != nil {
		if d, derr := decodeTxData3(raw); derr == nil {
			return v.unsignedTx3(d), nil
		}
		return nil, err
	}
	v.pinTxSuite(len(t.Signature.b))
	if !t.Hash.set {
		// No dataHash carried: the hash is what the fields give.
		t.Hash = hexBytes{b: txHash3(v.suite, t, t.Nonce, t.To, true), set: true}
	}
	tx := v.tx3(r, b, 0, t, nil)
	return &Checked{Tx: tx, Findings: b.Findings}, nil
}

// unsignedTx3 reports a bare TransactionData: its hash when the chain's
// crypto mode is known (the id a signed transaction carrying it would
// have), and that neither signature nor sender can be checked.
func (v *Verifier) unsignedTx3(d *tx3) *Checked {
	r, b := v.standalone(0)
	tx := ledger.Tx{Chain: v.cfg.Chain, To: addrOf(d.To), Type: "call",
		Fisco: &ledger.FiscoTx{TxVersion: d.Version.v, ChainID: d.ChainID, GroupID: d.GroupID, BlockLimit: d.BlockLimit.v,
			Nonce: d.Nonce, ABI: d.Abi, Input: d.Input.b, Extension: d.Extension}}
	if d.To == "" {
		tx.Type = "deploy"
	}
	why := "TARS transaction data without the signed transaction around it: the signature and the sender cannot be checked"
	if v.suite != SuiteUnknown {
		tx.ID = hx(txHash3(v.suite, d, d.Nonce, d.To, true))
	} else {
		why += ", and with the chain's crypto mode unknown its hash cannot be computed (pass --gm for a national-crypto chain)"
	}
	r.note(RuleNotVerifiable, &tx, why)
	return &Checked{Tx: tx, Findings: b.Findings}
}

// decodeTx2 decodes a signed 2.x transaction's RLP (13 fields; the v slot
// is the recovery id + 27, or the 64-byte SM2 public key).
func decodeTx2(raw []byte) (*tx2, error) {
	var f []rlp.RawValue
	if err := rlp.DecodeBytes(raw, &f); err != nil {
		return nil, fmt.Errorf("%w: 2.x transaction RLP: %w", ErrMalformed, err)
	}
	if len(f) != 13 {
		return nil, fmt.Errorf("%w: 2.x transaction has %d RLP fields, want 13", ErrMalformed, len(f))
	}
	str := make([][]byte, 13)
	for i, x := range f {
		if err := rlp.DecodeBytes(x, &str[i]); err != nil {
			return nil, fmt.Errorf("%w: 2.x transaction field %d: %w", ErrMalformed, i, err)
		}
	}
	hb := func(b []byte) hexBytes { return hexBytes{b: b, set: true} }
	t := &tx2{
		Nonce: hb(str[0]), GasPrice: hb(str[1]), Gas: hb(str[2]), BlockLimit: hb(str[3]),
		Value: hb(str[5]), Input: hb(str[6]), ChainID: hb(str[7]), GroupID: hb(str[8]), ExtraData: hb(str[9]),
	}
	if len(str[4]) > 0 {
		t.To = "0x" + hx(str[4])
	}
	var sig []byte
	if len(str[10]) == 64 {
		sig = append(append(pad32(str[11]), pad32(str[12])...), str[10]...)
	} else {
		vv := new(big.Int).SetBytes(str[10]).Uint64()
		if vv >= 27 {
			vv -= 27
		}
		sig = append(append(pad32(str[11]), pad32(str[12])...), byte(vv))
	}
	t.Signature = &struct {
		R         hexBytes `json:"r"`
		S         hexBytes `json:"s"`
		V         hexBytes `json:"v"`
		Signature hexBytes `json:"signature"`
	}{Signature: hb(sig)}
	return t, nil
}

// VerifyReceiptJSON recomputes the hash of a 3.x receipt served on its own
// (a 2.x receipt carries no hash of its own: only its block's root binds it).
func (v *Verifier) VerifyReceiptJSON(raw json.RawMessage) (*Checked, error) {
	var rc receipt3
	if err := json.Unmarshal(raw, &rc); err != nil {
		return nil, fmt.Errorf("%w: receipt: %w", ErrMalformed, err)
	}
	r, b := v.standalone(rc.BlockNumber.v)
	tx := ledger.Tx{ID: hx(rc.TransactionHash.b), Chain: v.cfg.Chain, Height: rc.BlockNumber.v, Fisco: &ledger.FiscoTx{}}
	applyReceipt3(b, &tx, &rc)
	if !rc.Hash.set || bytes.Equal(rc.Hash.b, nil) {
		r.note(RuleNotVerifiable, &tx, "the receipt carries no hash of its own (2.x, or a 3.x response without it): only its block's receipts root binds it")
		return &Checked{Tx: tx, Findings: b.Findings}, nil
	}
	if v.suite == SuiteUnknown {
		for _, s := range []Suite{SuiteGM, SuiteStandard} {
			if _, ok := recomputeReceipt3(s, &rc); ok {
				v.pinSuite(s)
			}
		}
	}
	h, ok := recomputeReceipt3(v.suite, &rc)
	r.check(RuleReceiptHash, &tx, "receipt hash", ok, fmt.Sprintf("recomputed %x, node gave %x", h, rc.Hash.b),
		map[string]string{"recomputed": hx(h), "served": hx(rc.Hash.b)})
	return &Checked{Tx: tx, Findings: b.Findings}, nil
}
