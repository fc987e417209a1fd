package index

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/storage"
)

// Badger panics on some damage it meets while reading (a table block
// whose entry offsets no longer parse); its errors name the damaged file
// only in their text; and a value it cannot read from a value log comes
// back empty, with no error, the failure only logged. The index boundary
// turns all three into *CorruptError values: view and commit recover,
// watch the log through lostReads, and translate errors with corrupt.

// view runs fn on one consistent state of the index.
func (d *DB) view(fn func(txn kv) error) error { return closed(d.be.view(fn)) }

// badgerView runs fn in a read-only badger transaction.
func (d *DB) badgerView(fn func(txn kv) error) (err error) {
	defer d.recoverCorrupt(&err)
	n := d.lost.count()
	err = d.db.View(func(txn *badger.Txn) error { return fn(badgerkv.Txn{T: txn, B: d.blobs}) })
	return d.checkLost(n, err)
}

// commit runs fn in one read-write transaction.
func (d *DB) commit(fn func(txn kv) error) (err error) {
	defer d.recoverCorrupt(&err)
	n := d.lost.count()
	err = d.db.Update(func(txn *badger.Txn) error {
		return badgerkv.Txn{T: txn, B: d.blobs}.Run(func(rw storage.ReadWriter) error { return fn(rw) })
	})
	return d.checkLost(n, err)
}

// checkLost returns a *CorruptError if badger failed to read a value
// since the lost count was n, else err translated by corrupt. A read that
// failed in another goroutine meanwhile is reported here too: both meet
// the same damage.
func (d *DB) checkLost(n int64, err error) error {
	if c, msg := d.lost.since(n); c > 0 {
		return &CorruptError{Dir: d.dir, Damage: lostDamage(msg)}
	}
	return d.corrupt(err)
}

// lostReads counts badger's "Unable to read" errors: values it could not
// read from a value log and returned empty.
type lostReads struct {
	mu   sync.Mutex
	n    int64
	last string // the last "Unable to read" message
}

// note counts an "Unable to read" message. Badger follows it with one
// message per version of the key, naming the value log file; when the
// first does not name one, note adds the file of the next.
func (l *lostReads) note(msg string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case strings.HasPrefix(msg, "Unable to read"):
		l.n++
		l.last = msg
	case strings.HasPrefix(msg, "Key: ") && l.last != "" && badgerFile(l.last) == "":
		if f := badgerFile(msg); f != "" {
			l.last += " (" + f + ")"
		}
	}
}

func (l *lostReads) count() int64 {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// since returns how many reads were lost since the count was n, and the
// last one's message.
func (l *lostReads) since(n int64) (int64, string) {
	if l == nil {
		return 0, ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n - n, l.last
}

var lostKeyRE = regexp.MustCompile(`Key: \[([0-9 ]*)\]`)

// lostDamage describes a lost read from badger's message, which names
// the key (as decimal bytes) and the value log file.
func lostDamage(msg string) Damage {
	d := Damage{File: badgerFile(msg), Kind: DamageUnreadable}
	if strings.Contains(msg, "checksum mismatch") {
		d.Kind = DamageChecksum
	}
	cause := msg
	if _, after, ok := strings.Cut(msg, "Error: "); ok {
		cause = after
	}
	d.Err = fmt.Errorf("a value stored in it cannot be read: %s", oneLine(cause, 200))
	if m := lostKeyRE.FindStringSubmatch(msg); m != nil {
		for _, f := range strings.Fields(m[1]) {
			var c byte
			if _, err := fmt.Sscan(f, &c); err != nil {
				return d
			}
			d.First = append(d.First, c)
		}
	}
	return d
}

// recoverCorrupt turns a panic inside badger into a *CorruptError.
func (d *DB) recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		pe := panicError(r)
		*err = &CorruptError{Dir: d.dir, Damage: Damage{File: badgerFile(pe.Error()), Kind: DamageUnreadable, Err: pe}}
	}
}

// corrupt turns badger's errors for damaged data into a *CorruptError;
// other errors pass unchanged.
func (d *DB) corrupt(err error) error {
	if err == nil || errors.Is(err, ErrCorrupt) {
		return err
	}
	var be *badgerkv.BlobError
	if errors.As(err, &be) {
		return &CorruptError{Dir: d.dir, Damage: blobDamage(be)}
	}
	msg := err.Error()
	var kind DamageKind
	switch {
	case strings.Contains(msg, "checksum mismatch"), strings.Contains(msg, "CHECKSUM_MISMATCH"), strings.Contains(msg, "value corrupted"):
		kind = DamageChecksum
	case strings.Contains(msg, "Invalid read"), strings.Contains(msg, "End of file"), strings.Contains(msg, "Invalid value pointer"),
		strings.Contains(msg, "failed to decode compressed data"), strings.Contains(msg, "invalid checksum length"):
		kind = DamageUnreadable
	default:
		return err
	}
	return &CorruptError{Dir: d.dir, Damage: Damage{File: badgerFile(msg), Kind: kind, Err: badgerError(err)}}
}

// blobDamage describes damage met in a blob segment.
func blobDamage(be *badgerkv.BlobError) Damage {
	d := Damage{Kind: DamageUnreadable, First: be.Key, Err: be.Err}
	if be.Segment != "" {
		d.File = filepath.Join(blobDir, be.Segment)
	}
	switch be.Kind {
	case badgerkv.BlobChecksum:
		d.Kind = DamageChecksum
	case badgerkv.BlobMissing:
		d.Kind = DamageMissing
	}
	return d
}

// panicError describes a recovered panic in one line.
func panicError(r any) error {
	msg := fmt.Sprint(r)
	for _, banner := range []string{"== Recovering from initIndex crash ==", "== Recovered =="} {
		msg = strings.ReplaceAll(msg, banner, "")
	}
	return fmt.Errorf("badger panicked: %s", oneLine(msg, 200))
}

// badgerError shortens a badger error to one line.
func badgerError(err error) error { return errors.New(oneLine(err.Error(), 300)) }

func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return s
}

var (
	fileNameRE = regexp.MustCompile(`\b(\d{5,6}\.(?:sst|vlog|mem)|MANIFEST|KEYREGISTRY|DISCARD)\b`)
	tableIDRE  = regexp.MustCompile(`File Info: \[ID: (\d+),`)
	vlogFidRE  = regexp.MustCompile(`Fid:(\d+) `)
)

// badgerFile finds the file a badger error or panic names: by name, by
// table id or by value log file id. It returns "" when there is none.
func badgerFile(msg string) string {
	if m := fileNameRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	var id uint64
	if m := tableIDRE.FindStringSubmatch(msg); m != nil {
		if _, err := fmt.Sscan(m[1], &id); err == nil {
			return fmt.Sprintf("%06d.sst", id)
		}
	}
	if m := vlogFidRE.FindStringSubmatch(msg); m != nil {
		if _, err := fmt.Sscan(m[1], &id); err == nil {
			return vlogName(uint32(id))
		}
	}
	return ""
}
