package solc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/contracts/solc"
	"github.com/lianjian/lianjian/internal/testnet/repo"
)

// compiler returns a solc-js compiler over the repository cache, which
// installs a version from npm on first use.
func compiler(t *testing.T) *solc.Compiler {
	t.Helper()
	if testing.Short() {
		t.Skip("needs node and solc-js from npm")
	}
	cache, err := repo.Cache()
	if err != nil {
		t.Fatal(err)
	}
	c, err := solc.New(solc.Config{CacheDir: filepath.Join(cache, "solc"), Install: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompile(t *testing.T) {
	c := compiler(t)
	tests := []struct {
		dir       string
		files     []string
		version   string
		contracts []string // File:Name
		rules     []string // detector ids expected on the first contract
	}{
		{"testdata/v04", []string{"Wallet.sol"}, "0.4.24", []string{"Wallet.sol:Wallet"},
			[]string{"EVM-SELFDESTRUCT", "EVM-TX-ORIGIN"}},
		{"testdata/v08", []string{"Vault.sol"}, "0.8.26", []string{"Lib.sol:Lib", "Vault.sol:Vault"}, nil},
		{"testdata/npmdep", []string{"Token.sol"}, "0.8.26", []string{"@acme/math/Math.sol:Math", "Token.sol:Token"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			out, err := c.Compile(ctx, tt.dir, tt.files)
			if err != nil {
				t.Fatalf("Compile(%s) = %v", tt.dir, err)
			}
			if out.Version.String() != tt.version {
				t.Errorf("Compile(%s) version %s, want %s", tt.dir, out.Version, tt.version)
			}
			var names []string
			for _, k := range out.Contracts {
				names = append(names, k.File+":"+k.Name)
				if len(k.Runtime) == 0 || k.SourceMap == "" {
					t.Errorf("contract %s: %d code bytes, source map %q", k.Name, len(k.Runtime), k.SourceMap)
				}
				if _, err := evm.ParseSourceMap(k.SourceMap); err != nil {
					t.Errorf("contract %s: ParseSourceMap = %v", k.Name, err)
				}
			}
			if !slices.Equal(names, tt.contracts) {
				t.Errorf("Compile(%s) contracts %v, want %v", tt.dir, names, tt.contracts)
			}
			if !slices.Contains(out.Sources, tt.files[0]) {
				t.Errorf("Compile(%s) sources %v lack %s", tt.dir, out.Sources, tt.files[0])
			}
			if len(tt.rules) == 0 {
				return
			}
			res, err := evm.Scan(out.Contracts[0].Runtime, evm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.rules {
				if !slices.ContainsFunc(res.Findings, func(f contracts.Finding) bool { return f.Rule == r }) {
					t.Errorf("Scan(%s) has no %s finding", tt.contracts[0], r)
				}
			}
		})
	}
}

func TestCompileError(t *testing.T) {
	c := compiler(t)
	dir := t.TempDir()
	src := "pragma solidity 0.8.26;\ncontract Broken { function f() public { undefinedName(); } }\n"
	if err := os.WriteFile(filepath.Join(dir, "Broken.sol"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := c.Compile(context.Background(), dir, []string{"Broken.sol"})
	if !errors.Is(err, solc.ErrCompile) {
		t.Errorf("Compile(Broken.sol) = %v, want ErrCompile", err)
	}
}

func TestNoCompiler(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no solc binary either
	c, err := solc.New(solc.Config{CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Compile(context.Background(), "testdata/v04", []string{"Wallet.sol"})
	if !errors.Is(err, solc.ErrNoCompiler) {
		t.Errorf("Compile without installs = %v, want ErrNoCompiler", err)
	}
}

// fakeSolc writes a solc stand-in that reports version 0.8.26 and answers
// standard JSON with one contract, so the native-binary path is tested
// without a real solc.
func fakeSolc(t *testing.T, dir string) string {
	t.Helper()
	script := `#!/bin/sh
if [ "$1" = "--version" ]; then
  echo "solc, the solidity compiler commandline interface"
  echo "Version: 0.8.26+commit.8a97fa7a.Linux.g++"
  exit 0
fi
cat >/dev/null
echo '{"sources":{"Wallet.sol":{"id":0}},"contracts":{"Wallet.sol":{"Wallet":{"abi":[],"evm":{"deployedBytecode":{"object":"33ff","sourceMap":"0:5:0:-:0;"}}}}}}'
`
	p := filepath.Join(dir, "solc")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNativeSolc(t *testing.T) {
	bin := t.TempDir()
	path := fakeSolc(t, bin)
	tests := []struct {
		name string
		cfg  solc.Config
		path string // PATH for the test
		file string
		want error
	}{
		{"configured binary", solc.Config{Solc: path}, t.TempDir(), "testdata/v04/Wallet.sol", nil},
		{"binary on PATH matching the pragma", solc.Config{}, bin, "testdata/v08/Vault.sol", nil},
		{"binary on PATH not matching the pragma", solc.Config{}, bin, "testdata/v04/Wallet.sol", solc.ErrNoCompiler},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path+string(os.PathListSeparator)+"/usr/bin:/bin")
			c, err := solc.New(tt.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.Compile(context.Background(), filepath.Dir(tt.file), []string{filepath.Base(tt.file)})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Compile(%s) = %v, want %v", tt.file, err, tt.want)
			}
			if err != nil {
				return
			}
			if out.Version.String() != "0.8.26" || len(out.Contracts) != 1 || len(out.Contracts[0].Runtime) != 2 {
				t.Errorf("Compile(%s) = %+v", tt.file, out)
			}
		})
	}
}

// TestInstall runs the npm install path with an npm stand-in, from several
// compilers at once as parallel test binaries would: each version ends up
// installed once, whole, in the cache.
func TestInstall(t *testing.T) {
	bin, cache := t.TempDir(), t.TempDir()
	npm := filepath.Join(bin, "npm")
	// npm install --prefix DIR ... solc@V: create DIR/node_modules/solc.
	script := `#!/bin/sh
prefix="$3"
/bin/mkdir -p "$prefix/node_modules/solc" && /bin/sleep 0.2 && echo "// soljson" > "$prefix/node_modules/solc/soljson.js"
`
	if err := os.WriteFile(npm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(bin, "node")
	// node wrapper DIR ROOT: answer like solc-js would.
	if err := os.WriteFile(node, []byte(`#!/bin/sh
/bin/cat >/dev/null
echo '{"sources":{"Wallet.sol":{"id":0}},"contracts":{"Wallet.sol":{"Wallet":{"evm":{"deployedBytecode":{"object":"33ff","sourceMap":""}}}}}}'
`), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			c, err := solc.New(solc.Config{CacheDir: cache, Install: true, NPM: npm, Node: node}, nil)
			if err == nil {
				_, err = c.Compile(context.Background(), "testdata/v04", []string{"Wallet.sol"})
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("Compile with install = %v", err)
		}
	}
	ents, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"0.4.24"}) {
		t.Errorf("cache holds %v, want only 0.4.24", names)
	}
}
