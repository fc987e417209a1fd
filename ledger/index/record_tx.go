package index

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/lianjian/lianjian/ledger"
)

// The transaction record (t/CHAIN/TXID, keys.go): a ledger.Tx in the
// binary layout of record_codec.go, version txRecordVersion. It holds
// nothing its key or other records hold: not the id, not the chain when
// it is the key's, not the identities the identity table i/CHAIN/FINGERPRINT
// holds (named by fingerprint, identityRef), and not the transaction's
// raw bytes when they lie inside the raw block (B/CHAIN/HEIGHT), whose
// offset and length it holds instead, and not the byte fields that lie
// in those raw bytes (signatures, nonces, arguments, written values,
// hashes: recWriter.blob), named by offset into them too. Field order
// after the version byte:
//
//	chain (flag + chain when not the key's), height, index, type, time,
//	creator (flag + identityRef), from, to, contract, function, value,
//	nonce, gas, gasUsed, gasPrice, status, valid, logs, signatures (each
//	signer an identityRef), fabric (flag + FabricTx), fisco (flag +
//	FiscoTx), verdict, raw (rawNone | rawInBlock offset length |
//	rawInline bytes), hashed reads (when fabric is set: for each
//	collection of each namespace in order, the list of its HashedReads,
//	each key hash, block, tx and missing flag)
//
// Version 2 (txRecordV2) ended after raw: its private reads have no
// versions (HashedReads is nil). Version 1 (txRecordV1, indexes written before the identities were
// named by fingerprint) began with the id and the chain, and held each
// identity as a flag and the identity, without its certificate when the
// flag was set (certRef). decodeTx reads both versions.
const (
	txRecordVersion = 3
	txRecordV2      = 2
	txRecordV1      = 1
)

// How a transaction record holds an identity (identityRef), as the
// stored function of encodeTx decides.
const (
	idInline = 0 // the whole identity
	idCert   = 1 // the identity without its certificate, which the identity table holds
	idStored = 2 // its fingerprint: the identity table holds the identity as it is
)

// idRef is an identity of a decoded transaction record that the identity
// table completes (fillTx): its certificate, or the whole identity when
// whole is set.
type idRef struct {
	id    *ledger.Identity
	whole bool
}

// Where a transaction record finds the transaction's raw bytes.
const (
	rawNone   = 0 // the transaction has no raw bytes
	rawBlock  = 1 // at an offset into the stored raw block
	rawInline = 2 // in the record
)

// rawRef locates a transaction's raw bytes in its block's raw bytes.
type rawRef struct {
	kind        byte
	off, length uint64
}

// rawRefs finds each transaction's raw bytes inside the block's raw
// bytes, in order (every chain serialises a block's transactions in
// order), so that the transaction records refer to them instead of
// copying them. A transaction whose bytes are not there (an EVM
// transaction, whose block bytes are the header only) keeps them inline.
func rawRefs(b *ledger.Block) []rawRef {
	refs := make([]rawRef, len(b.Txs))
	pos := 0
	for i := range b.Txs {
		raw := b.Txs[i].Raw
		switch {
		case raw == nil:
			refs[i] = rawRef{kind: rawNone}
			continue
		case len(raw) == 0:
			refs[i] = rawRef{kind: rawInline}
			continue
		}
		if j := indexFrom(b.Raw, raw, pos); j >= 0 {
			refs[i] = rawRef{kind: rawBlock, off: uint64(j), length: uint64(len(raw))}
			pos = j + len(raw)
			continue
		}
		refs[i] = rawRef{kind: rawInline}
	}
	return refs
}

// indexFrom is the offset of sub in s at or after from, or -1.
func indexFrom(s, sub []byte, from int) int {
	if from > len(s) {
		return -1
	}
	// Protobuf and RLP frame each item with its length just before it:
	// the next item usually starts within a few bytes of from.
	if end := min(len(s), from+len(sub)+16); end-from >= len(sub) {
		if j := bytes.Index(s[from:end], sub); j >= 0 {
			return from + j
		}
	}
	if j := bytes.Index(s[from:], sub); j >= 0 {
		return from + j
	}
	return -1
}

// encodeTx appends the record of tx, stored under the key of chain,
// whose raw bytes are at ref. stored says how the record holds each
// identity (idInline, idCert, idStored); nil holds each whole.
func encodeTx(dst []byte, tx *ledger.Tx, chain string, ref rawRef, stored func(*ledger.Identity) byte) []byte {
	return encodeTxMemo(dst, tx, chain, ref, &idMemo{stored: stored})
}

// idMemo is what identityRef wrote for the identities of a run of
// transaction records, and how each is held as ids.stored says: an
// identity met again, as a block's few creators and endorsers are, is
// copied from there instead of being looked up and encoded again. It
// holds while stored's answers do not change, as they do not while the
// records of one block are encoded (commitState.identityStored).
type idMemo struct {
	stored func(*ledger.Identity) byte
	seen   []idWritten
}

// idWritten is an identity and what identityRef wrote for it.
type idWritten struct {
	id  ledger.Identity
	enc []byte
}

// maxIDMemo bounds the identities an idMemo keeps, which it compares
// with each one it is given.
const maxIDMemo = 16

// identityRef writes id as recWriter.identityRef does with m.stored.
func (m *idMemo) identityRef(w *recWriter, id *ledger.Identity) {
	for i := range m.seen {
		if e := &m.seen[i]; sameIdentity(&e.id, id) {
			w.b = append(w.b, e.enc...)
			return
		}
	}
	start := len(w.b)
	w.identityRef(id, m.stored)
	if len(m.seen) < maxIDMemo {
		// A capped slice of w.b, which later appends never change.
		m.seen = append(m.seen, idWritten{id: *id, enc: w.b[start:len(w.b):len(w.b)]})
	}
}

// encodeTxMemo is encodeTx, with the identities held as ids says.
func encodeTxMemo(dst []byte, tx *ledger.Tx, chain string, ref rawRef, ids *idMemo) []byte {
	w := recWriter{b: append(dst, txRecordVersion), inRaw: true, raw: tx.Raw}
	w.bool(tx.Chain != chain)
	if tx.Chain != chain {
		w.str(tx.Chain)
	}
	w.uint(tx.Height)
	w.int(int64(tx.Index))
	w.str(tx.Type)
	w.time(tx.Time)
	ident := ids.identityRef
	w.bool(tx.Creator != nil)
	if tx.Creator != nil {
		ident(&w, tx.Creator)
	}
	w.str(tx.From)
	w.str(tx.To)
	w.str(tx.Contract)
	w.str(tx.Function)
	w.str(tx.Value)
	w.uint(tx.Nonce)
	w.uint(tx.Gas)
	w.uint(tx.GasUsed)
	w.str(tx.GasPrice)
	w.str(tx.Status)
	w.bool(tx.Valid)
	writeList(&w, tx.Logs, func(w *recWriter, l *ledger.Log) {
		w.str(l.Address)
		w.strs(l.Topics)
		w.blob(l.Data)
		w.uint(uint64(l.Index))
	})
	w.signatures(tx.Sigs, ident)
	w.bool(tx.Fabric != nil)
	if tx.Fabric != nil {
		w.fabricTx(tx.Fabric)
	}
	w.bool(tx.Fisco != nil)
	if tx.Fisco != nil {
		w.fiscoTx(tx.Fisco)
	}
	w.verdict(&tx.Verdict)
	w.b = append(w.b, ref.kind)
	switch ref.kind {
	case rawBlock:
		w.uint(ref.off)
		w.uint(ref.length)
	case rawInline:
		w.bytes(tx.Raw)
	}
	if tx.Fabric != nil {
		w.hashedReads(tx.Fabric.RWSets)
	}
	return w.b
}

// hashedReads writes the HashedReads of each collection of rws, in order.
func (w *recWriter) hashedReads(rws []ledger.NsRWSet) {
	for i := range rws {
		for j := range rws[i].Collections {
			writeList(w, rws[i].Collections[j].HashedReads, func(w *recWriter, hr *ledger.HashedRead) {
				w.blob(hr.KeyHash)
				w.uint(hr.BlockNum)
				w.uint(hr.TxNum)
				w.bool(hr.Missing)
			})
		}
	}
}

// hashedReads reads what recWriter.hashedReads wrote.
func (r *recReader) hashedReads(rws []ledger.NsRWSet) {
	for i := range rws {
		for j := range rws[i].Collections {
			rws[i].Collections[j].HashedReads = readList(r, func(r *recReader, hr *ledger.HashedRead) {
				r.blob(&hr.KeyHash)
				hr.BlockNum, hr.TxNum, hr.Missing = r.uint(), r.uint(), r.bool()
			})
		}
	}
}

// identityRef writes how a record holds id (idInline, idCert or
// idStored, as stored says; stored may be nil) and then id: whole,
// without its certificate, or its fingerprint alone.
func (w *recWriter) identityRef(id *ledger.Identity, stored func(*ledger.Identity) byte) {
	how := byte(idInline)
	if stored != nil && id.Fingerprint != "" {
		how = stored(id)
	}
	w.b = append(w.b, how)
	switch how {
	case idStored:
		w.hexStr(id.Fingerprint)
	case idCert:
		c := *id
		c.Cert = nil
		w.identity(&c)
	default:
		w.identity(id)
	}
}

// identityRef reads what recWriter.identityRef wrote; an identity the
// identity table completes is added to refs (fillTx).
func (r *recReader) identityRef(id *ledger.Identity, refs *[]idRef) {
	how := r.take(1)
	if len(how) == 0 {
		return
	}
	switch how[0] {
	case idInline:
		r.identity(id)
	case idCert:
		r.identity(id)
		if r.err == nil && (id.Cert != nil || id.Fingerprint == "") {
			r.fail("bad certificate reference")
		}
		*refs = append(*refs, idRef{id: id})
	case idStored:
		id.Fingerprint = r.hexStr()
		if r.err == nil && id.Fingerprint == "" {
			r.fail("bad identity reference")
		}
		*refs = append(*refs, idRef{id: id, whole: true})
	default:
		r.fail("identity reference kind %d", how[0])
	}
}

// txRefs says what a decoded transaction record leaves to fill from
// other records: its raw bytes in the raw block, and identities or their
// certificates in the identity table (fillTx).
type txRefs struct {
	raw   rawRef
	ids   []idRef
	blobs []blobRef
}

// decodeTx decodes the transaction record of id stored under the key of
// chain. The transaction's raw bytes are set when the record holds them,
// and the identities it holds whole; refs says where the others are
// (fillTx). Byte fields alias v.
func decodeTx(v []byte, chain, id string, tx *ledger.Tx) (txRefs, error) {
	var refs txRefs
	r := recReader{b: v, what: "transaction record"}
	ident := func(r *recReader, id *ledger.Identity) { r.identityRef(id, &refs.ids) }
	ver := byte(txRecordVersion)
	if len(v) > 0 && (v[0] == txRecordV1 || v[0] == txRecordV2) {
		ver = v[0]
	}
	if ver == txRecordV1 {
		r.version(txRecordV1)
		tx.ID = r.str()
		tx.Chain = r.str()
		ident = func(r *recReader, id *ledger.Identity) { r.certRef(id, &refs.ids) }
	} else {
		r.version(ver)
		r.inRaw = &refs.blobs
		tx.ID, tx.Chain = id, chain
		if r.bool() {
			tx.Chain = r.str()
		}
	}
	tx.Height = r.uint()
	tx.Index = r.intN()
	tx.Type = r.str()
	tx.Time = r.time()
	if r.bool() {
		tx.Creator = new(ledger.Identity)
		ident(&r, tx.Creator)
	}
	tx.From = r.str()
	tx.To = r.str()
	tx.Contract = r.str()
	tx.Function = r.str()
	tx.Value = r.str()
	tx.Nonce = r.uint()
	tx.Gas = r.uint()
	tx.GasUsed = r.uint()
	tx.GasPrice = r.str()
	tx.Status = r.str()
	tx.Valid = r.bool()
	tx.Logs = readList(&r, func(r *recReader, l *ledger.Log) {
		l.Address, l.Topics = r.str(), r.strs()
		r.blob(&l.Data)
		l.Index = uint(r.uint())
	})
	tx.Sigs = r.signatures(ident)
	if r.bool() {
		tx.Fabric = new(ledger.FabricTx)
		r.fabricTx(tx.Fabric)
	}
	if r.bool() {
		tx.Fisco = new(ledger.FiscoTx)
		r.fiscoTx(tx.Fisco)
	}
	r.verdict(&tx.Verdict)
	ref := &refs.raw
	if k := r.take(1); len(k) == 1 {
		ref.kind = k[0]
	}
	switch ref.kind {
	case rawNone:
	case rawBlock:
		ref.off, ref.length = r.uint(), r.uint()
	case rawInline:
		tx.Raw = r.bytes()
	default:
		r.fail("raw bytes kind %d", ref.kind)
	}
	if ver == txRecordVersion && tx.Fabric != nil {
		r.hashedReads(tx.Fabric.RWSets)
	}
	return refs, r.end()
}

// fillRaw sets tx.Raw from the block's raw bytes when the record points
// there, and then the byte fields the record names in tx.Raw.
func fillRaw(tx *ledger.Tx, refs txRefs, block []byte) error {
	if ref := refs.raw; ref.kind == rawBlock {
		if ref.off > uint64(len(block)) || ref.length > uint64(len(block))-ref.off {
			return fmt.Errorf("%w: transaction %s: raw bytes %d+%d past the block's %d bytes",
				ErrRecordFormat, tx.ID, ref.off, ref.length, len(block))
		}
		tx.Raw = block[ref.off : ref.off+ref.length : ref.off+ref.length]
	}
	for _, b := range refs.blobs {
		if b.off > uint64(len(tx.Raw)) || b.length > uint64(len(tx.Raw))-b.off {
			return fmt.Errorf("%w: transaction %s: field at %d+%d past its %d raw bytes",
				ErrRecordFormat, tx.ID, b.off, b.length, len(tx.Raw))
		}
		*b.dst = tx.Raw[b.off : b.off+b.length : b.off+b.length]
	}
	return nil
}

func (w *recWriter) fabricTx(f *ledger.FabricTx) {
	w.str(f.Channel)
	w.str(f.HeaderType)
	w.blob(f.Nonce)
	w.int(int64(f.ValidationCode))
	w.str(f.Chaincode)
	w.str(f.ChaincodeVersion)
	w.blobs(f.Args)
	writeList(w, f.RWSets, (*recWriter).nsRWSet)
	writeList(w, f.Events, func(w *recWriter, e *ledger.FabricEvent) {
		w.str(e.Chaincode)
		w.str(e.TxID)
		w.str(e.Name)
		w.blob(e.Payload)
	})
	w.bool(f.Response != nil)
	if f.Response != nil {
		w.int(int64(f.Response.Status))
		w.str(f.Response.Message)
		w.blob(f.Response.Payload)
	}
	w.str(f.DecodeError)
	w.int(int64(f.ExtraBytes))
	w.str(f.EnvelopeError)
}

func (r *recReader) fabricTx(f *ledger.FabricTx) {
	f.Channel = r.str()
	f.HeaderType = r.str()
	r.blob(&f.Nonce)
	f.ValidationCode = r.int32()
	f.Chaincode = r.str()
	f.ChaincodeVersion = r.str()
	f.Args = r.blobs()
	f.RWSets = readList(r, (*recReader).nsRWSet)
	f.Events = readList(r, func(r *recReader, e *ledger.FabricEvent) {
		e.Chaincode, e.TxID, e.Name = r.str(), r.str(), r.str()
		r.blob(&e.Payload)
	})
	if r.bool() {
		f.Response = &ledger.Response{Status: r.int32(), Message: r.str()}
		r.blob(&f.Response.Payload)
	}
	f.DecodeError = r.str()
	f.ExtraBytes = r.intN()
	f.EnvelopeError = r.str()
}

func (w *recWriter) kvReads(rs []ledger.KVRead) {
	writeList(w, rs, func(w *recWriter, kr *ledger.KVRead) {
		w.str(kr.Key)
		w.uint(kr.BlockNum)
		w.uint(kr.TxNum)
		w.bool(kr.Missing)
	})
}

func (r *recReader) kvReads() []ledger.KVRead {
	return readList(r, func(r *recReader, kr *ledger.KVRead) {
		*kr = ledger.KVRead{Key: r.str(), BlockNum: r.uint(), TxNum: r.uint(), Missing: r.bool()}
	})
}

func (w *recWriter) metaEntries(es []ledger.MetaEntry) {
	writeList(w, es, func(w *recWriter, e *ledger.MetaEntry) {
		w.str(e.Name)
		w.blob(e.Value)
	})
}

func (r *recReader) metaEntries() []ledger.MetaEntry {
	return readList(r, func(r *recReader, e *ledger.MetaEntry) {
		e.Name = r.str()
		r.blob(&e.Value)
	})
}

func (w *recWriter) nsRWSet(s *ledger.NsRWSet) {
	w.str(s.Namespace)
	w.kvReads(s.Reads)
	writeList(w, s.Writes, func(w *recWriter, kw *ledger.KVWrite) {
		w.str(kw.Key)
		w.bool(kw.IsDelete)
		w.blob(kw.Value)
	})
	writeList(w, s.RangeReads, func(w *recWriter, rr *ledger.RangeRead) {
		w.str(rr.StartKey)
		w.str(rr.EndKey)
		w.bool(rr.ItrExhausted)
		w.kvReads(rr.Keys)
		w.blobs(rr.MerkleHashes)
		w.uint(uint64(rr.MerkleLevel))
		w.uint(uint64(rr.MerkleDegree))
	})
	writeList(w, s.MetaWrites, func(w *recWriter, mw *ledger.KVMetaWrite) {
		w.str(mw.Key)
		w.metaEntries(mw.Entries)
	})
	writeList(w, s.Collections, func(w *recWriter, c *ledger.CollHashedRW) {
		w.str(c.Collection)
		w.blobs(c.ReadHashes)
		w.blobs(c.WriteHashes)
		w.blob(c.PvtRWHash)
		writeList(w, c.HashedWrites, func(w *recWriter, hw *ledger.HashedWrite) {
			w.blob(hw.KeyHash)
			w.blob(hw.ValueHash)
			w.bool(hw.IsDelete)
			w.bool(hw.IsPurge)
		})
		writeList(w, c.MetaWrites, func(w *recWriter, mw *ledger.HashedMetaWrite) {
			w.blob(mw.KeyHash)
			w.metaEntries(mw.Entries)
		})
	})
}

func (r *recReader) nsRWSet(s *ledger.NsRWSet) {
	s.Namespace = r.str()
	s.Reads = r.kvReads()
	s.Writes = readList(r, func(r *recReader, kw *ledger.KVWrite) {
		kw.Key, kw.IsDelete = r.str(), r.bool()
		r.blob(&kw.Value)
	})
	s.RangeReads = readList(r, func(r *recReader, rr *ledger.RangeRead) {
		rr.StartKey, rr.EndKey, rr.ItrExhausted = r.str(), r.str(), r.bool()
		rr.Keys = r.kvReads()
		rr.MerkleHashes = r.blobs()
		rr.MerkleLevel, rr.MerkleDegree = r.uint32(), r.uint32()
	})
	s.MetaWrites = readList(r, func(r *recReader, mw *ledger.KVMetaWrite) {
		*mw = ledger.KVMetaWrite{Key: r.str(), Entries: r.metaEntries()}
	})
	s.Collections = readList(r, func(r *recReader, c *ledger.CollHashedRW) {
		c.Collection = r.str()
		c.ReadHashes, c.WriteHashes = r.blobs(), r.blobs()
		r.blob(&c.PvtRWHash)
		c.HashedWrites = readList(r, func(r *recReader, hw *ledger.HashedWrite) {
			r.blob(&hw.KeyHash)
			r.blob(&hw.ValueHash)
			hw.IsDelete, hw.IsPurge = r.bool(), r.bool()
		})
		c.MetaWrites = readList(r, func(r *recReader, mw *ledger.HashedMetaWrite) {
			r.blob(&mw.KeyHash)
			mw.Entries = r.metaEntries()
		})
	})
}

func (w *recWriter) fiscoTx(f *ledger.FiscoTx) {
	w.uint(f.TxVersion)
	w.str(f.ChainID)
	w.str(f.GroupID)
	w.uint(f.BlockLimit)
	w.str(f.Nonce)
	w.str(f.ABI)
	w.blob(f.Input)
	w.uint(f.ImportTime)
	w.uint(f.Attribute)
	w.str(f.ExtraData)
	w.blob(f.Extension)
	w.blob(f.Signature)
	w.blob(f.PublicKey)
	w.int(f.ReceiptStatus)
	w.bytes(f.ReceiptHash)
	w.bytes(f.Output)
	w.str(f.ContractAddress)
	w.bool(f.Governance != nil)
	if g := f.Governance; g != nil {
		w.str(g.Contract)
		w.str(g.Action)
		w.str(g.Method)
		w.str(g.NodeID)
		w.bool(g.Weight != nil)
		if g.Weight != nil {
			w.uint(*g.Weight)
		}
		w.str(g.Key)
		w.str(g.Value)
		w.str(g.Account)
		w.str(g.Table)
		keys := make([]string, 0, len(g.Args))
		for k := range g.Args {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.count(len(keys), g.Args == nil)
		for _, k := range keys {
			w.str(k)
			w.str(g.Args[k])
		}
		w.str(g.Error)
	}
}

func (r *recReader) fiscoTx(f *ledger.FiscoTx) {
	f.TxVersion = r.uint()
	f.ChainID = r.str()
	f.GroupID = r.str()
	f.BlockLimit = r.uint()
	f.Nonce = r.str()
	f.ABI = r.str()
	r.blob(&f.Input)
	f.ImportTime = r.uint()
	f.Attribute = r.uint()
	f.ExtraData = r.str()
	r.blob(&f.Extension)
	r.blob(&f.Signature)
	r.blob(&f.PublicKey)
	f.ReceiptStatus = r.int()
	f.ReceiptHash = r.bytes()
	f.Output = r.bytes()
	f.ContractAddress = r.str()
	if !r.bool() {
		return
	}
	g := &ledger.Governance{}
	f.Governance = g
	g.Contract, g.Action, g.Method, g.NodeID = r.str(), r.str(), r.str(), r.str()
	if r.bool() {
		w := r.uint()
		g.Weight = &w
	}
	g.Key, g.Value, g.Account, g.Table = r.str(), r.str(), r.str(), r.str()
	if n, isNil := r.count(); !isNil {
		g.Args = make(map[string]string, n)
		for range n {
			k := r.str()
			g.Args[k] = r.str()
		}
	}
	g.Error = r.str()
}
