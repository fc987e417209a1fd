package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Badger's value log (NNNNNN.vlog) and write-ahead log (NNNNN.mem) files
// share one layout: a 20-byte header (the encryption key id, big-endian,
// and a 12-byte IV), then entries of
//
//	meta, userMeta byte; klen, vlen, expiresAt uvarint; key; value; CRC-32C (big-endian)
//
// where the CRC covers everything before it (key and value as stored, so
// encrypted files check without the key). Badger pre-allocates the files
// and zeroes the header after the last entry, so the entries end at a
// header with an empty key.
//
// At Open badger replays every write-ahead log and the newest value log,
// and cuts each at its first bad entry without a word: a crash mid-write
// leaves exactly such a torn entry, but so does damage, and then the cut
// silently drops committed data. walkLog tells the two apart.
const (
	logHeaderSize = 20
	maxKeySize    = 1 << 16 // badger rejects longer keys
	// maxHeaderSize bounds an entry header: two bytes and three uvarints.
	maxHeaderSize = 2 + 3*binary.MaxVarintLen64
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTornEntry marks a last entry whose checksum was never written: a
// write cut short by a crash, which badger discards.
var errTornEntry = errors.New("torn entry")

// logDamage is a damaged entry of a log file.
type logDamage struct {
	offset int
	kind   DamageKind
	err    error
	header bool // the entry header itself does not make sense
}

func (d *logDamage) Error() string { return fmt.Sprintf("entry at offset %d: %v", d.offset, d.err) }

// walkLog checks every entry of a log file held in data. It returns the
// key id of the file's header, and a *logDamage for the first damaged
// entry. A torn last entry (checksum field still zero) ends the walk
// without damage: badger discards it, and with it only a write that never
// committed.
func walkLog(data []byte) (keyID uint64, err error) {
	if len(data) == 0 {
		return 0, nil // created, never written: badger writes the header
	}
	if len(data) < logHeaderSize {
		return 0, &logDamage{0, DamageUnreadable, fmt.Errorf("file of %d bytes is shorter than its %d-byte header", len(data), logHeaderSize), false}
	}
	keyID = binary.BigEndian.Uint64(data)
	for off := logHeaderSize; off < len(data); {
		n, err := checkEntry(data[off:])
		switch {
		case errors.Is(err, errTornEntry):
			// Torn only if nothing was written after it.
			if next, err := checkEntry(data[off+n:]); err == nil && next > 0 {
				return keyID, &logDamage{off, DamageChecksum, errors.New("CRC-32C mismatch (checksum zeroed)"), false}
			}
			return keyID, nil
		case err != nil:
			var ld *logDamage
			if errors.As(err, &ld) {
				if ld.header && off+maxHeaderSize < len(data) && allZero(data[off+maxHeaderSize:]) {
					// A header cut short by a crash in the pre-allocated
					// file, with nothing after it: badger discards it,
					// and with it only a write that never committed.
					return keyID, nil
				}
				ld.offset += off
				return keyID, ld
			}
			return keyID, err
		case n == 0:
			return keyID, nil // zeroed header: the end of the entries
		}
		off += n
	}
	return keyID, nil
}

// checkEntry checks the entry at the start of b and returns its length,
// 0 at the zeroed header that ends the entries. For a torn entry it
// returns the length with errTornEntry.
func checkEntry(b []byte) (int, error) {
	if len(b) < 2 {
		if allZero(b) {
			return 0, nil
		}
		return 0, &logDamage{0, DamageUnreadable, errors.New("the file ends inside an entry header (truncated)"), false}
	}
	hlen := 2
	var lens [3]uint64
	for i := range lens {
		v, n := binary.Uvarint(b[hlen:])
		if n <= 0 {
			return 0, &logDamage{0, DamageUnreadable, errors.New("entry header does not parse (truncated or overwritten)"), true}
		}
		lens[i] = v
		hlen += n
	}
	klen, vlen := lens[0], lens[1]
	if klen == 0 {
		if b[0] == 0 && b[1] == 0 && vlen == 0 && lens[2] == 0 {
			return 0, nil
		}
		return 0, &logDamage{0, DamageUnreadable, errors.New("entry header has an empty key (overwritten)"), true}
	}
	if klen > maxKeySize {
		return 0, &logDamage{0, DamageUnreadable, fmt.Errorf("entry header gives a %d-byte key (overwritten)", klen), true}
	}
	body := uint64(hlen) + klen + vlen
	if vlen > uint64(len(b)) || body+crc32.Size > uint64(len(b)) {
		return 0, &logDamage{0, DamageUnreadable, fmt.Errorf("entry of %d bytes runs past the end of the file (truncated)", body+crc32.Size), false}
	}
	sum := b[body : body+crc32.Size]
	if crc32.Checksum(b[:body], castagnoli) != binary.BigEndian.Uint32(sum) {
		if allZero(sum) {
			return int(body) + crc32.Size, errTornEntry
		}
		return 0, &logDamage{0, DamageChecksum, errors.New("CRC-32C mismatch"), false}
	}
	return int(body) + crc32.Size, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
