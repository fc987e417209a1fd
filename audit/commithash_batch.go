package audit

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"fmt"
	"hash"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger"
)

// The update batch a Fabric peer commits for a block, rebuilt from the
// block as the peer's state validator does (Fabric v2.2.2 to v3.x,
// core/ledger/kvledger/txmgmt/validation: tx_ops.go prepareTxOps and
// applyTxRwset, types.go applyWriteSet), and the deterministic bytes the
// commit hash covers (txmgmt/txmgr update_batch_bytes.go).

// Key operations of one transaction, summed (not or-ed) per key as
// Fabric's keyOps flag does, so that duplicate writes of one key in a
// forged write set are judged as the peer judges them.
const (
	opUpsert     uint8 = 1
	opMetaUpdate uint8 = 2
	opMetaDelete uint8 = 4
	opDelete     uint8 = 8
)

// stateKey names a key of the world state: a public key (coll empty) or
// the hash of a private key in a collection.
type stateKey struct {
	ns, coll, key string
}

// stateWrite is one entry of an update batch: the key's new value (the
// value hash for a private key), nil for a delete, written by transaction
// tx of the block.
type stateWrite struct {
	value []byte
	tx    uint64
}

// commitOp is what one transaction does to one key.
type commitOp struct {
	flag  uint8
	value []byte
}

// sha256Empty is the hash of an empty private value, which Fabric treats
// as a delete (FAB-18386).
var sha256Empty = sha256.Sum256(nil)

// commitLookup is the latest value of a key the batch of a block may need.
type commitLookup func(k stateKey) (value []byte, found, known bool)

// updateBatch is the update batch of one block under construction.
type updateBatch struct {
	height uint64
	writes map[stateKey]stateWrite
	// unknown says why the batch cannot be rebuilt exactly, empty when
	// it can; lost is set when, moreover, the state after the block is
	// not known.
	unknown string
	lost    bool
}

// buildBatch rebuilds the public and hashed updates a peer commits for b:
// the writes of its VALID endorser transactions in order, later ones
// replacing earlier ones. A metadata-only update takes the key's latest
// value from earlier transactions of the block or from state. When visit
// is not nil it is called with each endorser transaction and the updates
// of the VALID ones before it, as the peer's validator sees them.
func buildBatch(b *ledger.Block, state commitLookup, visit func(i int, tx *ledger.Tx, u *updateBatch)) *updateBatch {
	u := &updateBatch{height: b.Height, writes: map[stateKey]stateWrite{}}
	for i := range b.Txs {
		tx := &b.Txs[i]
		if tx.Type != typeEndorser {
			// Only CONFIG transactions among the others write, to the
			// empty namespace, which the commit hash leaves out.
			continue
		}
		if visit != nil {
			visit(i, tx, u)
		}
		if !tx.Valid {
			continue
		}
		if tx.Fabric.DecodeError != "" {
			u.setUnknown(fmt.Sprintf("VALID tx %d does not decode: %s", i, tx.Fabric.DecodeError))
			u.lost = true
			continue
		}
		u.apply(i, txOps(tx.Fabric.RWSets), state)
	}
	return u
}

func (u *updateBatch) setUnknown(why string) {
	if u.unknown == "" {
		u.unknown = why
	}
}

// txOps sums the operations of one transaction per key, as Fabric's
// applyTxRwset: public writes and metadata writes, then each collection's
// hashed writes and metadata writes, namespace by namespace.
func txOps(rws []ledger.NsRWSet) map[stateKey]*commitOp {
	ops := map[stateKey]*commitOp{}
	op := func(k stateKey) *commitOp {
		o := ops[k]
		if o == nil {
			o = &commitOp{}
			ops[k] = o
		}
		return o
	}
	write := func(k stateKey, value []byte, del bool) {
		o := op(k)
		if del {
			o.flag += opDelete
			return
		}
		o.flag += opUpsert
		o.value = value
	}
	meta := func(k stateKey, entries int) {
		if entries == 0 {
			op(k).flag += opMetaDelete
		} else {
			op(k).flag += opMetaUpdate
		}
	}
	for _, ns := range rws {
		for _, w := range ns.Writes {
			write(stateKey{ns.Namespace, "", w.Key}, w.Value, w.IsDelete || len(w.Value) == 0)
		}
		for _, m := range ns.MetaWrites {
			meta(stateKey{ns.Namespace, "", m.Key}, len(m.Entries))
		}
		for _, c := range ns.Collections {
			for _, w := range c.HashedWrites {
				del := w.IsDelete || len(w.ValueHash) == 0 || bytes.Equal(w.ValueHash, sha256Empty[:])
				write(stateKey{ns.Namespace, c.Collection, string(w.KeyHash)}, w.ValueHash, del)
			}
			for _, m := range c.MetaWrites {
				meta(stateKey{ns.Namespace, c.Collection, string(m.KeyHash)}, len(m.Entries))
			}
		}
	}
	return ops
}

// apply adds the operations of transaction tx to the batch, as Fabric's
// prepareTxOps and applyWriteSet.
// Keys are taken in order so that what is reported does not vary.
func (u *updateBatch) apply(tx int, ops map[stateKey]*commitOp, state commitLookup) {
	for _, k := range slices.SortedFunc(maps.Keys(ops), compareKeys) {
		o := ops[k]
		value := o.value
		switch {
		case o.flag&opDelete == opDelete:
			u.writes[k] = stateWrite{tx: uint64(tx)}
			continue
		case o.flag&opUpsert == opUpsert && o.flag&(opMetaUpdate|opMetaDelete) != 0, o.flag|opUpsert == opUpsert:
			// The transaction's own value (with or without metadata).
		default:
			// Metadata only: the key keeps its latest value, and the
			// update is dropped when the key does not exist.
			var found, known bool
			if w, ok := u.writes[k]; ok {
				value, found, known = w.value, true, true
			} else {
				value, found, known = state(k)
			}
			if !known {
				u.setUnknown(fmt.Sprintf("tx %d updates only the metadata of %s, whose value is not known to the audit", tx, k))
				continue
			}
			if !found {
				continue
			}
		}
		if value == nil {
			// Fabric's update batch panics on a nil value: no peer commits
			// such a block.
			u.setUnknown(fmt.Sprintf("tx %d leaves %s without a value, which no Fabric peer commits", tx, k))
			u.lost = true
			continue
		}
		u.writes[k] = stateWrite{value: value, tx: uint64(tx)}
	}
}

// String names a state key in messages.
func (k stateKey) String() string {
	if k.coll == "" {
		return fmt.Sprintf("key %q of %s", k.key, k.ns)
	}
	return fmt.Sprintf("private key hash %x of %s/%s", k.key, k.ns, k.coll)
}

// count returns the number of writes the commit hash covers.
func (u *updateBatch) count() int {
	n := 0
	for k := range u.writes {
		if k.ns != "" {
			n++
		}
	}
	return n
}

// sortedKeys returns the batch's keys in the order of its deterministic
// bytes: by namespace, public keys before collections, collections by
// name, keys by their bytes. The empty namespace (the peer's copy of the
// channel config) is left out.
func (u *updateBatch) sortedKeys() []stateKey {
	keys := make([]stateKey, 0, len(u.writes))
	for k := range u.writes {
		if k.ns != "" {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// compareKeys orders keys by namespace, collection (public first) and key
// bytes.
func compareKeys(a, b stateKey) int {
	return cmp.Or(strings.Compare(a.ns, b.ns), strings.Compare(a.coll, b.coll), strings.Compare(a.key, b.key))
}

// writeUpdates writes the deterministic bytes of the batch to h: a
// marshalled Updates{repeated KVWrite kvwrites = 1} where KVWrite is
// {1 namespace, 2 collection, 3 key, 4 isDelete, 5 value, 6 version_bytes}
// (proto3: empty fields are left out). Namespace is set on the first
// write of each namespace and collection on the first write of each
// collection.
func (u *updateBatch) writeUpdates(h hash.Hash) {
	var kv, hdr []byte
	prevNS, prevColl := "", ""
	first := true
	for _, k := range u.sortedKeys() {
		w := u.writes[k]
		kv = kv[:0]
		newNS := first || k.ns != prevNS
		if newNS {
			kv = appendBytesField(kv, 1, []byte(k.ns))
		}
		if k.coll != "" && (newNS || k.coll != prevColl) {
			kv = appendBytesField(kv, 2, []byte(k.coll))
		}
		kv = appendBytesField(kv, 3, []byte(k.key))
		if w.value == nil {
			kv = protowire.AppendTag(kv, 4, protowire.VarintType)
			kv = protowire.AppendVarint(kv, 1)
		}
		kv = appendBytesField(kv, 5, w.value)
		kv = appendBytesField(kv, 6, versionBytes(u.height, w.tx))
		hdr = protowire.AppendTag(hdr[:0], 1, protowire.BytesType)
		hdr = protowire.AppendVarint(hdr, uint64(len(kv)))
		h.Write(hdr)
		h.Write(kv)
		prevNS, prevColl, first = k.ns, k.coll, false
	}
}

// appendBytesField appends a proto3 bytes or string field, left out when
// empty.
func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// versionBytes encodes a version (block, tx) as Fabric's Height.ToBytes:
// each number as its big-endian bytes without leading zeros, preceded by
// their count.
func versionBytes(block, tx uint64) []byte {
	return appendOrderPreserving(appendOrderPreserving(make([]byte, 0, 18), block), tx)
}

func appendOrderPreserving(b []byte, n uint64) []byte {
	size := 0
	for v := n; v > 0; v >>= 8 {
		size++
	}
	b = append(b, byte(size))
	for i := size - 1; i >= 0; i-- {
		b = append(b, byte(n>>(8*i)))
	}
	return b
}
