package index

// The undo list (u/CHAIN/HEIGHT, keys.go): the secondary keys a block
// wrote, which Rollback deletes. Layout (record_codec.go): the version
// byte undoRecordVersion, then the number of keys and each key.
const undoRecordVersion = 1

// encodeUndo returns the undo record of keys.
func encodeUndo(keys [][]byte) []byte {
	n := 1 + 4
	for _, k := range keys {
		n += len(k) + 2
	}
	w := recWriter{b: make([]byte, 0, n)}
	w.b = append(w.b, undoRecordVersion)
	w.uint(uint64(len(keys)))
	for _, k := range keys {
		// As w.str(string(k)) writes it, without copying k to a string.
		w.uint(uint64(len(k)))
		w.b = append(w.b, k...)
	}
	return w.b
}

// decodeUndo decodes an undo record; the keys alias v.
func decodeUndo(v []byte) ([][]byte, error) {
	r := recReader{b: v, what: "undo record"}
	r.version(undoRecordVersion)
	n := r.uint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.fail("%d keys in %d bytes", n, len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = r.take(r.uint())
		if r.err == nil && len(keys[i]) == 0 {
			r.fail("empty key")
		}
	}
	return keys, r.end()
}
