package index

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/record"
)

// Report is the result of Check.
type Report struct {
	// Dir is the index directory.
	Dir string
	// Tables and Logs count the table and log files read; Keys counts
	// the records read back and decoded.
	Tables, Logs, Keys int
	// Damage lists what is damaged, files first, then records.
	Damage []Damage
	// Skipped says why not every record was checked; "" when all were.
	Skipped SkipReason
}

// SkipReason says why Check did not read every record.
type SkipReason string

// The reasons.
const (
	// SkipFiles: a damaged table, log, MANIFEST or key registry keeps
	// badger from opening the index safely.
	SkipFiles SkipReason = "badger cannot open the index safely with these files damaged"
	// SkipOpen: badger failed to open the index.
	SkipOpen SkipReason = "badger cannot open the index"
	// SkipStopped: the scan of the records stopped at the damage.
	SkipStopped SkipReason = "the scan of the records stopped at the damage"
	// SkipUnclean: the index was not closed cleanly, and badger reads
	// its write-ahead log only when opened for writing, which Check does
	// not do. Any command that opens the index for writing replays it.
	SkipUnclean SkipReason = "the index was not closed cleanly; a command that opens it for writing replays its write-ahead log"
)

// OK reports whether Check found no damage.
func (r *Report) OK() bool { return len(r.Damage) == 0 }

// Check verifies the index in dir against its own checksums and
// invariants, without changing it: the MANIFEST and key registry parse;
// every table the MANIFEST lists exists and passes its block checksums
// (badger's Table.VerifyChecksum, file by file so that damage is named);
// every value log and write-ahead log entry passes its CRC; and then,
// when badger can open the files safely, DB.VerifyChecksum passes and
// every record reads back and decodes, and every chain checkpoint points
// at a stored block.
//
// Damage goes into the report. The error is for a check that cannot run:
// no index in dir, another process has it open (ErrLocked), or the wrong
// encryption key.
func Check(ctx context.Context, dir string, o Options) (*Report, error) {
	o.ReadOnly, o.InMemory = true, false
	if err := o.Validate(); err != nil {
		return nil, err
	}
	files, err := listDir(dir)
	if err != nil {
		return nil, fmt.Errorf("check index: %w", err)
	}
	if !files.manifest && len(files.tables) == 0 && len(files.vlogs) == 0 {
		return nil, fmt.Errorf("check index: %w: no index in %s", ledger.ErrNotFound, dir)
	}
	unlock, err := lockDir(dir, true)
	if err != nil {
		return nil, fmt.Errorf("check index %s: %w", dir, err)
	}
	defer unlock() // a shared lock: badger's read-only Open takes another
	r := &Report{Dir: dir}
	n, err := checkFiles(dir, o, fileCheck{blocks: true, allLogs: true}, func(d Damage) bool {
		r.Damage = append(r.Damage, d)
		return ctx.Err() == nil
	})
	if err != nil {
		return nil, fmt.Errorf("check index %s: %w", dir, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.Tables, r.Logs = n.tables, n.logs
	for _, d := range r.Damage {
		// Badger reads no value log at a read-only Open; any other
		// damaged file may make it panic or drop data.
		if filepath.Ext(d.File) != ".vlog" {
			r.Skipped = SkipFiles
			return r, nil
		}
	}
	if emptyMemtable(dir) {
		// Left by a crash; badger's read-only Open cannot replay it.
		r.Skipped = SkipUnclean
		return r, nil
	}
	lost := new(lostReads)
	db, err := openBadger(o.badgerOptions(dir, lost))
	if err != nil && strings.Contains(err.Error(), "Log truncate required") {
		r.Skipped = SkipUnclean
		return r, nil
	}
	if err != nil {
		err = openError(dir, err)
		var ce *CorruptError
		if errors.As(err, &ce) {
			r.Damage = append(r.Damage, ce.Damage)
			r.Skipped = SkipOpen
			return r, nil
		}
		return nil, err
	}
	d := newBadgerDB(db, dir, lost)
	if d.blobs, err = o.openBlobs(dir); err != nil {
		db.Close()
		return nil, fmt.Errorf("check index %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.verifyChecksum(); err != nil {
		var ce *CorruptError
		if !errors.As(err, &ce) {
			return nil, err
		}
		r.Damage = append(r.Damage, ce.Damage)
	}
	return r, d.checkRecords(ctx, r)
}

// verifyChecksum runs badger's DB.VerifyChecksum over the tables badger
// opened.
func (d *DB) verifyChecksum() (err error) {
	defer d.recoverCorrupt(&err)
	if err := d.db.VerifyChecksum(); err != nil {
		if err := d.corrupt(err); errors.Is(err, ErrCorrupt) {
			return err
		}
		return &CorruptError{Dir: d.dir, Damage: Damage{File: badgerFile(err.Error()), Kind: DamageChecksum, Err: badgerError(err)}}
	}
	return nil
}

// checkRecords reads back every record, and checks that it decodes and
// that each checkpoint's block is stored.
func (d *DB) checkRecords(ctx context.Context, r *Report) error {
	var last []byte
	checkpoints := map[string]uint64{}
	// Not d.view: lost reads are reported key by key below.
	err := d.viewRecovered(func(txn kv) error {
		it := txn.NewIterator(nil, nil, false)
		defer it.Release()
		for it.Next() {
			if r.Keys%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			k := it.Key()
			last = k
			r.Keys++
			n := d.lost.count()
			v, err := it.Value()
			if c, msg := d.lost.since(n); c > 0 {
				dm := lostDamage(msg)
				dm.First = k
				r.Damage = append(r.Damage, dm)
				continue
			}
			if err != nil {
				var ce *CorruptError
				if !errors.As(d.corrupt(err), &ce) {
					return err
				}
				ce.First = k
				r.Damage = append(r.Damage, ce.Damage)
				continue
			}
			if err := checkRecord(k, v); err != nil {
				r.Damage = append(r.Damage, Damage{Kind: DamageRecord, First: k, Err: err})
				continue
			}
			if k[0] == tagCheckpoint {
				var cp ledger.Checkpoint
				_ = json.Unmarshal(v, &cp) // checked by checkRecord
				checkpoints[string(k[2:])] = cp.Height
			}
		}
		if err := it.Error(); err != nil {
			return err
		}
		for chain, h := range checkpoints {
			if ok, err := txn.Has(blockKey(chain, h)); err != nil {
				return err
			} else if !ok {
				r.Damage = append(r.Damage, Damage{Kind: DamageRecord, First: checkpointKey(chain),
					Err: fmt.Errorf("checkpoint of chain %s is at block %d, which is not stored", chain, h)})
			}
		}
		return nil
	})
	var ce *CorruptError
	if errors.As(err, &ce) {
		// A panic ended the scan: the damage lies after the last key read.
		if ce.First == nil {
			ce.First = last
		}
		r.Damage = append(r.Damage, ce.Damage)
		r.Skipped = SkipStopped
		return nil
	}
	return err
}

func (d *DB) viewRecovered(fn func(txn kv) error) (err error) {
	defer d.recoverCorrupt(&err)
	return d.corrupt(d.db.View(func(txn *badger.Txn) error { return fn(badgerkv.Txn{T: txn, B: d.blobs}) }))
}

// valueFormat is how a table stores its values.
type valueFormat int

const (
	jsonValue    valueFormat = iota // put: JSON
	emptyValue                      // presence only
	heightValue                     // a big-endian uint64
	textValue                       // a transaction id (txIDValue), or a block's address history (record_addr.go)
	journalValue                    // spill.go's before-images
	binaryValue                     // a binary record (record_*.go)
	rawValue                        // bytes as a chain sent them
)

// recordFormats maps every table tag (keys.go) to its value format;
// TestRecordFormatsCoverTags keeps it complete.
var recordFormats = map[byte]valueFormat{
	tagChain: jsonValue, tagCheckpoint: jsonValue, tagBlock: binaryValue, tagUndo: binaryValue,
	tagHash: heightValue, tagTx: binaryValue, tagRawBlock: rawValue, tagMeta: binaryValue, tagTxChain: emptyValue, tagAddr: textValue,
	tagContract: jsonValue, tagReorg: jsonValue, tagFinding: jsonValue, tagFindChain: emptyValue,
	tagFabricConfig: jsonValue, tagFabricIdentity: jsonValue, tagFabricIDDelta: jsonValue, tagChaincodeDef: jsonValue,
	tagToken: jsonValue, tagChange: jsonValue, tagState: jsonValue, tagAuditLog: jsonValue,
	tagSearch: jsonValue, tagDelivery: jsonValue,
	tagNode: jsonValue, tagNodeRev: jsonValue, tagProbe: jsonValue, tagRisk: jsonValue,
	tagVerdict: binaryValue, tagAuditCheckpoint: jsonValue, tagKeyPolicy: jsonValue,
	tagContractScan: jsonValue, tagContractScanStep: jsonValue, tagGovernance: jsonValue,
	tagAuditHead: jsonValue, tagJournal: journalValue, tagAuditState: jsonValue,
	tagStateVersion: jsonValue, tagKeyPolicyVersion: jsonValue, tagAuditHistory: jsonValue,
}

// checkRecord checks that the value v of key k decodes, into its model
// type where the index owns one, and agrees with its key.
func checkRecord(k, v []byte) error {
	if len(k) < 2 || k[1] != '/' {
		return errors.New("key has no table tag")
	}
	format, ok := recordFormats[k[0]]
	if !ok {
		// A table of a newer version: it must still be JSON or empty.
		if len(v) > 0 && !json.Valid(v) {
			return fmt.Errorf("record of unknown table %q is neither JSON nor empty", k[0])
		}
		return nil
	}
	switch format {
	case emptyValue:
		if len(v) != 0 {
			return fmt.Errorf("want an empty value, have %d bytes", len(v))
		}
		return nil
	case heightValue:
		if len(v) != 8 {
			return fmt.Errorf("want an 8-byte height, have %d bytes", len(v))
		}
		return nil
	case textValue:
		if n := len(k); k[0] == tagAddr && n >= 16 && k[n-1] == '/' {
			// A block's record: its key ends in the position and an
			// empty role, where a transaction's ends in its role.
			pos := k[n-13 : n-1]
			_, err := decodeAddrGroup("", binary.BigEndian.Uint64(pos), int(binary.BigEndian.Uint32(pos[8:])), v)
			return err
		}
		_, err := parseTxIDValue(v)
		return err
	case journalValue:
		return readJournal(v, func([]byte, []byte, bool) error { return nil })
	case rawValue:
		return nil
	}
	rest := string(k[2:])
	switch k[0] {
	case tagChain:
		var c ledger.Chain
		if err := decode(v, &c); err != nil {
			return err
		}
		if c.ID != rest {
			return fmt.Errorf("chain record names %q", c.ID)
		}
	case tagCheckpoint:
		var cp ledger.Checkpoint
		return decode(v, &cp)
	case tagBlock:
		var b blockRecord
		if err := decodeBlock(v, &b, true); err != nil {
			return err
		}
		chain, h, ok := strings.Cut(rest, "/")
		if !ok || len(h) != 8 || b.Chain != chain || b.Height != binary.BigEndian.Uint64([]byte(h)) {
			return fmt.Errorf("block record is block %d of chain %q", b.Height, b.Chain)
		}
	case tagTx:
		var tx ledger.Tx
		chain, id, _ := strings.Cut(rest, "/")
		if _, err := decodeTx(v, chain, id, &tx); err != nil {
			return err
		}
		if tx.Chain != chain || tx.ID != id {
			return fmt.Errorf("transaction record is %q of chain %q", tx.ID, tx.Chain)
		}
	case tagUndo:
		_, err := decodeUndo(v)
		return err
	case tagMeta:
		return checkMeta(rest, v)
	case tagVerdict:
		chain, h, ok := strings.Cut(rest, "/")
		if !ok || len(h) != 8 {
			return errors.New("audit record key has no height")
		}
		var rec record.AuditRecord
		return decodeAudit(v, chain, binary.BigEndian.Uint64([]byte(h)), &rec)
	case tagFinding:
		var f ledger.Finding
		return decode(v, &f)
	default:
		if !json.Valid(v) {
			return errors.New("corrupt record: not JSON")
		}
	}
	return nil
}
