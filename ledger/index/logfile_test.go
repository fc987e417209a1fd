package index

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// logEntry encodes one entry as badger's logFile.encodeEntry does.
func logEntry(key, value string) []byte {
	b := []byte{0, 0}
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = binary.AppendUvarint(b, uint64(len(value)))
	b = binary.AppendUvarint(b, 0)
	b = append(b, key...)
	b = append(b, value...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func logFile(entries ...[]byte) []byte {
	b := make([]byte, logHeaderSize)
	for _, e := range entries {
		b = append(b, e...)
	}
	return b
}

func TestWalkLog(t *testing.T) {
	e1, e2 := logEntry("c/a", `{"id":"a"}`), logEntry("c/b", `{"id":"b"}`)
	flipped := append([]byte(nil), e2...)
	flipped[len(flipped)-6] ^= 1
	torn := append([]byte(nil), e2...)
	copy(torn[len(torn)-4:], []byte{0, 0, 0, 0})
	tornMid := append(append([]byte(nil), torn[:len(torn)-4]...), 0, 0, 0, 0)
	keyTooLong := []byte{0, 0, 0x80, 0x80, 0x08, 1, 0} // klen 131072
	tests := []struct {
		name string
		data []byte
		kind DamageKind // 0: no damage
		at   int
	}{
		{"empty file", nil, 0, 0},
		{"header only", logFile(), 0, 0},
		{"two entries", logFile(e1, e2), 0, 0},
		{"zeroed tail", append(logFile(e1, e2), make([]byte, 64)...), 0, 0},
		{"torn last entry", append(logFile(e1, torn), make([]byte, 64)...), 0, 0},
		{"torn last header", append(logFile(e1, []byte{0x40, 0}), make([]byte, 64)...), 0, 0},
		{"torn header before an entry", append(logFile(e1, []byte{0x40, 0, 0, 0, 0}, make([]byte, maxHeaderSize), e1), make([]byte, 64)...),
			DamageUnreadable, logHeaderSize + len(e1)},
		{"zeroed checksum before an entry", logFile(e1, tornMid, e1), DamageChecksum, logHeaderSize + len(e1)},
		{"flipped byte", logFile(e1, flipped, e1), DamageChecksum, logHeaderSize + len(e1)},
		{"truncated entry", logFile(e1, e2[:len(e2)-5]), DamageUnreadable, logHeaderSize + len(e1)},
		{"truncated header", logFile(e1, e2[:4]), DamageUnreadable, logHeaderSize + len(e1)},
		{"truncated file header", make([]byte, 7), DamageUnreadable, 0},
		{"key too long", logFile(e1, keyTooLong), DamageUnreadable, logHeaderSize + len(e1)},
		{"empty key with a value", logFile(e1, []byte{0, 0, 0, 5, 0}), DamageUnreadable, logHeaderSize + len(e1)},
		{"huge value length", logFile(e1, []byte{0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0, 'k'}), DamageUnreadable, logHeaderSize + len(e1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := walkLog(tc.data)
			var ld *logDamage
			switch {
			case tc.kind == 0 && err != nil:
				t.Errorf("walkLog = %v, want no damage", err)
			case tc.kind == 0:
			case !errors.As(err, &ld):
				t.Errorf("walkLog = %v, want %s damage at offset %d", err, tc.kind, tc.at)
			case ld.kind != tc.kind || ld.offset != tc.at:
				t.Errorf("walkLog = %s damage at offset %d (%v), want %s at %d", ld.kind, ld.offset, err, tc.kind, tc.at)
			}
		})
	}
}

// FuzzWalkLog checks that no log file content makes walkLog panic or
// claim damage past the end of the file.
func FuzzWalkLog(f *testing.F) {
	f.Add(logFile(logEntry("c/a", "v"), logEntry("k/a", "w")))
	f.Add(logFile(logEntry("c/a", ""))[:30])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := walkLog(data)
		var ld *logDamage
		if errors.As(err, &ld) && (ld.offset < 0 || ld.offset > len(data)) {
			t.Fatalf("damage at offset %d of a %d-byte file", ld.offset, len(data))
		}
	})
}

// TestEmptyMemtable checks the file a crash leaves right after badger
// created a write-ahead log: a writer's Open removes it and opens the
// index, and Check, which cannot replay it, says so.
func TestEmptyMemtable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDir(t, dir)
	if err := db.PutChain(ctx, ledger.Chain{ID: "a", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	empty := filepath.Join(dir, "00099.mem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Check(ctx, dir, Options{})
	if err != nil || !r.OK() || r.Skipped != SkipUnclean {
		t.Fatalf("Check = %+v, %v; want no damage, records skipped as unclean", r, err)
	}
	db = openDir(t, dir)
	defer db.Close()
	if _, err := os.Stat(empty); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the empty write-ahead log is still there: %v", err)
	}
	if _, err := db.Chain(ctx, "a"); err != nil {
		t.Errorf("Chain(a) after the reopen = %v", err)
	}
}
