package fabric

import (
	"fmt"

	"github.com/hyperledger/fabric-protos-go/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go/ledger/rwset/kvrwset"

	"github.com/lianjian/lianjian/ledger"
)

// rwsets decodes the marshalled rwset.TxReadWriteSet of a chaincode
// action.
func rwsets(raw []byte) ([]ledger.NsRWSet, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var txrw rwset.TxReadWriteSet
	if err := unmarshal("read/write set", raw, &txrw); err != nil {
		return nil, err
	}
	out := make([]ledger.NsRWSet, 0, len(txrw.NsRwset))
	for _, ns := range txrw.NsRwset {
		n, err := nsRWSet(ns)
		if err != nil {
			return nil, fmt.Errorf("namespace %q: %w", ns.Namespace, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// nsRWSet decodes the public and hashed private read/write sets of one
// namespace.
func nsRWSet(ns *rwset.NsReadWriteSet) (ledger.NsRWSet, error) {
	n := ledger.NsRWSet{Namespace: ns.Namespace}
	var kv kvrwset.KVRWSet
	if err := unmarshal("kv rwset", ns.Rwset, &kv); err != nil {
		return n, err
	}
	n.Reads = kvReads(kv.Reads)
	for _, w := range kv.Writes {
		n.Writes = append(n.Writes, ledger.KVWrite{Key: w.Key, IsDelete: w.IsDelete, Value: w.Value})
	}
	for _, q := range kv.RangeQueriesInfo {
		r := ledger.RangeRead{StartKey: q.StartKey, EndKey: q.EndKey, ItrExhausted: q.ItrExhausted}
		if raw := q.GetRawReads(); raw != nil {
			r.Keys = kvReads(raw.KvReads)
		}
		if m := q.GetReadsMerkleHashes(); m != nil {
			r.MerkleHashes, r.MerkleLevel, r.MerkleDegree = m.MaxLevelHashes, m.MaxLevel, m.MaxDegree
		}
		n.RangeReads = append(n.RangeReads, r)
	}
	for _, mw := range kv.MetadataWrites {
		n.MetaWrites = append(n.MetaWrites, ledger.KVMetaWrite{Key: mw.Key, Entries: metaEntries(mw.Entries)})
	}
	for _, c := range ns.CollectionHashedRwset {
		var h kvrwset.HashedRWSet
		if err := unmarshal(fmt.Sprintf("collection %q: hashed rwset", c.CollectionName), c.HashedRwset, &h); err != nil {
			return n, err
		}
		coll := ledger.CollHashedRW{Collection: c.CollectionName, PvtRWHash: c.PvtRwsetHash}
		for _, r := range h.HashedReads {
			coll.ReadHashes = append(coll.ReadHashes, r.KeyHash)
			hr := ledger.HashedRead{KeyHash: r.KeyHash, Missing: r.Version == nil}
			if r.Version != nil {
				hr.BlockNum, hr.TxNum = r.Version.BlockNum, r.Version.TxNum
			}
			coll.HashedReads = append(coll.HashedReads, hr)
		}
		for _, w := range h.HashedWrites {
			coll.WriteHashes = append(coll.WriteHashes, w.KeyHash)
			coll.HashedWrites = append(coll.HashedWrites, ledger.HashedWrite{
				KeyHash: w.KeyHash, ValueHash: w.ValueHash, IsDelete: w.IsDelete, IsPurge: w.IsPurge,
			})
		}
		for _, mw := range h.MetadataWrites {
			coll.MetaWrites = append(coll.MetaWrites, ledger.HashedMetaWrite{KeyHash: mw.KeyHash, Entries: metaEntries(mw.Entries)})
		}
		n.Collections = append(n.Collections, coll)
	}
	return n, nil
}

// kvReads converts key reads; a read without version saw no key.
func kvReads(in []*kvrwset.KVRead) []ledger.KVRead {
	if len(in) == 0 {
		return nil
	}
	out := make([]ledger.KVRead, len(in))
	for i, r := range in {
		out[i] = ledger.KVRead{Key: r.Key, Missing: r.Version == nil}
		if r.Version != nil {
			out[i].BlockNum, out[i].TxNum = r.Version.BlockNum, r.Version.TxNum
		}
	}
	return out
}

// metaEntries converts key metadata entries.
func metaEntries(in []*kvrwset.KVMetadataEntry) []ledger.MetaEntry {
	out := make([]ledger.MetaEntry, len(in))
	for i, e := range in {
		out[i] = ledger.MetaEntry{Name: e.Name, Value: e.Value}
	}
	return out
}
