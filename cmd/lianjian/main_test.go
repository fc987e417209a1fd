package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary act as the lianjian command when
// LIANJIAN_TEST_MAIN is set, so integration tests can run it as a real
// process (and kill -9 it) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("LIANJIAN_TEST_MAIN") == "1" {
		os.Args = append([]string{"lianjian"}, strings.Fields(os.Getenv("LIANJIAN_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runCmd runs a command in-process and returns its output.
func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), &env{stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}, args)
	return out.String(), errOut.String(), err
}

func TestVersion(t *testing.T) {
	out, _, err := runCmd(t, "version")
	if err != nil || !strings.HasPrefix(out, "lianjian ") {
		t.Fatalf("version = %q, %v", out, err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"serve", "--no-such-flag"},
		{"ingest", "--data-dir", "x", "stray"},
		{"rules", "--format", "pdf"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if _, _, err := runCmd(t, args...); err == nil || !strings.Contains(err.Error(), "usage") {
				t.Errorf("run(%q) = %v, want a usage error", args, err)
			}
		})
	}
}

func TestRulesMarkdownIsCurrent(t *testing.T) {
	out, _, err := runCmd(t, "rules", "--format", "markdown")
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != out {
		t.Errorf("docs/rules.md is out of date with the rule declarations; run make docs")
	}
}

// TestOneIndexOpener checks that every command opens the index through
// openIndexCLI: index.Open* is called only by Config.openIndex, and that
// only by openIndexCLI, so every command gets the same refusals, hints
// and configured options.
func TestOneIndexOpener(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]string{"index.Open": "openIndex", "openIndex": "openIndexCLI"}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			in := "package-level declaration"
			if fn, ok := d.(*ast.FuncDecl); ok {
				in = fn.Name.Name
			}
			ast.Inspect(d, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				key := sel.Sel.Name
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "index" && strings.HasPrefix(key, "Open") {
					key = "index.Open"
				}
				if want, ok := allowed[key]; ok && in != want {
					t.Errorf("%s: %s opens the index with %s; use openIndexCLI", fset.Position(sel.Pos()), in, key)
				}
				return true
			})
		}
	}
}
