package evm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDisassemble(t *testing.T) {
	tests := []struct {
		name string
		code string
		want []string
	}{
		{"push0 and cancun", "5f 5c 5d 5e 49 4a 1e", []string{"0: PUSH0", "1: TLOAD", "2: TSTORE", "3: MCOPY", "4: BLOBHASH", "5: BLOBBASEFEE", "6: CLZ"}},
		{"push with immediate", "6080 6040 52", []string{"0: PUSH1 0x80", "2: PUSH1 0x40", "4: MSTORE"}},
		{"truncated push", "00 63 aabb", []string{"0: STOP", "1: PUSH4 0xaabb"}},
		{"undefined opcodes", "0c 21 ef fe", []string{"0: UNDEFINED_0x0c", "1: UNDEFINED_0x21", "2: UNDEFINED_0xef", "3: INVALID"}},
		{"jumpdest inside push", "615b5b 5b", []string{"0: PUSH2 0x5b5b", "3: JUMPDEST"}},
		{"dup swap log", "80 8f 90 9f a0 a4", []string{"0: DUP1", "1: DUP16", "2: SWAP1", "3: SWAP16", "4: LOG0", "5: LOG4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Disassemble(mustHex(t, tt.code))
			var got []string
			for _, in := range p.Instrs {
				got = append(got, in.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Disassemble(%s) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
	p := Disassemble(mustHex(t, "615b5b5b"))
	if p.IsJumpDest(1) || !p.IsJumpDest(3) || p.At(2) != -1 {
		t.Errorf("jumpdest index: IsJumpDest(1)=%v IsJumpDest(3)=%v At(2)=%d", p.IsJumpDest(1), p.IsJumpDest(3), p.At(2))
	}
	if in := p.Instrs[0]; in.Truncated() {
		t.Errorf("%v reported truncated", in)
	}
}

func TestOpcodeTable(t *testing.T) {
	defined := 0
	for i := range 256 {
		op := Op(i)
		if op.Defined() {
			defined++
		}
		pop, push := op.StackEffect()
		if pop < 0 || push < 0 || push > 17 {
			t.Errorf("%s stack effect %d/%d", op, pop, push)
		}
	}
	// 0x00-0x0b (12) + 0x10-0x1e (15) + KECCAK256 + 0x30-0x4a (27) +
	// 0x50-0x5f (16) + PUSH1-32 + DUP + SWAP (64) + LOG0-4 (5) + 0xf0-f5 (6)
	// + STATICCALL, REVERT, INVALID, SELFDESTRUCT.
	if want := 12 + 15 + 1 + 27 + 16 + 64 + 5 + 6 + 4; defined != want {
		t.Errorf("defined opcodes = %d, want %d", defined, want)
	}
	if !PUSH0.IsPush() || PUSH32.ImmediateSize() != 32 || !SELFDESTRUCT.Halts() || !Op(0xef).Halts() || !STATICCALL.IsCall() {
		t.Error("opcode predicates disagree with the table")
	}
}

func TestSplitMetadata(t *testing.T) {
	hash32 := strings.Repeat("11", 32)
	tests := []struct {
		name     string
		code     string
		wantBody string
		wantSolc string
		wantHash string
	}{
		{"solc 0.4 bzzr0", "6080 00 a1 65 627a7a7230 5820" + hash32 + "0029", "608000", "", "bzzr0"},
		{"solc 0.8 ipfs", "6080 00 a2 64 69706673 5822 1220" + hash32 + "64 736f6c63 43 000814 0033", "608000", "0.8.20", "ipfs"},
		{"experimental", "00 a2 65 627a7a7231 5820" + hash32 + "6c 6578706572696d656e74616c f5 0037", "00", "", "bzzr1"},
		{"no metadata", "6080604052", "6080604052", "", ""},
		{"bad length", "00 a1 65 627a7a72 0029", "00a165627a7a720029", "", ""},
		{"short", "00", "00", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, md := SplitMetadata(mustHex(t, tt.code))
			if !bytes.Equal(body, mustHex(t, tt.wantBody)) {
				t.Errorf("body = %x, want %s", body, tt.wantBody)
			}
			if tt.wantHash == "" {
				if md != nil {
					t.Errorf("metadata = %+v, want none", md)
				}
				return
			}
			if md == nil {
				t.Fatal("metadata not found")
			}
			if md.Solc != tt.wantSolc || md.Hashes[tt.wantHash] == nil || md.Experimental != (tt.name == "experimental") {
				t.Errorf("metadata = solc %q hashes %v, want %q and %s", md.Solc, md.Hashes, tt.wantSolc, tt.wantHash)
			}
		})
	}
	_, md := SplitMetadata(mustHex(t, "00 a2 64 69706673 5822 1220"+hash32+"64 736f6c63 43 000814 0033"))
	if maj, min, patch, ok := md.Version(); !ok || maj != 0 || min != 8 || patch != 20 {
		t.Errorf("Version() = %d.%d.%d %v, want 0.8.20", maj, min, patch, ok)
	}
	var none *Metadata
	if _, _, _, ok := none.Version(); ok {
		t.Error("nil metadata has a version")
	}
}

func TestDecodeHex(t *testing.T) {
	got, err := DecodeHex(" 0x6080__$0123456789abcdef0123456789abcdef01$__00\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "6080" + strings.Repeat("00", 20) + "00"; hex.EncodeToString(got) != want {
		t.Errorf("DecodeHex = %x, want %s", got, want)
	}
	if _, err := DecodeHex("0xzz"); !errors.Is(err, ErrBadHex) {
		t.Errorf("DecodeHex(0xzz) error = %v, want ErrBadHex", err)
	}
}

func TestCFG(t *testing.T) {
	// An internal call: push the return address, jump to fn, which
	// returns through a jump to a target only the stack knows.
	code, _ := assemble(t, `
PUSH @ret
PUSH 5
PUSH @fn
JUMP
ret:
STOP
fn:
POP
JUMP
`)
	res, err := Scan(code, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := res.CFG
	if len(c.Blocks) != 3 {
		t.Fatalf("blocks = %d, want 3", len(c.Blocks))
	}
	entry, ret, fn := c.Blocks[0], c.Blocks[1], c.Blocks[2]
	if !slices.Equal(entry.Succs, []int{fn.Start}) || !slices.Equal(fn.Succs, []int{ret.Start}) {
		t.Errorf("succs entry=%v fn=%v, want [%d] and [%d]", entry.Succs, fn.Succs, fn.Start, ret.Start)
	}
	if !slices.Equal(ret.Preds, []int{fn.Start}) || len(c.Unresolved) != 0 {
		t.Errorf("ret preds = %v unresolved = %v", ret.Preds, c.Unresolved)
	}
	if b := c.Containing(fn.End); b != fn || c.Block(ret.Start) != ret || c.Containing(-1) != nil {
		t.Error("Containing/Block lookups disagree with the blocks")
	}
}
