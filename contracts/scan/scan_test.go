package scan_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/contracts/scan"
	"github.com/lianjian/lianjian/contracts/solc"
	"github.com/lianjian/lianjian/internal/testnet/repo"
)

// scanner returns a scanner with solc-js from the repository cache and
// paths relative to testdata.
func scanner(t testing.TB) *scan.Scanner {
	t.Helper()
	cache, err := repo.Cache()
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.New(scan.Config{
		Solc: solc.Config{CacheDir: filepath.Join(cache, "solc"), Install: true},
		Base: "testdata",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// key names a finding for comparison: path:line rule (contract).
func key(f contracts.Finding) string {
	k := f.Location.Path + " " + f.Rule
	if f.Location.Contract != "" {
		k += " (" + f.Location.Contract + ")"
	}
	return k
}

func TestScan(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		short bool // runs without solc-js
		want  []string
		kinds []scan.Kind
	}{
		{"bytecode file", "testdata/project/killable.hex", true,
			[]string{"project/killable.hex EVM-SELFDESTRUCT"}, []scan.Kind{scan.KindBytecode}},
		{"solidity 0.4 file", "testdata/project/legacy/Wallet.sol", false,
			[]string{"project/legacy/Wallet.sol EVM-SELFDESTRUCT (Wallet)", "project/legacy/Wallet.sol EVM-TX-ORIGIN (Wallet)"},
			[]scan.Kind{scan.KindSolidity}},
		{"chaincode module", "testdata/project/chaincode", true,
			[]string{"project/chaincode/main.go CC-GLOBAL-STATE (example.com/ledgercc)", "project/chaincode/main.go CC-SYSTEM-TIME (example.com/ledgercc)"},
			[]scan.Kind{scan.KindChaincode}},
		{"directory of everything", "testdata/project", false,
			[]string{
				"project/Vault.sol EVM-DELEGATECALL (Vault)",
				"project/Vault.sol EVM-ETHER-WITHDRAWAL (Vault)",
				"project/chaincode/main.go CC-GLOBAL-STATE (example.com/ledgercc)",
				"project/chaincode/main.go CC-SYSTEM-TIME (example.com/ledgercc)",
				"project/killable.hex EVM-SELFDESTRUCT",
				"project/legacy/Wallet.sol EVM-SELFDESTRUCT (Wallet)",
				"project/legacy/Wallet.sol EVM-TX-ORIGIN (Wallet)",
			},
			[]scan.Kind{scan.KindSolidity, scan.KindBytecode, scan.KindChaincode}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && !tt.short {
				t.Skip("needs solc-js from npm")
			}
			rep, err := scanner(t).Scan(context.Background(), tt.path)
			if err != nil {
				t.Fatalf("Scan(%s) = %v", tt.path, err)
			}
			got := map[string]bool{}
			for _, f := range rep.Findings {
				got[key(f)] = true
				if f.Location.Path == "" || filepath.IsAbs(f.Location.Path) {
					t.Errorf("Scan(%s) finding %s has path %q, want relative", tt.path, f.Rule, f.Location.Path)
				}
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("Scan(%s) lacks %q; have %v", tt.path, w, slices.Sorted(mapKeys(got)))
				}
			}
			for _, k := range tt.kinds {
				if !slices.ContainsFunc(rep.Artifacts, func(a scan.Artifact) bool { return a.Kind == k }) {
					t.Errorf("Scan(%s) artifacts %v lack kind %s", tt.path, rep.Artifacts, k)
				}
			}
		})
	}
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestScanSourceLines(t *testing.T) {
	if testing.Short() {
		t.Skip("needs solc-js from npm")
	}
	rep, err := scanner(t).Scan(context.Background(), "testdata/project/legacy/Wallet.sol")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"EVM-SELFDESTRUCT": 23, "EVM-TX-ORIGIN": 18}
	for _, f := range rep.Findings {
		if line, ok := want[f.Rule]; ok && f.Location.Line != line {
			t.Errorf("%s at line %d, want %d", f.Rule, f.Location.Line, line)
		}
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	notHex := filepath.Join(dir, "code.hex")
	if err := os.WriteFile(notHex, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want error
	}{
		{notHex, scan.ErrBadBytecode},
		{empty, scan.ErrNothing},
		{filepath.Join(dir, "absent.sol"), os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			if _, err := scanner(t).Scan(context.Background(), tt.path); !errors.Is(err, tt.want) {
				t.Errorf("Scan(%s) = %v, want %v", tt.path, err, tt.want)
			}
		})
	}
}

// TestScanHashAndWASM checks that Config.Hash reaches the EVM scanner
// and that WebAssembly modules, binary or hex, are reported, not skipped.
func TestScanHashAndWASM(t *testing.T) {
	// A GM-compiled kill() that self-destructs: its dispatcher compares
	// the SM3 selector.
	sel := evm.HashSM3.Selector("kill()")
	killable := fmt.Sprintf("5f3560e01c63%08x14600f57005b33ff", sel)
	dir := t.TempDir()
	module := []byte("\x00asm\x01\x00\x00\x00")
	for name, data := range map[string][]byte{
		"killable.hex": []byte(killable),
		"liquid.wasm":  module,
		"liquid.hex":   []byte(hex.EncodeToString(module) + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		hash     evm.Hash
		function string // of the killable.hex finding
	}{
		{"", fmt.Sprintf("0x%08x", sel)},
		{evm.HashSM3, "kill()"},
	}
	for _, tt := range tests {
		t.Run(tt.hash.String(), func(t *testing.T) {
			s, err := scan.New(scan.Config{Base: dir, Hash: tt.hash}, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Scan(context.Background(), dir)
			if err != nil {
				t.Fatalf("Scan(%s) = %v", dir, err)
			}
			if rep.Hash != evm.Hash(tt.hash.String()) {
				t.Errorf("Report.Hash = %q, want %q", rep.Hash, tt.hash.String())
			}
			got := map[string]string{}
			for _, f := range rep.Findings {
				got[f.Location.Path+" "+f.Rule] = f.Location.Function
			}
			want := map[string]string{
				"killable.hex EVM-SELFDESTRUCT":     tt.function,
				"liquid.hex EVM-WASM-NOT-ANALYSED":  "",
				"liquid.wasm EVM-WASM-NOT-ANALYSED": "",
			}
			if !maps.Equal(got, want) {
				t.Errorf("Scan(%s) findings = %v, want %v", dir, got, want)
			}
			kinds := map[string]scan.Kind{}
			for _, a := range rep.Artifacts {
				kinds[a.Path] = a.Kind
			}
			if want := map[string]scan.Kind{"killable.hex": scan.KindBytecode, "liquid.hex": scan.KindWASM, "liquid.wasm": scan.KindWASM}; !maps.Equal(kinds, want) {
				t.Errorf("Scan(%s) artifact kinds = %v, want %v", dir, kinds, want)
			}
		})
	}
	if _, err := scan.New(scan.Config{Hash: "md5"}, nil); !errors.Is(err, evm.ErrUnknownHash) {
		t.Errorf("New(Hash md5) = %v, want ErrUnknownHash", err)
	}
}

// TestScanConstructor checks that constructor code is analysed: a secret
// drawn in the constructor from block values is reported at its source
// line, in the function "constructor".
func TestScanConstructor(t *testing.T) {
	if testing.Short() {
		t.Skip("needs solc-js from npm")
	}
	rep, err := scanner(t).Scan(context.Background(), "testdata/constructor/Draw.sol")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Rule == evm.WeakRandomness.Info.ID && f.Location.Function == "constructor" && f.Location.Line == 11 {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s at line 11 in the constructor; findings: %+v", evm.WeakRandomness.Info.ID, rep.Findings)
	}
}

// TestScanGoFile checks that a Go file given alone is analysed alone,
// with its findings placed in it, and that the artifact says whether
// every declaration type-checked.
func TestScanGoFile(t *testing.T) {
	rep, err := scanner(t).Scan(context.Background(), "testdata/project/chaincode/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Artifacts) != 1 || rep.Artifacts[0].Path != "project/chaincode/main.go" || rep.Artifacts[0].Kind != scan.KindChaincode {
		t.Fatalf("artifacts = %+v, want the file alone", rep.Artifacts)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("no findings in main.go")
	}
	gaps := 0
	for _, f := range rep.Findings {
		if f.Location.Path != "project/chaincode/main.go" {
			t.Errorf("finding %s placed in %q", f.Rule, f.Location.Path)
		}
		if f.Rule == "CC-NOT-ANALYSED" {
			gaps++
		}
	}
	if rep.Artifacts[0].Complete != (gaps == 0) {
		t.Errorf("artifact complete = %v with %d declarations not analysed", rep.Artifacts[0].Complete, gaps)
	}
}
