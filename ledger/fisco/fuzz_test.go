package fisco

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// seedFiles adds every real fixture matching pattern as a seed.
func seedFiles(f *testing.F, pattern string, decodeHex bool) {
	files, err := filepath.Glob(filepath.Join("testdata/real", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s: %v", pattern, err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if decodeHex {
			if b, err = hex.DecodeString(strings.TrimSpace(string(b))); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(b)
	}
}

// seedRef adds the SDK-signed vectors of one line (2 or 3) as seeds.
func seedRef(f *testing.F, line string) {
	b, err := os.ReadFile("testdata/ref/sdk-signed.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		fs := strings.Fields(l)
		if len(fs) == 5 && fs[0] == line {
			raw, err := hex.DecodeString(fs[2])
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
}

// FuzzDecodeTx3 feeds TARS bytes to the 3.x transaction decoder and the
// verifier: they must return an error or a result, never panic or
// allocate beyond the input.
func FuzzDecodeTx3(f *testing.F) {
	seedFiles(f, "v3/*/*.tars.hex", true)
	seedRef(f, "3")
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _ := NewVerifier(Config{Chain: "f"})
		if _, err := v.VerifyRawTx(b); err == nil && len(b) == 0 {
			t.Fatal("empty input verified")
		}
	})
}

// FuzzDecodeTx2 feeds RLP bytes to the 2.x transaction decoder.
func FuzzDecodeTx2(f *testing.F) {
	f.Add([]byte{0xc0})
	f.Add(append([]byte{0xf8, 0x40}, make([]byte, 64)...))
	seedRef(f, "2")
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] < 0xc0 {
			b = append([]byte{0xf8, byte(len(b))}, b...)
		}
		v, _ := NewVerifier(Config{Chain: "f"})
		_, _ = v.VerifyRawTx(b)
	})
}

// FuzzParseItems feeds JSON-RPC results (blocks, transactions, receipts,
// batches) to the file parser and verifies whatever it recognises.
func FuzzParseItems(f *testing.F) {
	seedFiles(f, "v3/*/*.json", false)
	seedFiles(f, "v2/*/*.json", false)
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ParseItems(b, "fuzz")
		if err != nil {
			return
		}
		v, _ := NewVerifier(Config{Chain: "f"})
		_ = v.VerifyItems(items, func(*ledger.Block) error { return nil }, func(Checked) error { return nil })
	})
}
