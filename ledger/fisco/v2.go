package fisco

import (
	"bytes"
	"encoding/json"
	"math/big"

	"github.com/ethereum/go-ethereum/rlp"
)

// block2 is a FISCO BCOS 2.x block as getBlockByNumber(group, n, true)
// serves it.
type block2 struct {
	Hash             hexBytes           `json:"hash"`
	Number           num                `json:"number"`
	ParentHash       hexBytes           `json:"parentHash"`
	StateRoot        hexBytes           `json:"stateRoot"`
	TransactionsRoot hexBytes           `json:"transactionsRoot"`
	ReceiptsRoot     *hexBytes          `json:"receiptsRoot"`
	DBHash           *hexBytes          `json:"dbHash"`
	LogsBloom        hexBytes           `json:"logsBloom"`
	GasLimit         hexBytes           `json:"gasLimit"`
	GasUsed          hexBytes           `json:"gasUsed"`
	Timestamp        num                `json:"timestamp"`
	ExtraData        []hexBytes         `json:"extraData"`
	Sealer           num                `json:"sealer"`
	SealerList       []hexBytes         `json:"sealerList"`
	SignatureList    *[]sealerSig2      `json:"signatureList"`
	Transactions     *[]json.RawMessage `json:"transactions"`
}

type sealerSig2 struct {
	Index     num      `json:"index"`
	Signature hexBytes `json:"signature"`
}

// tx2 is a FISCO BCOS 2.x transaction as served.
type tx2 struct {
	Hash        hexBytes `json:"hash"`
	Nonce       hexBytes `json:"nonce"`
	GasPrice    hexBytes `json:"gasPrice"`
	Gas         hexBytes `json:"gas"`
	BlockLimit  hexBytes `json:"blockLimit"`
	To          string   `json:"to"`
	Value       hexBytes `json:"value"`
	Input       hexBytes `json:"input"`
	ChainID     hexBytes `json:"chainId"`
	GroupID     hexBytes `json:"groupId"`
	ExtraData   hexBytes `json:"extraData"`
	From        string   `json:"from"`
	BlockNumber num      `json:"blockNumber"`
	TxIndex     num      `json:"transactionIndex"`
	Signature   *struct {
		R         hexBytes `json:"r"`
		S         hexBytes `json:"s"`
		V         hexBytes `json:"v"`
		Signature hexBytes `json:"signature"`
	} `json:"signature"`
}

// receipt2 is a FISCO BCOS 2.x receipt as served.
type receipt2 struct {
	TransactionHash hexBytes  `json:"transactionHash"`
	BlockNumber     num       `json:"blockNumber"`
	Root            *hexBytes `json:"root"`
	GasUsed         hexBytes  `json:"gasUsed"`
	RemainGas       *hexBytes `json:"remainGas"`
	ContractAddress hexBytes  `json:"contractAddress"`
	LogsBloom       *hexBytes `json:"logsBloom"`
	Status          num       `json:"status"`
	StatusMsg       string    `json:"statusMsg"`
	Output          hexBytes  `json:"output"`
	Logs            []struct {
		Address hexBytes   `json:"address"`
		Topics  []hexBytes `json:"topics"`
		Data    hexBytes   `json:"data"`
	} `json:"logs"`
}

// bigOf reads a big-endian quantity.
func bigOf(h hexBytes) *big.Int { return new(big.Int).SetBytes(h.b) }

// headerHash2 is H(RLP of the 13 header fields) (libethcore BlockHeader).
func headerHash2(s Suite, b *block2) ([]byte, error) {
	extra := make([][]byte, 0, len(b.ExtraData))
	for _, e := range b.ExtraData {
		extra = append(extra, e.b)
	}
	sealers := make([][]byte, 0, len(b.SealerList))
	for _, n := range b.SealerList {
		sealers = append(sealers, n.b)
	}
	fields := []any{
		b.ParentHash.b, b.StateRoot.b, b.TransactionsRoot.b, b.ReceiptsRoot.b, b.DBHash.b, b.LogsBloom.b,
		new(big.Int).SetUint64(b.Number.v), bigOf(b.GasLimit), bigOf(b.GasUsed), new(big.Int).SetUint64(b.Timestamp.v),
		extra, new(big.Int).SetUint64(b.Sealer.v), sealers,
	}
	enc, err := rlp.EncodeToBytes(fields)
	if err != nil {
		return nil, err
	}
	return s.Sum(enc), nil
}

// txFields2 are the ten signed fields of a 2.x transaction; to is empty
// for a deployment.
func txFields2(t *tx2, to []byte) []any {
	return []any{bigOf(t.Nonce), bigOf(t.GasPrice), bigOf(t.Gas), bigOf(t.BlockLimit), to, bigOf(t.Value),
		t.Input.b, bigOf(t.ChainID), bigOf(t.GroupID), t.ExtraData.b}
}

// txHashes2 returns the signing hash and the transaction hash of a 2.x
// transaction given its recipient bytes and signature r, s and v slot
// (recovery id + 27, or the SM2 public key).
func txHashes2(s Suite, t *tx2, to []byte, r, sv []byte, vslot any) (signing, full []byte, err error) {
	unsigned, err := rlp.EncodeToBytes(txFields2(t, to))
	if err != nil {
		return nil, nil, err
	}
	fields := append(txFields2(t, to), vslot, new(big.Int).SetBytes(r), new(big.Int).SetBytes(sv))
	signed, err := rlp.EncodeToBytes(fields)
	if err != nil {
		return nil, nil, err
	}
	return s.Sum(unsigned), s.Sum(signed), nil
}

// receiptHash2 is H(RLP(receipt)) with or without remainGas (2.9.0+).
func receiptHash2(s Suite, rc *receipt2, withRemain bool) ([]byte, error) {
	logs := make([]any, 0, len(rc.Logs))
	for _, l := range rc.Logs {
		topics := make([][]byte, 0, len(l.Topics))
		for _, t := range l.Topics {
			topics = append(topics, t.b)
		}
		logs = append(logs, []any{l.Address.b, topics, l.Data.b})
	}
	ca := rc.ContractAddress.b
	if len(ca) == 0 {
		ca = make([]byte, 20)
	}
	fields := []any{rc.Root.b, bigOf(rc.GasUsed), ca, rc.LogsBloom.b, new(big.Int).SetUint64(rc.Status.v), rc.Output.b}
	if withRemain {
		fields = append(fields, bigOf(*rc.RemainGas))
	}
	fields = append(fields, logs)
	enc, err := rlp.EncodeToBytes(fields)
	if err != nil {
		return nil, err
	}
	return s.Sum(enc), nil
}

// merkleRoot2 is the 2.2.0+ root (TrieHash2 getHash256): leaves RLP(i) ‖
// hash, hashed sixteen at a time level by level, and the last element
// hashed once more; no leaf gives H("").
func merkleRoot2(s Suite, hashes [][]byte) []byte {
	if len(hashes) == 0 {
		return s.Sum(nil)
	}
	level := make([][]byte, len(hashes))
	for i, h := range hashes {
		idx, _ := rlp.EncodeToBytes(uint64(i))
		level[i] = append(idx, h...)
	}
	for len(level) > 1 {
		next := make([][]byte, 0, (len(level)+15)/16)
		for i := 0; i < len(level); i += 16 {
			next = append(next, s.Sum(bytes.Join(level[i:min(i+16, len(level))], nil)))
		}
		level = next
	}
	return s.Sum(level[0])
}

// txRootRC2 is the 2.0.0-rc2..2.1 transactions root: the hash of
// le32(n), n+1 cumulative le32 offsets and the signed transactions' RLP.
func txRootRC2(s Suite, rlps [][]byte) []byte {
	var buf []byte
	buf = le32(buf, uint32(len(rlps)))
	off := uint32(0)
	buf = le32(buf, 0)
	for _, r := range rlps {
		off += uint32(len(r))
		buf = le32(buf, off)
	}
	for _, r := range rlps {
		buf = append(buf, r...)
	}
	return s.Sum(buf)
}

func le32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// rlpSigned is the signed RLP of a 2.x transaction.
func rlpSigned(t *tx2, to, r, s []byte, vslot any) []byte {
	enc, _ := rlp.EncodeToBytes(append(txFields2(t, to), vslot, new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)))
	return enc
}
