package index

import (
	"encoding/json"
	"fmt"

	"github.com/lianjian/lianjian/ledger"
)

// The block record (b/CHAIN/HEIGHT, keys.go): a block's header, its
// signatures, contracts, chain-specific data and verdict, and a summary
// of each of its transactions, in the binary layout of record_codec.go,
// version blockRecordVersion. It holds neither the transactions (t/
// records) nor the raw block (B/CHAIN/HEIGHT), so list views read a few
// hundred bytes per block, and a block page reads this record alone
// (DB.BlockWithSummaries). Field order after the version byte:
//
//	chain, height, hash, parentHash, dataHash, stateRoot, time, proposer,
//	gasUsed, gasLimit, baseFee, txCount, signatures, contracts,
//	config (the domain model's JSON, or nil: config blocks are rare and
//	their config is a deep tree), fabric (flag + FabricBlock),
//	fisco (flag + FiscoBlock), evm (flag + EVMBlock), verdict,
//	transactions (a list of: id, index, type, status, valid, verdict
//	status)
//
// Version 1, written before index format 4 (format.go), ends with the
// transaction ids alone; decodeBlock reads both.
const (
	blockRecordV1      = 1
	blockRecordVersion = 2
)

// blockRecord is the decoded block record: the block without its
// transactions and raw bytes, the ids of its transactions and, in a
// record of version 2, their summaries (nil in version 1).
type blockRecord struct {
	ledger.Block
	TxIDs []string
	Sums  []txSummary
}

// txSummary is what the block record keeps of a transaction beside its
// id: what a block page lists of it.
type txSummary struct {
	Index   int
	Type    string
	Status  string
	Valid   bool
	Verdict ledger.VerdictStatus
}

// tx returns the summarised transaction with this id, of block b: the
// fields of the summary set, no others.
func (s *txSummary) tx(b *ledger.Block, id string) ledger.Tx {
	return ledger.Tx{
		ID: id, Chain: b.Chain, Height: b.Height, Index: s.Index, Type: s.Type,
		Status: s.Status, Valid: s.Valid, Verdict: ledger.Verdict{Status: s.Verdict},
	}
}

// encodeBlock appends the block record of b.
func encodeBlock(dst []byte, b *ledger.Block) ([]byte, error) {
	w := recWriter{b: append(dst, blockRecordVersion)}
	if err := w.blockHead(b); err != nil {
		return nil, err
	}
	w.count(len(b.Txs), false)
	for i := range b.Txs {
		tx := &b.Txs[i]
		w.str(tx.ID)
		w.int(int64(tx.Index))
		w.str(tx.Type)
		w.str(tx.Status)
		w.bool(tx.Valid)
		w.str(string(tx.Verdict.Status))
	}
	return w.b, nil
}

// blockHead writes the fields of a block record before its
// transactions, the same in both versions.
func (w *recWriter) blockHead(b *ledger.Block) error {
	w.str(b.Chain)
	w.uint(b.Height)
	w.bytes(b.Hash)
	w.bytes(b.ParentHash)
	w.bytes(b.DataHash)
	w.bytes(b.StateRoot)
	w.time(b.Time)
	w.str(b.Proposer)
	w.uint(b.GasUsed)
	w.uint(b.GasLimit)
	w.str(b.BaseFee)
	w.int(int64(len(b.Txs)))
	w.signatures(b.Signatures, (*recWriter).flaggedIdentity)
	writeList(w, b.Contracts, (*recWriter).contract)
	var cfg []byte
	if b.Config != nil {
		var err error
		if cfg, err = json.Marshal(b.Config); err != nil {
			return fmt.Errorf("encode config of block %d: %w", b.Height, err)
		}
	}
	w.bytes(cfg)
	w.bool(b.Fabric != nil)
	if f := b.Fabric; f != nil {
		w.str(f.Channel)
		w.uint(f.LastConfig)
		w.bytes(f.TxFilter)
		w.bytes(f.CommitHash)
		w.bool(f.IsConfig)
		writeList(w, f.ConsenterIDs, func(w *recWriter, id *uint32) { w.uint(uint64(*id)) })
		w.str(f.OrdererType)
		w.str(f.HeaderHashAlgo)
		w.str(f.CommitHashError)
	}
	w.bool(b.Fisco != nil)
	if f := b.Fisco; f != nil {
		w.int(int64(f.Version))
		w.uint(f.HeaderVer)
		w.str(f.Group)
		w.bytes(f.ReceiptsRoot)
		w.bytes(f.DBHash)
		w.bytes(f.ExtraData)
		w.uint(f.SealerIndex)
		w.strs(f.SealerList)
		w.uints(f.Weights)
		w.uints(f.SignerIndexes)
		w.uint(f.Quorum)
		w.uint(f.SignedWeight)
		w.bool(f.Receipts)
	}
	w.bool(b.EVM != nil)
	if e := b.EVM; e != nil {
		w.uint(e.Difficulty)
		w.strs(e.Signers)
	}
	w.verdict(&b.Verdict)
	return nil
}

// decodeBlock decodes a block record of either version; with ids unset
// it leaves the transactions unread (list views). Byte fields alias v.
func decodeBlock(v []byte, rec *blockRecord, ids bool) error {
	r := recReader{b: v, what: "block record"}
	version := byte(blockRecordVersion)
	if len(v) > 0 && v[0] == blockRecordV1 {
		version = blockRecordV1
	}
	r.version(version)
	b := &rec.Block
	b.Chain = r.str()
	b.Height = r.uint()
	b.Hash = r.bytes()
	b.ParentHash = r.bytes()
	b.DataHash = r.bytes()
	b.StateRoot = r.bytes()
	b.Time = r.time()
	b.Proposer = r.str()
	b.GasUsed = r.uint()
	b.GasLimit = r.uint()
	b.BaseFee = r.str()
	b.TxCount = r.intN()
	b.Signatures = r.signatures(func(r *recReader, id *ledger.Identity) { r.certRef(id, nil) })
	b.Contracts = readList(&r, (*recReader).contract)
	if cfg := r.bytes(); cfg != nil && r.err == nil {
		b.Config = new(ledger.Config)
		if err := json.Unmarshal(cfg, b.Config); err != nil {
			r.fail("config: %v", err)
		}
	}
	if r.bool() {
		f := &ledger.FabricBlock{}
		b.Fabric = f
		f.Channel = r.str()
		f.LastConfig = r.uint()
		f.TxFilter = r.bytes()
		f.CommitHash = r.bytes()
		f.IsConfig = r.bool()
		f.ConsenterIDs = readList(&r, func(r *recReader, id *uint32) { *id = r.uint32() })
		f.OrdererType = r.str()
		f.HeaderHashAlgo = r.str()
		f.CommitHashError = r.str()
	}
	if r.bool() {
		f := &ledger.FiscoBlock{}
		b.Fisco = f
		f.Version = r.intN()
		f.HeaderVer = r.uint()
		f.Group = r.str()
		f.ReceiptsRoot = r.bytes()
		f.DBHash = r.bytes()
		f.ExtraData = r.bytes()
		f.SealerIndex = r.uint()
		f.SealerList = r.strs()
		f.Weights = r.uints()
		f.SignerIndexes = r.uints()
		f.Quorum = r.uint()
		f.SignedWeight = r.uint()
		f.Receipts = r.bool()
	}
	if r.bool() {
		b.EVM = &ledger.EVMBlock{Difficulty: r.uint(), Signers: r.strs()}
	}
	r.verdict(&b.Verdict)
	if !ids {
		return r.err
	}
	if version == blockRecordV1 {
		rec.TxIDs = r.strs()
	} else {
		r.txSummaries(rec)
	}
	if r.err == nil && len(rec.TxIDs) != b.TxCount {
		r.fail("%d transaction ids for %d transactions", len(rec.TxIDs), b.TxCount)
	}
	return r.end()
}

// txSummaries reads the transactions of a block record of version 2.
func (r *recReader) txSummaries(rec *blockRecord) {
	n, isNil := r.count()
	if isNil {
		return
	}
	rec.TxIDs = make([]string, n)
	rec.Sums = make([]txSummary, n)
	for i := range n {
		rec.TxIDs[i] = r.str()
		s := &rec.Sums[i]
		s.Index = r.intN()
		s.Type = r.str()
		s.Status = r.str()
		s.Valid = r.bool()
		s.Verdict = ledger.VerdictStatus(r.str())
	}
}

func (w *recWriter) contract(c *ledger.Contract) {
	w.str(c.Chain)
	w.str(c.Address)
	w.str(c.Version)
	w.uint(c.Sequence)
	w.str(c.Creator)
	w.str(c.DeployTx)
	w.uint(c.Height)
	w.time(c.Time)
	w.bytes(c.CodeHash)
	w.str(c.CodeAt)
	w.bytes(c.Code)
	w.str(c.Policy)
	w.strs(c.Collections)
}

func (r *recReader) contract(c *ledger.Contract) {
	c.Chain = r.str()
	c.Address = r.str()
	c.Version = r.str()
	c.Sequence = r.uint()
	c.Creator = r.str()
	c.DeployTx = r.str()
	c.Height = r.uint()
	c.Time = r.time()
	c.CodeHash = r.bytes()
	c.CodeAt = r.str()
	c.Code = r.bytes()
	c.Policy = r.str()
	c.Collections = r.strs()
}
