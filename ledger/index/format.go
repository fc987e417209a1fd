package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/lianjian/lianjian/ledger/storage"
)

// Record formats. An index records the format of its block, transaction
// and undo records under m/format (keys.go), one byte:
//
//	1  every record JSON, the raw block stored in the block record and
//	   again in each transaction record (indexes written before issue 16;
//	   they have no m/format key)
//	2  binary block, transaction and undo records (record_*.go), the raw
//	   block stored once under B/CHAIN/HEIGHT
//	3  as 2, with transaction records of version 2 (record_tx.go: stored
//	   identities by fingerprint, byte fields by offset into the raw
//	   bytes) and address history entries holding hex ids as bytes
//	   (txIDValue) beside the older forms
//	4  as 3, with block records of version 2 (record_block.go: a
//	   summary of each transaction beside its id) beside those of
//	   version 1
//	5  as 4, with no cross-chain lookup (x/, keys.go): DB.TxAnyChain
//	   reads each chain's transaction record, and the restamp deletes
//	   the lookups of the older formats (dropTxChainLookups); and binary
//	   audit records (V/, record_audit.go) beside JSON ones
//	6  as 5, with the address history of each block written as one
//	   record per address (record_addr.go) beside the entries of one
//	   transaction each
//
// Every other table is the same in all formats. This version reads
// formats 2 to 6; a writer stamps an index of format 2 to 5 as format 6
// on opening it, so that versions which read only the older formats
// refuse it with a FormatError instead of meeting records they cannot
// decode. Its blocks stay as they were written: a block record of
// version 1 has no summaries, and a block page reads them from its
// transaction records.
const (
	legacyFormat  = 1
	binaryFormat  = 2
	currentFormat = 6
)

// FormatError is the error of Open on an index written in a record
// format this version does not read.
type FormatError struct {
	// Dir is the index directory.
	Dir string
	// Have is the index's format, Want the one this version reads.
	Have, Want int
}

// Error says which format the index has and what to do.
func (e *FormatError) Error() string {
	if e.Have < e.Want {
		return fmt.Sprintf("index %s holds blocks in record format %d, this version reads format %d: "+
			"ingest the chains again into a new data directory, or keep using the previous version for this one",
			e.Dir, e.Have, e.Want)
	}
	return fmt.Sprintf("index %s holds blocks in record format %d, newer than format %d this version reads: "+
		"open it with the version that wrote it", e.Dir, e.Have, e.Want)
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }

// checkFormat reads the index's record format. An index with no blocks
// and no format key is new (or holds no ledger data yet): a writer
// stamps it with the current format. One with blocks and no format key
// was written in the legacy format.
func (d *DB) checkFormat(writable bool) error {
	var have int
	err := d.view(func(txn kv) error {
		v, err := txn.Get(formatKey())
		switch {
		case err == nil:
			if len(v) != 1 {
				return fmt.Errorf("%w: format record of %d bytes", ErrRecordFormat, len(v))
			}
			have = int(v[0])
			return nil
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		for _, tag := range []byte{tagBlock, tagTx} {
			it := txn.NewIterator([]byte{tag, '/'}, nil, false)
			found := it.Next()
			err := it.Error()
			it.Release()
			if err != nil {
				return err
			}
			if found {
				have = legacyFormat
				return nil
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case have == currentFormat, readable(have) && !writable:
		return nil
	case have != 0 && !readable(have):
		return &FormatError{Dir: d.dir, Have: have, Want: currentFormat}
	case !writable:
		return nil
	}
	if have >= binaryFormat && have < noTxChainFormat {
		if err := d.dropTxChainLookups(); err != nil {
			return fmt.Errorf("open index %s: delete the cross-chain lookups of format %d: %w", d.dir, have, err)
		}
	}
	return d.update(context.Background(), func(txn kv) error {
		return txn.Set(formatKey(), []byte{currentFormat})
	})
}

// noTxChainFormat is the first format without x/ lookups.
const noTxChainFormat = 5

// txChainBatch is how many x/ keys one write of dropTxChainLookups
// deletes: well inside a badger transaction (about 80 bytes a key).
const txChainBatch = 8192

// dropTxChainLookups deletes the cross-chain lookups (x/) an index
// written before format 5 holds, one batch per write, before the index
// is stamped with the current format: nothing reads them any more, and
// in the LSM tree every compaction would keep rewriting them (about 80
// bytes a transaction). A crash midway leaves the old stamp, and the
// next writable open goes on from where the deletion stopped.
func (d *DB) dropTxChainLookups() error {
	prefix := []byte{tagTxChain, '/'}
	var start []byte
	for {
		var batch [][]byte
		err := d.update(context.Background(), func(txn kv) error {
			batch = batch[:0]
			it := txn.NewIterator(prefix, start, false)
			for len(batch) < txChainBatch && it.Next() {
				batch = append(batch, bytes.Clone(it.Key()))
			}
			err := it.Error()
			it.Release()
			if err != nil {
				return err
			}
			for _, k := range batch {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || len(batch) < txChainBatch {
			return err
		}
		last := batch[len(batch)-1]
		start = append(bytes.Clone(last[len(prefix):]), 0)
	}
}

// readable tells whether this version reads an index of record format
// have, stamped or not.
func readable(have int) bool { return have >= binaryFormat && have <= currentFormat }

// checkMeta checks a record of the meta table (m/NAME).
func checkMeta(name string, v []byte) error {
	if name != "format" {
		return fmt.Errorf("unknown meta record %q", name)
	}
	if len(v) != 1 || !readable(int(v[0])) {
		return fmt.Errorf("record format %v, want %d to %d", v, binaryFormat, currentFormat)
	}
	return nil
}
