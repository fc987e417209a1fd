package solc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/contracts/solc"
)

// TestCompileCallValueLine compiles addr.call.value(v)(data) with solc
// 0.4.18, whose source map gives its CALL no file, and checks that the
// CALL still resolves to the line of the call.
func TestCompileCallValueLine(t *testing.T) {
	c := compiler(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := c.Compile(ctx, "testdata/v0418", []string{"CallValue.sol"})
	if errors.Is(err, solc.ErrNoCompiler) {
		t.Skipf("solc-js 0.4.18 cannot be installed here (offline?): %v", err)
	}
	if err != nil {
		t.Fatalf("Compile(CallValue.sol) = %v", err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "v0418", "CallValue.sol"))
	if err != nil {
		t.Fatal(err)
	}
	k := out.Contracts[0]
	smap, err := evm.ParseSourceMap(k.SourceMap)
	if err != nil {
		t.Fatal(err)
	}
	p := evm.Disassemble(k.Runtime)
	calls := 0
	for _, in := range p.Instrs {
		if in.Op != evm.CALL {
			continue
		}
		calls++
		_, mapped := smap.At(p, in.PC)
		r, ok := smap.Near(p, in.PC)
		if !ok {
			t.Fatalf("Near(CALL at %d) found no source", in.PC)
		}
		t.Logf("CALL at %d: own entry mapped %v, resolved to %+v", in.PC, mapped, r)
		if first, _ := r.Lines(src); first != 7 {
			t.Errorf("Near(CALL at %d) = line %d (mapped itself: %v), want 7", in.PC, first, mapped)
		}
	}
	if calls == 0 {
		t.Fatal("CallValue has no CALL")
	}
}
