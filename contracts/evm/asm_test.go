package evm

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// asmWant is an expected finding in an annotated assembly sample.
type asmWant struct {
	Rule string
	PC   int
}

var wantRe = regexp.MustCompile(`want "([A-Z0-9-]+)"`)

// assemble translates the test assembly language into bytecode:
//
//	label:            a JUMPDEST that PUSH @label refers to
//	PUSH 0x2a         the shortest PUSHn (PUSH0 for zero)
//	PUSH4 0x2a        an explicit width
//	PUSH @label       the label's pc as PUSH2
//	SELECT 0xsel @l   jump to l when the call data selector is sel
//	OP ; want "ID"    expect a finding of rule ID at this instruction
func assemble(t testing.TB, src string) ([]byte, []asmWant) {
	t.Helper()
	names := map[string]Op{}
	for i := range 256 {
		if n := opTable[i].name; n != "" {
			names[n] = Op(i)
		}
	}
	type fix struct {
		at    int
		label string
	}
	var code []byte
	var wants []asmWant
	var fixes []fix
	labels := map[string]int{}
	emitPush := func(arg string) {
		if strings.HasPrefix(arg, "@") {
			code = append(code, byte(PUSH1)+1, 0, 0)
			fixes = append(fixes, fix{len(code) - 2, arg[1:]})
			return
		}
		v, ok := new(big.Int).SetString(strings.TrimPrefix(arg, "0x"), 16)
		if !ok {
			t.Fatalf("bad push argument %q", arg)
		}
		b := v.Bytes()
		if len(b) == 0 {
			code = append(code, byte(PUSH0))
			return
		}
		code = append(code, byte(PUSH1)+byte(len(b)-1))
		code = append(code, b...)
	}
	for n, line := range strings.Split(src, "\n") {
		text, comment, _ := strings.Cut(line, ";")
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		for _, m := range wantRe.FindAllStringSubmatch(comment, -1) {
			wants = append(wants, asmWant{m[1], len(code)})
		}
		switch {
		case strings.HasSuffix(f[0], ":"):
			labels[strings.TrimSuffix(f[0], ":")] = len(code)
			code = append(code, byte(JUMPDEST))
		case f[0] == "PUSH" && len(f) == 2:
			emitPush(f[1])
		case f[0] == "SELECT" && len(f) == 3:
			code = append(code, byte(PUSH0), byte(CALLDATALOAD), byte(PUSH1), 0xe0, byte(SHR))
			emitPush(f[1])
			code = append(code, byte(EQ))
			emitPush(f[2])
			code = append(code, byte(JUMPI))
		case strings.HasPrefix(f[0], "PUSH") && len(f) == 2:
			op, ok := names[f[0]]
			if !ok {
				t.Fatalf("line %d: unknown %s", n+1, f[0])
			}
			v, _ := new(big.Int).SetString(strings.TrimPrefix(f[1], "0x"), 16)
			b := v.FillBytes(make([]byte, op.ImmediateSize()))
			code = append(code, byte(op))
			code = append(code, b...)
		default:
			op, ok := names[f[0]]
			if !ok || len(f) != 1 {
				t.Fatalf("line %d: cannot assemble %q", n+1, text)
			}
			code = append(code, byte(op))
		}
	}
	for _, fx := range fixes {
		pc, ok := labels[fx.label]
		if !ok {
			t.Fatalf("undefined label %s", fx.label)
		}
		code[fx.at], code[fx.at+1] = byte(pc>>8), byte(pc)
	}
	return code, wants
}

func formatWants(ws []asmWant) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%s@%d", w.Rule, w.PC)
	}
	return strings.Join(parts, " ")
}
