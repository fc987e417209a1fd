package evm

import (
	"errors"
	"slices"
	"testing"

	"github.com/lianjian/lianjian/contracts"
)

func TestParseSourceMap(t *testing.T) {
	got, err := ParseSourceMap("0:100:0:-;5:10;;:3::i;-1:-1:-1:o;7")
	if err != nil {
		t.Fatal(err)
	}
	want := SourceMap{
		{0, 100, 0, '-'}, {5, 10, 0, '-'}, {5, 10, 0, '-'}, {5, 3, 0, 'i'}, {-1, -1, -1, 'o'}, {7, -1, -1, 'o'},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ParseSourceMap = %v, want %v", got, want)
	}
	for _, bad := range []string{"x:1", "1:2:3:q", "1:2:3:-:0:9"} {
		if _, err := ParseSourceMap(bad); !errors.Is(err, ErrBadSourceMap) {
			t.Errorf("ParseSourceMap(%q) error = %v, want ErrBadSourceMap", bad, err)
		}
	}
	if m, err := ParseSourceMap(""); err != nil || m != nil {
		t.Errorf("ParseSourceMap(\"\") = %v, %v", m, err)
	}
}

func TestSourceMapAt(t *testing.T) {
	p := Disassemble([]byte{byte(PUSH1), 1, byte(PUSH1), 2, byte(ADD)})
	m, _ := ParseSourceMap("0:4:0;4:6;-1:-1:-1")
	src := []byte("abc\ndef\nghi\n")
	tests := []struct {
		pc       int
		ok       bool
		from, to int
	}{{0, true, 1, 1}, {2, true, 2, 3}, {4, false, 0, 0}, {1, false, 0, 0}}
	for _, tt := range tests {
		r, ok := m.At(p, tt.pc)
		if ok != tt.ok {
			t.Errorf("At(%d) ok = %v, want %v", tt.pc, ok, tt.ok)
			continue
		}
		if from, to := r.Lines(src); ok && (from != tt.from || to != tt.to) {
			t.Errorf("At(%d).Lines = %d-%d, want %d-%d", tt.pc, from, to, tt.from, tt.to)
		}
	}
	if l, c := Position(src, 5); l != 2 || c != 2 {
		t.Errorf("Position(5) = %d:%d, want 2:2", l, c)
	}
	if l, _ := Position(src, 99); l != 0 {
		t.Errorf("Position(99) line = %d, want 0", l)
	}
}

func TestSignatures(t *testing.T) {
	tests := []struct {
		sig  string
		want uint32
	}{
		{"transfer(address,uint256)", 0xa9059cbb},
		{"balanceOf(address)", 0x70a08231},
		{"withdraw(uint256)", 0x2e1a7d4d},
	}
	for _, tt := range tests {
		if got := Selector(tt.sig); got != tt.want {
			t.Errorf("Selector(%s) = %08x, want %08x", tt.sig, got, tt.want)
		}
		if got := Signatures(nil).lookup(tt.want, ""); got != tt.sig {
			t.Errorf("builtin lookup %08x = %q, want %q", tt.want, got, tt.sig)
		}
	}
	abi := `[{"type":"function","name":"swap","inputs":[{"type":"tuple[]","components":[{"type":"address"},{"type":"uint256"}]},{"type":"bytes"}]},
		{"type":"event","name":"Done","inputs":[]},{"type":"constructor","inputs":[]}]`
	s, err := ParseABI([]byte(abi))
	if err != nil {
		t.Fatal(err)
	}
	if want := "swap((address,uint256)[],bytes)"; len(s) != 1 || s[Selector(want)] != want {
		t.Errorf("ParseABI = %v, want only %s", s, want)
	}
	if _, err := ParseABI([]byte("{")); !errors.Is(err, ErrBadABI) {
		t.Errorf("ParseABI({) error = %v, want ErrBadABI", err)
	}
}

// TestSrcmapNear checks the fallback for instructions that map to no file,
// as the CALL of `addr.call.value(v)(data)` does under solc 0.4.18/0.4.19.
func TestSrcmapNear(t *testing.T) {
	// PUSH1 0; PUSH1 0; JUMPDEST; CALL at pcs 0, 2, 4, 5.
	p := Disassemble([]byte{byte(PUSH1), 0, byte(PUSH1), 0, byte(JUMPDEST), byte(CALL)})
	tests := []struct {
		name string
		smap string
		pc   int
		ok   bool
		want SourceRange
	}{
		{"mapped itself", "0:4:0:-;4:6:0:-;-1:-1:-1:-;7:2:0:-", 5, true, SourceRange{7, 2, 0, '-'}},
		{"nearest preceding", "0:4:0:-;4:6:0:-;-1:-1:-1:-;-1:-1:-1:-", 5, true, SourceRange{4, 6, 0, '-'}},
		{"skips generated code", "0:4:0:-;-1:-1:-1:-;-1:-1:-1:-;-1:-1:-1:-", 5, true, SourceRange{0, 4, 0, '-'}},
		{"stops at a function exit", "0:4:0:-;4:6:0:o;-1:-1:-1:-;-1:-1:-1:-", 5, false, SourceRange{}},
		{"nothing mapped before", "-1:-1:-1:-;-1:-1:-1:-;-1:-1:-1:-;-1:-1:-1:-", 5, false, SourceRange{}},
		{"pc inside push data", "0:4:0:-;4:6:0:-;-1:-1:-1:-;-1:-1:-1:-", 1, false, SourceRange{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseSourceMap(tt.smap)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := m.Near(p, tt.pc)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Near(%d) = %v, %v, want %v, %v", tt.pc, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSrcmapLocateFallback(t *testing.T) {
	p := Disassemble([]byte{byte(PUSH1), 0, byte(PUSH1), 0, byte(JUMPDEST), byte(CALL)})
	m, _ := ParseSourceMap("0:4:0:-;4:6:0:-;-1:-1:-1:-;-1:-1:-1:-")
	fs := []contracts.Finding{{Location: contracts.Location{Bytecode: &contracts.Bytecode{PC: 5}}}}
	Locate(fs, p, m, []SourceFile{{Path: "A.sol", Text: []byte("abc\ndef\nghi\n")}})
	if l := fs[0].Location; l.Path != "A.sol" || l.Line != 2 || l.EndLine != 3 {
		t.Errorf("Locate(CALL) = %s:%d-%d, want A.sol:2-3", l.Path, l.Line, l.EndLine)
	}
}
