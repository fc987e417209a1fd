package fabric

import (
	"unicode/utf8"

	"github.com/lianjian/lianjian/ledger"
)

// The read/write sets of a chaincode action, read from the wire format;
// see wire.go for the rules.

// nsMsg is a rwset.NsReadWriteSet.
type nsMsg struct {
	namespace   []byte
	rwset       []byte
	collections []collMsg
}

// collMsg is a rwset.CollectionHashedReadWriteSet.
type collMsg struct{ name, hashed, pvtHash []byte }

// parseTxRWSet parses a rwset.TxReadWriteSet, appending its namespaces.
func parseTxRWSet(b []byte, out *[]nsMsg) error {
	w := wire{b: b}
	for w.next() {
		if w.num != 2 {
			w.skip()
			continue
		}
		w.sub(func(v []byte) error {
			var ns nsMsg
			err := ns.parse(v)
			if err == nil {
				*out = append(*out, ns)
			}
			return err
		})
	}
	return w.err
}

// parse parses a rwset.NsReadWriteSet into m.
func (m *nsMsg) parse(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.str(); ok {
				m.namespace = v
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.rwset = noZero(v)
			}
		case 3:
			w.sub(func(v []byte) error {
				var c collMsg
				err := c.parse(v)
				if err == nil {
					m.collections = append(m.collections, c)
				}
				return err
			})
		default:
			w.skip()
		}
	}
	return w.err
}

// parse parses a rwset.CollectionHashedReadWriteSet into m.
func (m *collMsg) parse(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.str(); ok {
				m.name = v
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.hashed = noZero(v)
			}
		case 3:
			if v, ok := w.bytes(); ok {
				m.pvtHash = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// parseKVRWSet parses a kvrwset.KVRWSet into the reads, writes, range
// reads and metadata writes of n. On error n is left unchanged.
func parseKVRWSet(b []byte, n *ledger.NsRWSet) error {
	var out ledger.NsRWSet
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			w.sub(func(v []byte) error {
				r, err := parseKVRead(v)
				if err == nil {
					out.Reads = append(out.Reads, r)
				}
				return err
			})
		case 2:
			w.sub(func(v []byte) error {
				r, err := parseRangeQuery(v)
				if err == nil {
					out.RangeReads = append(out.RangeReads, r)
				}
				return err
			})
		case 3:
			w.sub(func(v []byte) error {
				kw, err := parseKVWrite(v)
				if err == nil {
					out.Writes = append(out.Writes, kw)
				}
				return err
			})
		case 4:
			w.sub(func(v []byte) error {
				var mw ledger.KVMetaWrite
				key, err := parseMetaWrite(v, true, &mw.Entries)
				if err == nil {
					mw.Key = string(key)
					out.MetaWrites = append(out.MetaWrites, mw)
				}
				return err
			})
		default:
			w.skip()
		}
	}
	if w.err != nil {
		return w.err
	}
	n.Reads, n.Writes, n.RangeReads, n.MetaWrites = out.Reads, out.Writes, out.RangeReads, out.MetaWrites
	return nil
}

// parseVersion merges a kvrwset.Version into its block and tx numbers.
func parseVersion(b []byte, block, tx *uint64) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.varint(); ok {
				*block = v
			}
		case 2:
			if v, ok := w.varint(); ok {
				*tx = v
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// parseKVRead parses a kvrwset.KVRead; a read without version saw no key.
func parseKVRead(b []byte) (ledger.KVRead, error) {
	var key []byte
	r := ledger.KVRead{Missing: true}
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.str(); ok {
				key = v
			}
		case 2:
			w.sub(func(v []byte) error { return parseVersion(v, &r.BlockNum, &r.TxNum) })
			r.Missing = false // present whatever its wire type (see wire.go)
		default:
			w.skip()
		}
	}
	r.Key = string(key)
	return r, w.err
}

// parseKVWrite parses a kvrwset.KVWrite.
func parseKVWrite(b []byte) (ledger.KVWrite, error) {
	var key []byte
	var kw ledger.KVWrite
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.str(); ok {
				key = v
			}
		case 2:
			if v, ok := w.varint(); ok {
				kw.IsDelete = v != 0
			}
		case 3:
			if v, ok := w.bytes(); ok {
				kw.Value = noZero(v)
			}
		default:
			w.skip()
		}
	}
	kw.Key = string(key)
	return kw, w.err
}

// parseMetaWrite parses a kvrwset.KVMetadataWrite (strKey) or
// KVMetadataWriteHash (the same fields with a bytes key), returning the
// key. entries is never nil on success, as the model has always had it.
func parseMetaWrite(b []byte, strKey bool, entries *[]ledger.MetaEntry) ([]byte, error) {
	var key []byte
	out := []ledger.MetaEntry{}
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			v, ok := w.bytes()
			if ok && strKey && !utf8.Valid(v) {
				w.err = errUTF8
			} else if ok {
				key = v
			}
		case 2:
			w.sub(func(v []byte) error {
				e, err := parseMetaEntry(v)
				if err == nil {
					out = append(out, e)
				}
				return err
			})
		default:
			w.skip()
		}
	}
	*entries = out
	return key, w.err
}

// parseMetaEntry parses a kvrwset.KVMetadataEntry.
func parseMetaEntry(b []byte) (ledger.MetaEntry, error) {
	var name []byte
	var e ledger.MetaEntry
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.str(); ok {
				name = v
			}
		case 2:
			if v, ok := w.bytes(); ok {
				e.Value = noZero(v)
			}
		default:
			w.skip()
		}
	}
	e.Name = string(name)
	return e, w.err
}

// parseRangeQuery parses a kvrwset.RangeQueryInfo. Its reads_info oneof
// behaves as proto.Unmarshal's: a repeated member merges, the other
// member replaces it.
func parseRangeQuery(b []byte) (ledger.RangeRead, error) {
	var start, end []byte
	var r ledger.RangeRead
	var oneof int // field number of the set reads_info member, 0 for none
	var keys []ledger.KVRead
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.str(); ok {
				start = v
			}
		case 2:
			if v, ok := w.str(); ok {
				end = v
			}
		case 3:
			if v, ok := w.varint(); ok {
				r.ItrExhausted = v != 0
			}
		case 4:
			v, ok := w.bytes()
			if !ok {
				break
			}
			if oneof != 4 {
				keys = nil
			}
			if err := parseQueryReads(v, &keys); err != nil {
				w.err = err
				break
			}
			oneof = 4
		case 5:
			v, ok := w.bytes()
			if !ok {
				break
			}
			if oneof != 5 {
				r.MerkleHashes, r.MerkleLevel, r.MerkleDegree = nil, 0, 0
			}
			if err := parseMerkleSummary(v, &r); err != nil {
				w.err = err
				break
			}
			oneof = 5
		default:
			w.skip()
		}
	}
	if oneof != 5 {
		r.MerkleHashes, r.MerkleLevel, r.MerkleDegree = nil, 0, 0
	}
	if oneof == 4 {
		r.Keys = keys
	}
	r.StartKey, r.EndKey = string(start), string(end)
	return r, w.err
}

// parseQueryReads merges a kvrwset.QueryReads, appending its reads.
func parseQueryReads(b []byte, keys *[]ledger.KVRead) error {
	w := wire{b: b}
	for w.next() {
		if w.num != 1 {
			w.skip()
			continue
		}
		w.sub(func(v []byte) error {
			r, err := parseKVRead(v)
			if err == nil {
				*keys = append(*keys, r)
			}
			return err
		})
	}
	return w.err
}

// parseMerkleSummary merges a kvrwset.QueryReadsMerkleSummary into r.
func parseMerkleSummary(b []byte, r *ledger.RangeRead) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.varint(); ok {
				r.MerkleDegree = uint32(v)
			}
		case 2:
			if v, ok := w.varint(); ok {
				r.MerkleLevel = uint32(v)
			}
		case 3:
			if v, ok := w.bytes(); ok {
				r.MerkleHashes = append(r.MerkleHashes, v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// parseHashedRWSet parses a kvrwset.HashedRWSet into the hashed reads,
// writes and metadata writes of c.
func parseHashedRWSet(b []byte, c *ledger.CollHashedRW) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			w.sub(func(v []byte) error {
				hr := ledger.HashedRead{Missing: true}
				err := parseHashedRead(v, &hr)
				if err == nil {
					c.ReadHashes = append(c.ReadHashes, hr.KeyHash)
					c.HashedReads = append(c.HashedReads, hr)
				}
				return err
			})
		case 2:
			w.sub(func(v []byte) error {
				hw, err := parseHashedWrite(v)
				if err == nil {
					c.WriteHashes = append(c.WriteHashes, hw.KeyHash)
					c.HashedWrites = append(c.HashedWrites, hw)
				}
				return err
			})
		case 3:
			w.sub(func(v []byte) error {
				var mw ledger.HashedMetaWrite
				key, err := parseMetaWrite(v, false, &mw.Entries)
				if err == nil {
					mw.KeyHash = noZero(key)
					c.MetaWrites = append(c.MetaWrites, mw)
				}
				return err
			})
		default:
			w.skip()
		}
	}
	return w.err
}

// parseHashedRead parses a kvrwset.KVReadHash into hr.
func parseHashedRead(b []byte, hr *ledger.HashedRead) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				hr.KeyHash = noZero(v)
			}
		case 2:
			w.sub(func(v []byte) error { return parseVersion(v, &hr.BlockNum, &hr.TxNum) })
			hr.Missing = false // present whatever its wire type (see wire.go)
		default:
			w.skip()
		}
	}
	return w.err
}

// parseHashedWrite parses a kvrwset.KVWriteHash.
func parseHashedWrite(b []byte) (ledger.HashedWrite, error) {
	var hw ledger.HashedWrite
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				hw.KeyHash = noZero(v)
			}
		case 2:
			if v, ok := w.varint(); ok {
				hw.IsDelete = v != 0
			}
		case 3:
			if v, ok := w.bytes(); ok {
				hw.ValueHash = noZero(v)
			}
		case 4:
			if v, ok := w.varint(); ok {
				hw.IsPurge = v != 0
			}
		default:
			w.skip()
		}
	}
	return hw, w.err
}
