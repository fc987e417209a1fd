package solc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/contracts/solc"
)

// fakeToolchain writes npm and node stand-ins into a new directory. npm
// "installs" any version; node answers for the solc-js version whose cache
// directory it is given: success for ok, a crash for crash, and otherwise
// the error line fail. Every version node runs is appended to the returned
// log file.
func fakeToolchain(t *testing.T, ok, crash, fail string) (npm, node, log string) {
	t.Helper()
	bin := t.TempDir()
	npm, node, log = filepath.Join(bin, "npm"), filepath.Join(bin, "node"), filepath.Join(bin, "ran.log")
	write := func(path, script string) {
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(npm, `#!/bin/sh
/bin/mkdir -p "$3/node_modules/solc" && echo "// soljson" > "$3/node_modules/solc/soljson.js"
`)
	write(node, `#!/bin/sh
/bin/cat >/dev/null
v=$(/usr/bin/basename "$2")
echo "$v" >> `+log+`
case "$v" in
`+ok+`) echo '{"sources":{"A.sol":{"id":0}},"contracts":{"A.sol":{"A":{"evm":{"deployedBytecode":{"object":"33ff","sourceMap":""}}}}}}' ;;
`+crash+`) echo "soljson.js:1" >&2; echo "TypeError: solc.compileStandardWrapper is not a function" >&2; exit 1 ;;
*) echo '{"errors":[{"severity":"error","formattedMessage":"A.sol:2:1: `+fail+`"}]}' ;;
esac
`)
	return npm, node, log
}

func TestCompileRetry(t *testing.T) {
	tests := []struct {
		name      string
		pragma    string
		ok, crash string // versions that compile, crash
		fail      string // the error of every other version
		cached    []string
		ran       []string // versions tried, in order
		version   string   // chosen, "" for an error
		want      error
	}{
		{"first candidate", ">=0.5.0", "0.5.17", "none", "ParserError: x", nil, []string{"0.5.17"}, "0.5.17", nil},
		{"next after parse errors", ">=0.5.0", "0.7.6", "none", "ParserError: Expected ';'", nil,
			[]string{"0.5.17", "0.6.12", "0.7.6"}, "0.7.6", nil},
		{"cache does not matter", ">=0.5.0", "0.7.6", "none", "ParserError: Expected ';'", []string{"0.8.26", "0.6.12", "0.7.0"},
			[]string{"0.5.17", "0.6.12", "0.7.6"}, "0.7.6", nil},
		{"next after a crash", "^0.4.0 || ^0.5.0", "0.5.17", "0.4.26", "", nil, []string{"0.4.26", "0.5.17"}, "0.5.17", nil},
		{"no retry for other errors", ">=0.5.0", "0.8.30", "none", "CompilerError: Stack too deep", nil,
			[]string{"0.5.17"}, "", solc.ErrCompile},
		{"all candidates fail", ">=0.6.0", "none", "none", "TypeError: Member not found", nil,
			[]string{"0.6.12", "0.7.6", "0.8.30"}, "", solc.ErrCompile},
		{"pinned version only", "0.6.2", "none", "none", "ParserError: x", nil, []string{"0.6.2"}, "", solc.ErrCompile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir()) // no solc binary
			npm, node, log := fakeToolchain(t, tt.ok, tt.crash, tt.fail)
			cache, root := t.TempDir(), t.TempDir()
			for _, v := range tt.cached {
				if err := os.MkdirAll(filepath.Join(cache, v, "node_modules", "solc"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(cache, v, "node_modules", "solc", "soljson.js"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			src := "pragma solidity " + tt.pragma + ";\ncontract A {}\n"
			if err := os.WriteFile(filepath.Join(root, "A.sol"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := solc.New(solc.Config{CacheDir: cache, Install: true, NPM: npm, Node: node}, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.Compile(context.Background(), root, []string{"A.sol"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Compile(%s) = %v, want %v", tt.pragma, err, tt.want)
			}
			if err == nil && out.Version.String() != tt.version {
				t.Errorf("Compile(%s) version %s, want %s", tt.pragma, out.Version, tt.version)
			}
			if err != nil && len(tt.ran) > 1 && !strings.Contains(err.Error(), "also failed with solc "+strings.Join(tt.ran[1:], ", ")) {
				t.Errorf("Compile(%s) = %v, want it to name the other versions tried", tt.pragma, err)
			}
			data, _ := os.ReadFile(log)
			if ran := strings.Fields(string(data)); !slices.Equal(ran, tt.ran) {
				t.Errorf("Compile(%s) tried %v, want %v", tt.pragma, ran, tt.ran)
			}
		})
	}
}

// TestCompileRetryCrashMessage checks that a crashing solc-js yields a
// short error naming the compiler's message, not its JavaScript.
func TestCompileRetryCrashMessage(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	npm, node, _ := fakeToolchain(t, "none", "0.4.24", "")
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "A.sol"), []byte("pragma solidity 0.4.24;\ncontract A {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := solc.New(solc.Config{CacheDir: t.TempDir(), Install: true, NPM: npm, Node: node}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Compile(context.Background(), root, []string{"A.sol"})
	if !errors.Is(err, solc.ErrRun) || !strings.Contains(err.Error(), "compileStandardWrapper is not a function") {
		t.Errorf("Compile(crashing solc-js) = %v, want ErrRun with the TypeError", err)
	}
}

// TestCompileRetryNoInstall checks the plan when installs are off: cached
// candidates in candidate order, else the cached matching versions.
func TestCompileRetryNoInstall(t *testing.T) {
	tests := []struct {
		name   string
		cached []string
		ran    []string
	}{
		{"cached candidates", []string{"0.8.30", "0.6.12", "0.8.26"}, []string{"0.6.12", "0.8.30"}},
		{"no candidate cached", []string{"0.8.26", "0.7.1"}, []string{"0.7.1", "0.8.26"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			_, node, log := fakeToolchain(t, "0.8.*", "none", "ParserError: Expected ';'")
			cache, root := t.TempDir(), t.TempDir()
			for _, v := range tt.cached {
				dir := filepath.Join(cache, v, "node_modules", "solc")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "soljson.js"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(root, "A.sol"), []byte("pragma solidity >=0.5.0;\ncontract A {}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := solc.New(solc.Config{CacheDir: cache, Node: node}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Compile(context.Background(), root, []string{"A.sol"}); err != nil {
				t.Fatalf("Compile(>=0.5.0) = %v", err)
			}
			data, _ := os.ReadFile(log)
			if ran := strings.Fields(string(data)); !slices.Equal(ran, tt.ran) {
				t.Errorf("Compile(>=0.5.0) tried %v, want %v", ran, tt.ran)
			}
		})
	}
}
