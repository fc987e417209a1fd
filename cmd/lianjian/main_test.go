package main

import (
	"bytes"
	"context"
	"os"
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
