package index

import (
	"errors"
	"fmt"
	"path/filepath"
)

var (
	// ErrCorrupt marks damage to the index's files: a table, value log,
	// write-ahead log, MANIFEST or key registry that fails its checksums
	// or no longer parses, or a record that no longer decodes. Errors
	// wrapping it are *CorruptError values naming the file.
	ErrCorrupt = errors.New("index damaged")
	// ErrLocked reports that another process has the index open.
	ErrLocked = errors.New("index in use by another process")
	// ErrRecordFormat marks a block, transaction or undo record that does
	// not decode in its binary layout (record_codec.go).
	ErrRecordFormat = errors.New("malformed index record")
	// ErrFormat reports an index written in a record format this version
	// does not read; Open's *FormatError says which and what to do.
	ErrFormat = errors.New("index written in another record format")
	// ErrNoState reports that the index no longer holds (or never held)
	// the replayed world state asked for: a new generation replaced it,
	// or its checkpoint was stored before states were kept by height.
	ErrNoState = errors.New("stored audit state not held")
)

// CorruptError is the error of Open, and of any read, on a damaged index.
type CorruptError struct {
	// Dir is the index directory.
	Dir string
	Damage
}

// Error names the file and says what is wrong with it.
func (e *CorruptError) Error() string {
	where := "index " + e.Dir
	if e.File != "" {
		where = "index file " + filepath.Join(e.Dir, e.File)
	}
	s := fmt.Sprintf("%s is damaged: %v", where, e.Err)
	if r := e.Damage.KeyRange(); r != "" {
		s += " (keys " + r + ")"
	}
	return s
}

// Unwrap returns ErrCorrupt and the underlying error.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// DamageKind classifies a Damage.
type DamageKind int

// The kinds of damage.
const (
	// DamageUnreadable: the file's structure no longer parses; it is
	// truncated or overwritten.
	DamageUnreadable DamageKind = iota + 1
	// DamageChecksum: the file parses but its data fails a checksum.
	DamageChecksum
	// DamageMissing: the MANIFEST lists a table whose file is gone, or
	// the MANIFEST itself is gone while data files remain.
	DamageMissing
	// DamageUnlisted: a table file the MANIFEST does not list, which
	// badger would delete at Open.
	DamageUnlisted
	// DamageRecord: a record read back intact but does not decode, or
	// breaks an invariant of the index.
	DamageRecord
)

var damageNames = map[DamageKind]string{
	DamageUnreadable: "unreadable",
	DamageChecksum:   "checksum mismatch",
	DamageMissing:    "missing",
	DamageUnlisted:   "not in MANIFEST",
	DamageRecord:     "bad record",
}

// String names the kind in English.
func (k DamageKind) String() string {
	if s, ok := damageNames[k]; ok {
		return s
	}
	return fmt.Sprintf("DamageKind(%d)", int(k))
}

// Damage is one damaged file or record.
type Damage struct {
	// File is the damaged file's name within the index directory; it is
	// empty when the damage was found by key and badger does not say where.
	File string
	// Kind classifies the damage.
	Kind DamageKind
	// First and Last bound the keys the damage affects, when known: a
	// table's key range, or the one key of a bad record (Last nil).
	First, Last []byte
	// Err says what is wrong.
	Err error
}

// KeyRange renders First and Last for people; "" when unknown.
func (d *Damage) KeyRange() string {
	switch {
	case d.First == nil:
		return ""
	case d.Last == nil || string(d.Last) == string(d.First):
		return keyString(d.First)
	}
	return keyString(d.First) + " .. " + keyString(d.Last)
}

// keyString renders an index key for people: printable bytes as they
// are, others in \x escapes, cut at 64 bytes.
func keyString(k []byte) string {
	const limit = 64
	cut := len(k) > limit
	if cut {
		k = k[:limit]
	}
	b := make([]byte, 0, len(k)+8)
	for _, c := range k {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			b = append(b, c)
			continue
		}
		b = fmt.Appendf(b, `\x%02x`, c)
	}
	if cut {
		b = append(b, "..."...)
	}
	return string(b)
}
