package fisco

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// header3 is the header part of a FISCO BCOS 3.x block as
// getBlockByNumber/getBlockByHash serve it.
type header3 struct {
	Hash             hexBytes      `json:"hash"`
	Version          num           `json:"version"`
	Number           num           `json:"number"`
	ParentInfo       []parent3     `json:"parentInfo"`
	TxsRoot          hexBytes      `json:"txsRoot"`
	ReceiptsRoot     hexBytes      `json:"receiptsRoot"`
	StateRoot        hexBytes      `json:"stateRoot"`
	GasUsed          strOrNum      `json:"gasUsed"`
	Timestamp        num           `json:"timestamp"`
	Sealer           num           `json:"sealer"`
	SealerList       []hexBytes    `json:"sealerList"`
	ExtraData        hexBytes      `json:"extraData"`
	ConsensusWeights []num         `json:"consensusWeights"`
	SignatureList    *[]sealerSig3 `json:"signatureList"`
}

// block3 is a 3.x block whose transactions are decoded one by one, so that
// bare hashes (onlyTxHash) and a malformed transaction are handled each on
// its own.
type block3 struct {
	header3
	// Transactions holds full objects or bare hashes; nil when only the
	// header was served.
	Transactions *[]json.RawMessage `json:"transactions"`
}

// block3Full is a 3.x block decoded in one pass with its full transaction
// objects: the fast path, taken when every transaction is a well-formed
// object (or only the header was served).
type block3Full struct {
	header3
	Transactions *[]tx3 `json:"transactions"`
}

type parent3 struct {
	BlockNumber num      `json:"blockNumber"`
	BlockHash   hexBytes `json:"blockHash"`
}

type sealerSig3 struct {
	SealerIndex num      `json:"sealerIndex"`
	Signature   hexBytes `json:"signature"`
}

// tx3 is a FISCO BCOS 3.x transaction as getTransaction serves it, or as
// decoded from its TARS bytes.
type tx3 struct {
	Version              num      `json:"version"`
	Hash                 hexBytes `json:"hash"`
	ChainID              string   `json:"chainID"`
	GroupID              string   `json:"groupID"`
	BlockLimit           num      `json:"blockLimit"`
	Nonce                string   `json:"nonce"`
	To                   string   `json:"to"`
	From                 string   `json:"from"`
	Input                hexBytes `json:"input"`
	Abi                  string   `json:"abi"`
	Value                string   `json:"value"`
	GasPrice             string   `json:"gasPrice"`
	GasLimit             num      `json:"gasLimit"`
	MaxFeePerGas         string   `json:"maxFeePerGas"`
	MaxPriorityFeePerGas string   `json:"maxPriorityFeePerGas"`
	Extension            bytesArr `json:"extension"`
	Signature            hexBytes `json:"signature"`
	ImportTime           num      `json:"importTime"`
	Attribute            num      `json:"attribute"`
	ExtraData            string   `json:"extraData"`
	// rawNonce is set for transactions decoded from TARS bytes, whose
	// nonce is the exact string hashed.
	rawNonce bool
}

// bytesArr is the 3.x JSON rendering of a byte vector: an array of
// numbers, or a hex string.
type bytesArr []byte

// UnmarshalJSON accepts [1,2,3] and "0x010203".
func (b *bytesArr) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var h hexBytes
		if err := h.UnmarshalJSON(data); err != nil {
			return err
		}
		*b = h.b
		return nil
	}
	var ns []uint8
	if string(data) == "null" {
		*b = nil
		return nil
	}
	var ints []int
	if err := json.Unmarshal(data, &ints); err != nil {
		return err
	}
	for _, v := range ints {
		ns = append(ns, uint8(v))
	}
	*b = ns
	return nil
}

// receipt3 is a FISCO BCOS 3.x receipt as getTransactionReceipt serves it.
type receipt3 struct {
	Version           num      `json:"version"`
	Hash              hexBytes `json:"hash"`
	TransactionHash   hexBytes `json:"transactionHash"`
	BlockNumber       num      `json:"blockNumber"`
	GasUsed           strOrNum `json:"gasUsed"`
	ContractAddress   string   `json:"contractAddress"`
	Status            num      `json:"status"`
	Output            hexBytes `json:"output"`
	EffectiveGasPrice string   `json:"effectiveGasPrice"`
	Logs              []log3   `json:"logEntries"`
	From              string   `json:"from"`
	To                string   `json:"to"`
	Message           string   `json:"message"`
}

type log3 struct {
	Address string     `json:"address"`
	Topics  []hexBytes `json:"topics"`
	Data    hexBytes   `json:"data"`
}

func be32(v uint64) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// txHash3 hashes a transaction's fields as FISCO BCOS 3.x does
// (TarsHashable.h), with nonce and to exactly as given. gated selects the
// 3.7+ rule where the version adds the value and extension fields;
// otherwise only the base fields are hashed (3.0-3.5).
func txHash3(s Suite, t *tx3, nonce, to string, gated bool) []byte {
	h := s.newHash()
	h.Write(be32(t.Version.v))
	h.Write([]byte(t.ChainID))
	h.Write([]byte(t.GroupID))
	h.Write(be64(t.BlockLimit.v))
	h.Write([]byte(nonce))
	h.Write([]byte(to))
	h.Write(t.Input.b)
	h.Write([]byte(t.Abi))
	if gated && int32(t.Version.v) >= 1 {
		h.Write([]byte(t.Value))
		h.Write([]byte(t.GasPrice))
		h.Write(be64(t.GasLimit.v))
		h.Write([]byte(t.MaxFeePerGas))
		h.Write([]byte(t.MaxPriorityFeePerGas))
	}
	if gated && int32(t.Version.v) >= 2 {
		h.Write(t.Extension)
	}
	return h.Sum(nil)
}

// nonceForms are the strings a served 3.x nonce may stand for: nodes from
// 3.3.0 print the hex of the nonce's characters, earlier ones the decimal
// value.
func nonceForms(t *tx3) []string {
	if t.rawNonce {
		return []string{t.Nonce}
	}
	var out []string
	if b, err := hex.DecodeString(strings.TrimPrefix(t.Nonce, "0x")); err == nil && len(b) > 0 {
		out = append(out, string(b))
	}
	return append(out, t.Nonce)
}

// toForms are the strings a served `to` may have been carried as: nodes
// print it verbatim, but files handed over may have been normalised.
func toForms(to string) []string {
	if to == "" {
		return []string{""}
	}
	bare := strings.TrimPrefix(strings.TrimPrefix(to, "0x"), "0X")
	forms := []string{to, strings.ToLower(bare), "0x" + strings.ToLower(bare), bare, "0x" + bare}
	out := forms[:1]
	for _, f := range forms[1:] {
		dup := false
		for _, o := range out {
			dup = dup || o == f
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}

// recomputeTx3 returns the hash of t that matches the served hash, trying
// the representations a node or a hand-over may have used, and whether
// one matched. Without a match it returns the canonical recomputation.
func recomputeTx3(s Suite, t *tx3) ([]byte, bool) {
	// The common case first: the 3.3+ nonce form and to as served.
	nonces := nonceForms(t)
	first := txHash3(s, t, nonces[0], t.To, true)
	if equalHash(first, t.Hash.b) {
		return first, true
	}
	for _, gated := range []bool{true, false} {
		if !gated && t.Version.v == 0 {
			break
		}
		for _, n := range nonces {
			for _, to := range toForms(t.To) {
				h := txHash3(s, t, n, to, gated)
				if equalHash(h, t.Hash.b) {
					return h, true
				}
			}
		}
	}
	return first, false
}

// receiptHash3 hashes a 3.x receipt (TarsHashable.h). The contract and log
// addresses are hashed as stored: EVM addresses as 40 lower-case hex
// digits without 0x, which the RPC adds to contractAddress. bareContract
// and bareLogs strip a 0x that a node or a hand-over added.
func receiptHash3(s Suite, r *receipt3, bareContract, bareLogs bool) []byte {
	h := s.newHash()
	h.Write(be32(r.Version.v))
	h.Write([]byte(r.GasUsed))
	ca := r.ContractAddress
	if bareContract {
		ca = strings.TrimPrefix(ca, "0x")
	}
	h.Write([]byte(ca))
	h.Write(be32(r.Status.v))
	h.Write(r.Output.b)
	if int32(r.Version.v) >= 1 {
		h.Write([]byte(r.EffectiveGasPrice))
	}
	for _, l := range r.Logs {
		addr := l.Address
		if bareLogs {
			addr = strings.TrimPrefix(addr, "0x")
		}
		h.Write([]byte(addr))
		for _, t := range l.Topics {
			h.Write(t.b)
		}
		h.Write(l.Data.b)
	}
	h.Write(be64(r.BlockNumber.v))
	return h.Sum(nil)
}

// recomputeReceipt3 returns the receipt hash that matches the served one,
// trying the address forms a node or a hand-over may show, and whether
// one matched. Without a match it returns the canonical recomputation.
func recomputeReceipt3(s Suite, r *receipt3) ([]byte, bool) {
	first := receiptHash3(s, r, true, true)
	if equalHash(first, r.Hash.b) {
		return first, true
	}
	for _, f := range [][2]bool{{false, true}, {true, false}, {false, false}} {
		if h := receiptHash3(s, r, f[0], f[1]); equalHash(h, r.Hash.b) {
			return h, true
		}
	}
	return first, false
}

// headerHash3 hashes a 3.x block header (TarsHashable.h). The genesis
// block's roots and gasUsed are empty in storage although the RPC shows
// zeros, so block 0 is hashed with them empty unless asServed.
func headerHash3(s Suite, b *header3, asServed bool) []byte {
	h := s.newHash()
	h.Write(be32(b.Version.v))
	for _, p := range b.ParentInfo {
		h.Write(be64(p.BlockNumber.v))
		h.Write(p.BlockHash.b)
	}
	genesis := b.Number.v == 0 && !asServed
	if !genesis {
		h.Write(b.TxsRoot.b)
		h.Write(b.ReceiptsRoot.b)
		h.Write(b.StateRoot.b)
	}
	h.Write(be64(b.Number.v))
	if !genesis {
		h.Write([]byte(b.GasUsed))
	}
	h.Write(be64(b.Timestamp.v))
	h.Write(be64(b.Sealer.v))
	for _, n := range b.SealerList {
		h.Write(n.b)
	}
	h.Write(b.ExtraData.b)
	for _, w := range b.ConsensusWeights {
		h.Write(be64(w.v))
	}
	return h.Sum(nil)
}

func equalHash(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && string(a) == string(b)
}
