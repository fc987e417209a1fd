package solc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/contracts/solc"
)

// TestCompileLegacy compiles with solc-js 0.4.10, which predates
// compileStandardWrapper, through the legacy compile API.
func TestCompileLegacy(t *testing.T) {
	c := compiler(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := c.Compile(ctx, "testdata/v0410", []string{"Legacy.sol"})
	if errors.Is(err, solc.ErrNoCompiler) {
		t.Skipf("solc-js 0.4.10 cannot be installed here (offline?): %v", err)
	}
	if err != nil {
		t.Fatalf("Compile(Legacy.sol) = %v", err)
	}
	if out.Version.String() != "0.4.10" || !slices.Equal(out.Sources, []string{"Legacy.sol"}) {
		t.Errorf("Compile(Legacy.sol) = version %s, sources %v, want 0.4.10, [Legacy.sol]", out.Version, out.Sources)
	}
	if len(out.Contracts) != 1 || out.Contracts[0].Name != "Legacy" || out.Contracts[0].File != "Legacy.sol" {
		t.Fatalf("Compile(Legacy.sol) contracts = %+v, want Legacy.sol:Legacy", out.Contracts)
	}
	k := out.Contracts[0]
	if len(k.Runtime) == 0 || !strings.Contains(string(k.ABI), `"kill"`) {
		t.Errorf("Legacy: %d code bytes, ABI %s", len(k.Runtime), k.ABI)
	}
	smap, err := evm.ParseSourceMap(k.SourceMap)
	if err != nil || len(smap) == 0 {
		t.Fatalf("ParseSourceMap(Legacy) = %d entries, %v", len(smap), err)
	}
	res, err := evm.Scan(k.Runtime, evm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "v0410", "Legacy.sol"))
	if err != nil {
		t.Fatal(err)
	}
	evm.Locate(res.Findings, res.Program, smap, []evm.SourceFile{{Path: "Legacy.sol", Text: src}})
	i := slices.IndexFunc(res.Findings, func(f contracts.Finding) bool { return f.Rule == "EVM-TX-ORIGIN" })
	if i < 0 {
		t.Fatalf("Scan(Legacy) has no EVM-TX-ORIGIN finding: %v", res.Findings)
	}
	if l := res.Findings[i].Location; l.Path != "Legacy.sol" || l.Line != 16 {
		t.Errorf("EVM-TX-ORIGIN at %s:%d, want Legacy.sol:16", l.Path, l.Line)
	}
}

// TestCompileLegacyError checks that 0.4.10's errors come back as
// ErrCompile with the compiler's message.
func TestCompileLegacyError(t *testing.T) {
	c := compiler(t)
	dir := t.TempDir()
	src := "pragma solidity 0.4.10;\ncontract Broken { function f() { undefinedName(); } }\n"
	if err := os.WriteFile(filepath.Join(dir, "Broken.sol"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := c.Compile(context.Background(), dir, []string{"Broken.sol"})
	if errors.Is(err, solc.ErrNoCompiler) {
		t.Skipf("solc-js 0.4.10 cannot be installed here (offline?): %v", err)
	}
	if !errors.Is(err, solc.ErrCompile) || !strings.Contains(err.Error(), "Undeclared identifier") {
		t.Errorf("Compile(Broken.sol) = %v, want ErrCompile naming the undeclared identifier", err)
	}
}
