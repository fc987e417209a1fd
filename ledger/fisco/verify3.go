package fisco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"

	"github.com/lianjian/lianjian/ledger"
)

// verify3 converts and verifies one 3.x block with its receipts (nil when
// not served).
func (v *Verifier) verify3(raw []byte, receipts []json.RawMessage) (*ledger.Block, error) {
	b, objs, txs, err := decodeBlock3(raw)
	if err != nil {
		return nil, err
	}
	if !b.Hash.set || !b.Number.set {
		return nil, fmt.Errorf("%w: 3.x block without hash or number", ErrMalformed)
	}
	if v.suite == SuiteUnknown {
		v.pinSuite(detectSuite3(b))
	}
	headerOnly := objs == nil && txs == nil
	n := max(len(objs), len(txs))
	out := &ledger.Block{
		Chain:     v.cfg.Chain,
		Height:    b.Number.v,
		Hash:      b.Hash.b,
		DataHash:  b.TxsRoot.b,
		StateRoot: b.StateRoot.b,
		Time:      msTime(b.Timestamp.v),
		TxCount:   n,
		Fisco: &ledger.FiscoBlock{
			Version: 3, HeaderVer: b.Version.v, Group: v.cfg.Group, ReceiptsRoot: b.ReceiptsRoot.b,
			ExtraData: b.ExtraData.b, SealerIndex: b.Sealer.v, Receipts: receipts != nil,
		},
	}
	if len(b.ParentInfo) > 0 {
		out.ParentHash = b.ParentInfo[0].BlockHash.b
	}
	out.GasUsed, _ = strconv.ParseUint(string(b.GasUsed), 10, 64)
	for _, n := range b.SealerList {
		out.Fisco.SealerList = append(out.Fisco.SealerList, hx(n.b))
	}
	for _, w := range b.ConsensusWeights {
		out.Fisco.Weights = append(out.Fisco.Weights, w.v)
	}
	if int(b.Sealer.v) < len(out.Fisco.SealerList) {
		out.Proposer = out.Fisco.SealerList[b.Sealer.v]
	}
	r := report{chain: v.cfg.Chain, b: out}

	// The header hash (a genesis block is tried with its roots empty, as
	// stored, then as served).
	want := headerHash3(v.suite, b, false)
	if !bytes.Equal(want, b.Hash.b) && b.Number.v == 0 {
		if alt := headerHash3(v.suite, b, true); bytes.Equal(alt, b.Hash.b) {
			want = alt
		}
	}
	r.checkLazy(RuleHeaderHash, nil, "header hash", bytes.Equal(want, b.Hash.b), func() (string, map[string]string) {
		return fmt.Sprintf("recomputed %x, node gave %x", want, b.Hash.b), map[string]string{"recomputed": hx(want), "served": hx(b.Hash.b)}
	})

	if len(b.ParentInfo) > 0 && b.ParentInfo[0].BlockNumber.v+1 != b.Number.v {
		r.check(RuleParent, nil, "parent height", false,
			fmt.Sprintf("the parent info names height %d for block %d", b.ParentInfo[0].BlockNumber.v, b.Number.v),
			map[string]string{"parentHeight": strconv.FormatUint(b.ParentInfo[0].BlockNumber.v, 10)})
	}

	// Transactions: hashes, signatures, senders, then the root.
	leaves := make([][]byte, 0, len(txs))
	full := true
	pre := v.prepare3(objs)
	for i := range objs {
		t := &objs[i]
		leaves = append(leaves, t.Hash.b)
		out.Txs = append(out.Txs, v.tx3(r, out, i, t, &pre[i]))
	}
	for i, rawTx := range txs {
		if len(rawTx) > 0 && rawTx[0] == '"' {
			h, err := v.hashOnlyTx(out, i, rawTx)
			if err != nil {
				return nil, err
			}
			leaves = append(leaves, h)
			full = false
			continue
		}
		var t tx3
		if err := unmarshal(rawTx, &t); err != nil {
			v.malformedTx(r, out, i, err)
			continue
		}
		leaves = append(leaves, t.Hash.b)
		out.Txs = append(out.Txs, v.tx3(r, out, i, &t, nil))
	}
	if !full && n > 0 {
		r.note(RuleNotVerifiable, nil, "the block was served with transaction hashes only: transaction fields and signatures were not checked")
	}
	root := merkleRoot3(v.suite, leaves)
	switch {
	case headerOnly:
		if b.Number.v > 0 {
			r.note(RuleNotVerifiable, nil, "only the header was served: the transactions and receipts roots were not recomputed")
		}
	case b.Number.v > 0 || len(leaves) > 0:
		r.checkLazy(RuleTxRoot, nil, "transactions root", bytes.Equal(root, b.TxsRoot.b), func() (string, map[string]string) {
			return fmt.Sprintf("recomputed %x, header has %x", root, b.TxsRoot.b), map[string]string{"recomputed": hx(root), "header": hx(b.TxsRoot.b)}
		})
	}
	switch {
	case headerOnly: // the note above covers the receipts root
	case receipts != nil:
		v.receipts3(r, b, receipts)
	case n > 0:
		r.note(RuleNotVerifiable, nil, "receipts were not served: the receipts root and execution results were not checked")
	}
	v.sealers3(r, b)
	return out, nil
}

// decodeBlock3 decodes a 3.x block with its transactions: in one pass
// when every transaction is a well-formed object (objs; both nil when only
// the header was served), otherwise as raw items to be decoded one by one
// (txs).
func decodeBlock3(raw []byte) (h *header3, objs []tx3, txs []json.RawMessage, err error) {
	var full block3Full
	if unmarshal(raw, &full) == nil {
		if full.Transactions != nil {
			objs = *full.Transactions
			if objs == nil {
				objs = []tx3{}
			}
		}
		return &full.header3, objs, nil, nil
	}
	var b block3
	if err := unmarshal(raw, &b); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: 3.x block: %w", ErrMalformed, err)
	}
	if b.Transactions != nil {
		txs = *b.Transactions
		if txs == nil {
			txs = []json.RawMessage{}
		}
	}
	return &b.header3, nil, txs, nil
}

// detectSuite3 finds the suite under which the block's hash reproduces,
// falling back to the signature layouts.
func detectSuite3(b *header3) Suite {
	for _, s := range []Suite{SuiteGM, SuiteStandard} {
		if bytes.Equal(headerHash3(s, b, false), b.Hash.b) || bytes.Equal(headerHash3(s, b, true), b.Hash.b) {
			return s
		}
	}
	var sigs []sealerSig3
	if b.SignatureList != nil {
		sigs = *b.SignatureList
	}
	for _, sg := range sigs {
		switch len(sg.Signature.b) {
		case 64, 128:
			return SuiteGM
		case 65:
			return SuiteStandard
		}
	}
	return SuiteUnknown
}

// pinSuite fixes the chain's crypto mode.
func (v *Verifier) pinSuite(s Suite) {
	if s == SuiteUnknown {
		return
	}
	v.suite = s
	v.sig.suite = s
}

// txPrep is the work done on a block's transactions before they are
// reported one by one: the recomputed hash and a batched signature check.
type txPrep struct {
	hash   []byte
	hashOK bool
	sig    batchAnswer
}

// prepare3 recomputes the hashes of a block's transactions and checks the
// signatures of hot secp256k1 senders in one batch.
func (v *Verifier) prepare3(objs []tx3) []txPrep {
	pre := make([]txPrep, len(objs))
	hashes := make([][]byte, len(objs))
	sigs := make([][]byte, len(objs))
	froms := make([]string, len(objs))
	secp := 0
	for i := range objs {
		t := &objs[i]
		pre[i].hash, pre[i].hashOK = recomputeTx3(v.suite, t)
		hashes[i], sigs[i], froms[i] = pre[i].hash, t.Signature.b, t.From
		if len(sigs[i]) == 65 {
			secp++
		}
	}
	if secp > 1 {
		for i, a := range v.sig.recoverBatch(hashes, sigs, froms) {
			pre[i].sig = a
		}
	}
	return pre
}

// tx3 converts and verifies one 3.x transaction; pre, when not nil, holds
// its hash and signature work done for the whole block.
func (v *Verifier) tx3(r report, b *ledger.Block, i int, t *tx3, pre *txPrep) ledger.Tx {
	tx := ledger.Tx{
		ID: hx(t.Hash.b), Chain: v.cfg.Chain, Height: b.Height, Index: i, Time: msTime(t.ImportTime.v),
		From: addrOf(t.From), To: addrOf(t.To), Type: "call", Valid: true,
		Fisco: &ledger.FiscoTx{
			TxVersion: t.Version.v, ChainID: t.ChainID, GroupID: t.GroupID, BlockLimit: t.BlockLimit.v, Nonce: t.Nonce,
			ABI: t.Abi, Input: t.Input.b, ImportTime: t.ImportTime.v, Attribute: t.Attribute.v, ExtraData: t.ExtraData,
			Extension: t.Extension, Signature: t.Signature.b,
		},
	}
	if t.To == "" {
		tx.Type = "deploy"
	}
	if tx.Time.IsZero() {
		tx.Time = b.Time
	}
	if len(t.Input.b) >= 4 {
		tx.Function = hx(t.Input.b[:4])
	}
	if v := parseBig(t.Value); v != "" {
		tx.Value = v
	}
	tx.Gas = t.GasLimit.v
	tx.GasPrice = parseBig(t.GasPrice)
	p := &tx
	v.governance(p, t.To, t.Input.b)
	if pre == nil {
		pre = &txPrep{}
		pre.hash, pre.hashOK = recomputeTx3(v.suite, t)
	}
	h := pre.hash
	r.checkLazy(RuleTxHash, p, "tx hash", pre.hashOK, func() (string, map[string]string) {
		return fmt.Sprintf("recomputed %x from the fields, node gave %x", h, t.Hash.b), map[string]string{"recomputed": hx(h), "served": hx(t.Hash.b)}
	})
	v.txSig(r, p, h, t.Signature.b, t.From, pre.sig)
	return tx
}

// txSig verifies a transaction signature over hash h and compares the
// derived account with the from the node reported; ans is the answer of
// a batched check, when one was made.
func (v *Verifier) txSig(r report, tx *ledger.Tx, h, sig []byte, from string, ans batchAnswer) {
	res := v.sig.checkTxSig(h, sig, from, ans)
	algo := sigAlgo(res.suite)
	if res.suite != SuiteUnknown && v.suite != SuiteUnknown && res.suite != v.suite {
		r.check(RuleCryptoMode, tx, "crypto mode", false,
			fmt.Sprintf("a %s signature on a chain pinned to %s", res.suite, v.suite), map[string]string{"signatureBytes": strconv.Itoa(len(sig)), "suite": v.suite.String(), "signatureSuite": res.suite.String()})
	}
	r.checkLazy(RuleTxSig, tx, "sender signature", res.ok, func() (string, map[string]string) {
		detail := "signature does not verify over the recomputed hash"
		ev := map[string]string{"signature": hx(sig)}
		if res.err != nil {
			detail = res.err.Error()
			ev["error"] = detail
		}
		return detail, ev
	})
	sigEntry := ledger.Signature{Role: "sender", Algorithm: algo, Value: sig, Verdict: ledger.Verdict{}}
	sigEntry.Verdict.Add("signature", res.ok, "")
	if res.ok {
		suite := res.suite
		addr := res.addr
		if addr == "" {
			addr = "0x" + hx(suite.Address(res.pub))
		}
		tx.Fisco.PublicKey = res.pub
		sigEntry.Signer = ledger.Identity{Address: addr, KeyAlgorithm: keyAlgo(suite)}
		if from != "" {
			same := sameAddr(from, addr)
			r.checkLazy(RuleSender, tx, "sender", same, func() (string, map[string]string) {
				return fmt.Sprintf("signature derives %s, node reported %s", addr, addrOf(from)), map[string]string{"derived": addr, "reported": addrOf(from)}
			})
			if same && suite == SuiteStandard && res.addr == "" {
				v.sig.keys.noteSender(from, res.pub, addr)
			}
		}
		tx.From = addr
		tx.Creator = &sigEntry.Signer
	}
	tx.Sigs = append(tx.Sigs, sigEntry)
}

// sigAlgo names a suite's signature algorithm as stored on signatures.
func sigAlgo(s Suite) string {
	switch s {
	case SuiteGM:
		return "SM2-SM3"
	case SuiteStandard:
		return "secp256k1-keccak"
	}
	return ""
}

func keyAlgo(s Suite) string {
	if s == SuiteGM {
		return "SM2"
	}
	return "secp256k1"
}

// parseBig renders a hex or decimal quantity string in decimal; empty
// when absent or not a number.
func parseBig(s string) string {
	if s == "" {
		return ""
	}
	n, ok := new(big.Int).SetString(s, 0)
	if !ok {
		if n, ok = new(big.Int).SetString(s, 16); !ok {
			return ""
		}
	}
	return n.String()
}

// receipts3 verifies a 3.x block's receipts: each belongs to the
// transaction at its index and this block, its hash reproduces, and the
// receipts root over them matches the header.
func (v *Verifier) receipts3(r report, b *header3, raws []json.RawMessage) {
	out := r.b
	if len(raws) != len(out.Txs) {
		r.check(RuleReceiptMismatch, nil, "receipt count", false,
			fmt.Sprintf("%d receipts for %d transactions", len(raws), len(out.Txs)),
			map[string]string{"receipts": strconv.Itoa(len(raws)), "txs": strconv.Itoa(len(out.Txs))})
		return
	}
	leaves := make([][]byte, 0, len(raws))
	for i, raw := range raws {
		tx := &out.Txs[i]
		var rc receipt3
		if err := unmarshal(raw, &rc); err != nil {
			r.check(RuleMalformed, tx, "receipt decode", false, fmt.Sprintf("receipt %d: %v", i, err),
				map[string]string{"index": strconv.Itoa(i), "error": err.Error(), "part": "receipt"})
			return
		}
		if !sameHex(rc.TransactionHash.b, tx.ID) || (rc.BlockNumber.set && rc.BlockNumber.v != out.Height) {
			r.check(RuleReceiptMismatch, tx, "receipt belongs", false,
				fmt.Sprintf("receipt %d names tx %x at height %d", i, rc.TransactionHash.b, rc.BlockNumber.v),
				map[string]string{"index": strconv.Itoa(i), "receiptTx": hx(rc.TransactionHash.b), "receiptHeight": strconv.FormatUint(rc.BlockNumber.v, 10)})
			return
		}
		h, ok := recomputeReceipt3(v.suite, &rc)
		r.checkLazy(RuleReceiptHash, tx, "receipt hash", ok, func() (string, map[string]string) {
			return fmt.Sprintf("recomputed %x, node gave %x", h, rc.Hash.b), map[string]string{"recomputed": hx(h), "served": hx(rc.Hash.b)}
		})
		leaves = append(leaves, rc.Hash.b)
		applyReceipt3(out, tx, &rc)
	}
	root := merkleRoot3(v.suite, leaves)
	r.checkLazy(RuleReceiptRoot, nil, "receipts root", bytes.Equal(root, b.ReceiptsRoot.b), func() (string, map[string]string) {
		return fmt.Sprintf("recomputed %x, header has %x", root, b.ReceiptsRoot.b), map[string]string{"recomputed": hx(root), "header": hx(b.ReceiptsRoot.b)}
	})
}

// applyReceipt3 copies the execution result onto the transaction.
func applyReceipt3(b *ledger.Block, tx *ledger.Tx, rc *receipt3) {
	tx.Status = "success"
	tx.Valid = rc.Status.v == 0
	if !tx.Valid {
		tx.Status = fmt.Sprintf("failed(%d)", rc.Status.v)
		if rc.Message != "" {
			tx.Status += ": " + rc.Message
		}
	}
	tx.GasUsed, _ = strconv.ParseUint(string(rc.GasUsed), 10, 64)
	if tx.Fisco != nil {
		tx.Fisco.ReceiptStatus = int64(int32(rc.Status.v))
		tx.Fisco.ReceiptHash = rc.Hash.b
		tx.Fisco.Output = rc.Output.b
		tx.Fisco.ContractAddress = addrOf(rc.ContractAddress)
	}
	for i, l := range rc.Logs {
		lg := ledger.Log{Address: addrOf(l.Address), Data: l.Data.b, Index: uint(i)}
		for _, t := range l.Topics {
			lg.Topics = append(lg.Topics, "0x"+hx(t.b))
		}
		tx.Logs = append(tx.Logs, lg)
	}
	if ca := addrOf(rc.ContractAddress); ca != "" && tx.Valid && !isZeroAddr(ca) {
		tx.Contract = ca
		b.Contracts = append(b.Contracts, ledger.Contract{Chain: b.Chain, Address: ca, Creator: tx.From, DeployTx: tx.ID, Height: b.Height, Time: b.Time})
	}
}

func isZeroAddr(a string) bool {
	for _, c := range trim0x(a) {
		if c != '0' {
			return false
		}
	}
	return true
}
