package fabric

import "github.com/lianjian/lianjian/ledger"

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
	ns := func(b []byte) error {
		var m nsMsg
		coll := func(b []byte) error {
			var c collMsg
			err := parseFields(b, field{str: &c.name}, field{bytes: &c.hashed}, field{bytes: &c.pvtHash})
			if err == nil {
				m.collections = append(m.collections, c)
			}
			return err
		}
		err := parseFields(b, field{str: &m.namespace}, field{bytes: &m.rwset}, field{msg: coll})
		if err == nil {
			*out = append(*out, m)
		}
		return err
	}
	return parseFields(b, field{}, field{msg: ns})
}

// parseKVRWSet parses a kvrwset.KVRWSet into the reads, writes, range
// reads and metadata writes of n. On error n is left unchanged.
func parseKVRWSet(b []byte, n *ledger.NsRWSet) error {
	var out ledger.NsRWSet
	read := func(b []byte) error {
		r, err := parseKVRead(b)
		if err == nil {
			out.Reads = append(out.Reads, r)
		}
		return err
	}
	rangeQuery := func(b []byte) error {
		r, err := parseRangeQuery(b)
		if err == nil {
			out.RangeReads = append(out.RangeReads, r)
		}
		return err
	}
	write := func(b []byte) error {
		var key, value []byte
		var del uint64
		err := parseFields(b, field{str: &key}, field{varint: &del}, field{bytes: &value})
		if err == nil {
			out.Writes = append(out.Writes, ledger.KVWrite{Key: string(key), IsDelete: del != 0, Value: value})
		}
		return err
	}
	metaWrite := func(b []byte) error {
		var mw ledger.KVMetaWrite
		key, err := parseMetaWrite(b, true, &mw.Entries)
		if err == nil {
			mw.Key = string(key)
			out.MetaWrites = append(out.MetaWrites, mw)
		}
		return err
	}
	if err := parseFields(b, field{msg: read}, field{msg: rangeQuery}, field{msg: write}, field{msg: metaWrite}); err != nil {
		return err
	}
	n.Reads, n.Writes, n.RangeReads, n.MetaWrites = out.Reads, out.Writes, out.RangeReads, out.MetaWrites
	return nil
}

// parseRead parses a kvrwset.KVRead or KVReadHash (the same fields, a
// string or bytes key) into its key and version; present tells a read of
// a key that existed.
func parseRead(b []byte, strKey bool) (key []byte, block, tx uint64, present bool, err error) {
	version := func(b []byte) error {
		return parseFields(b, field{varint: &block}, field{varint: &tx})
	}
	k := field{bytes: &key}
	if strKey {
		k = field{str: &key}
	}
	err = parseFields(b, k, field{msg: version, legacy: &present})
	return key, block, tx, present, err
}

// parseKVRead parses a kvrwset.KVRead; a read without version saw no key.
func parseKVRead(b []byte) (ledger.KVRead, error) {
	key, block, tx, present, err := parseRead(b, true)
	return ledger.KVRead{Key: string(key), BlockNum: block, TxNum: tx, Missing: !present}, err
}

// parseMetaWrite parses a kvrwset.KVMetadataWrite (strKey) or
// KVMetadataWriteHash (the same fields with a bytes key), returning the
// key. entries is never nil on success, as the model has always had it.
func parseMetaWrite(b []byte, strKey bool, entries *[]ledger.MetaEntry) ([]byte, error) {
	var key []byte
	out := []ledger.MetaEntry{}
	entry := func(b []byte) error {
		var name, value []byte
		err := parseFields(b, field{str: &name}, field{bytes: &value})
		if err == nil {
			out = append(out, ledger.MetaEntry{Name: string(name), Value: value})
		}
		return err
	}
	k := field{bytes: &key}
	if strKey {
		k = field{str: &key}
	}
	err := parseFields(b, k, field{msg: entry})
	*entries = out
	return key, err
}

// parseRangeQuery parses a kvrwset.RangeQueryInfo. Its reads_info oneof
// behaves as proto.Unmarshal's: a repeated member merges, the other
// member replaces it.
func parseRangeQuery(b []byte) (ledger.RangeRead, error) {
	var start, end []byte
	var exhausted, degree, level uint64
	var hashes [][]byte
	var keys []ledger.KVRead
	oneof := 0 // field number of the set reads_info member, 0 for none
	raw := func(b []byte) error {
		if oneof != 4 {
			keys = nil
		}
		read := func(b []byte) error {
			r, err := parseKVRead(b)
			if err == nil {
				keys = append(keys, r)
			}
			return err
		}
		if err := parseFields(b, field{msg: read}); err != nil {
			return err
		}
		oneof = 4
		return nil
	}
	merkle := func(b []byte) error {
		if oneof != 5 {
			degree, level, hashes = 0, 0, nil
		}
		if err := parseFields(b, field{varint: &degree}, field{varint: &level}, field{list: &hashes}); err != nil {
			return err
		}
		oneof = 5
		return nil
	}
	err := parseFields(b, field{str: &start}, field{str: &end}, field{varint: &exhausted}, field{msg: raw}, field{msg: merkle})
	r := ledger.RangeRead{StartKey: string(start), EndKey: string(end), ItrExhausted: exhausted != 0}
	switch oneof {
	case 4:
		r.Keys = keys
	case 5:
		r.MerkleHashes, r.MerkleLevel, r.MerkleDegree = hashes, uint32(level), uint32(degree)
	}
	return r, err
}

// parseHashedRWSet parses a kvrwset.HashedRWSet into the hashed reads,
// writes and metadata writes of c.
func parseHashedRWSet(b []byte, c *ledger.CollHashedRW) error {
	read := func(b []byte) error {
		key, block, tx, present, err := parseRead(b, false)
		if err == nil {
			c.ReadHashes = append(c.ReadHashes, key)
			c.HashedReads = append(c.HashedReads, ledger.HashedRead{KeyHash: key, BlockNum: block, TxNum: tx, Missing: !present})
		}
		return err
	}
	write := func(b []byte) error {
		var hw ledger.HashedWrite
		var del, purge uint64
		err := parseFields(b, field{bytes: &hw.KeyHash}, field{varint: &del}, field{bytes: &hw.ValueHash}, field{varint: &purge})
		if err == nil {
			hw.IsDelete, hw.IsPurge = del != 0, purge != 0
			c.WriteHashes = append(c.WriteHashes, hw.KeyHash)
			c.HashedWrites = append(c.HashedWrites, hw)
		}
		return err
	}
	metaWrite := func(b []byte) error {
		var mw ledger.HashedMetaWrite
		key, err := parseMetaWrite(b, false, &mw.Entries)
		if err == nil {
			mw.KeyHash = key
			c.MetaWrites = append(c.MetaWrites, mw)
		}
		return err
	}
	return parseFields(b, field{msg: read}, field{msg: write}, field{msg: metaWrite})
}
