package evm

import (
	"testing"
)

// FuzzScan checks that disassembly, path exploration, the CFG and every
// detector survive arbitrary bytes. Seeds are corpus bytecode in
// testdata/fuzz/FuzzScan.
func FuzzScan(f *testing.F) {
	f.Add([]byte{byte(PUSH1), 4, byte(JUMP), byte(STOP), byte(JUMPDEST), byte(CALLER), byte(SELFDESTRUCT)})
	f.Add([]byte{byte(PUSH32), 1, 2})
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, code []byte) {
		p := Disassemble(code)
		n := 0
		for _, in := range p.Instrs {
			n += 1 + len(in.Arg)
		}
		if n != len(p.Code) {
			t.Fatalf("instructions cover %d bytes, code has %d", n, len(p.Code))
		}
		hash := HashKeccak256
		if len(code)%2 == 1 {
			hash = HashSM3
		}
		res, err := Scan(code, Options{MaxSteps: 20_000, Hash: hash, Constructor: len(code)%3 == 0})
		if len(code) == 0 {
			if err == nil {
				t.Fatal("empty code scanned without error")
			}
			return
		}
		if err != nil {
			t.Fatalf("Scan error: %v", err)
		}
		if res.WASM != IsWASM(code) {
			t.Fatalf("Scan(%x).WASM = %v", code, res.WASM)
		}
		for _, b := range res.CFG.Blocks {
			if b.End < b.Start || p.At(b.Start) < 0 {
				t.Fatalf("bad block %+v", b)
			}
		}
	})
}
