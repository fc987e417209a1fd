package evm

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Instruction is one decoded opcode with its immediate bytes.
type Instruction struct {
	PC  int
	Op  Op
	Arg []byte // PUSHn immediate; shorter than n when the code ends early
}

// Truncated reports whether a PUSH immediate runs past the end of the code.
func (in Instruction) Truncated() bool { return len(in.Arg) < in.Op.ImmediateSize() }

// String renders the instruction as "pc: OP 0xarg".
func (in Instruction) String() string {
	if in.Op.ImmediateSize() > 0 {
		return fmt.Sprintf("%d: %s 0x%x", in.PC, in.Op, in.Arg)
	}
	return fmt.Sprintf("%d: %s", in.PC, in.Op)
}

// Program is disassembled runtime bytecode.
type Program struct {
	Code     []byte        // executable part, without the metadata tail
	Instrs   []Instruction // in code order
	Metadata *Metadata     // solc CBOR metadata, nil when absent
	index    []int32       // pc -> instruction index, -1 inside immediates
}

// Disassemble decodes code into instructions, splitting off the compiler
// metadata tail when one is recognised. It never fails: undefined opcodes
// decode as themselves and a truncated PUSH keeps the bytes that remain.
func Disassemble(code []byte) *Program {
	body, md := SplitMetadata(code)
	p := &Program{Code: body, Metadata: md, index: make([]int32, len(body)+1)}
	p.Instrs = make([]Instruction, 0, len(body)/2+1)
	for pc := 0; pc < len(body); {
		op := Op(body[pc])
		in := Instruction{PC: pc, Op: op}
		n := op.ImmediateSize()
		end := min(pc+1+n, len(body))
		if n > 0 {
			in.Arg = body[pc+1 : end]
		}
		p.index[pc] = int32(len(p.Instrs))
		for i := pc + 1; i < end; i++ {
			p.index[i] = -1
		}
		p.Instrs = append(p.Instrs, in)
		pc = end
	}
	p.index[len(body)] = -1
	return p
}

// At returns the index of the instruction starting at pc, or -1.
func (p *Program) At(pc int) int {
	if pc < 0 || pc >= len(p.Code) {
		return -1
	}
	return int(p.index[pc])
}

// IsJumpDest reports whether pc holds a JUMPDEST opcode (not an immediate).
func (p *Program) IsJumpDest(pc int) bool {
	i := p.At(pc)
	return i >= 0 && p.Instrs[i].Op == JUMPDEST
}

// String returns one instruction per line.
func (p *Program) String() string {
	var b strings.Builder
	for _, in := range p.Instrs {
		b.WriteString(in.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// DecodeHex decodes hex bytecode with or without a 0x prefix and ignoring
// surrounding white space. Unlinked library placeholders (__$…$__) are
// replaced by zero addresses so that the rest can still be analysed.
func DecodeHex(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if strings.Contains(s, "__") {
		b := []byte(s)
		for i := 0; i+40 <= len(b); {
			if b[i] == '_' && b[i+1] == '_' {
				copy(b[i:i+40], strings.Repeat("0", 40))
				i += 40
				continue
			}
			i++
		}
		s = string(b)
	}
	code, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadHex, err)
	}
	return code, nil
}
