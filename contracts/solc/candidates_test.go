package solc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestCandidates(t *testing.T) {
	// A fake release list, shuffled: the order must come from the pragma
	// alone.
	known := []Version{
		{0, 8, 30}, {0, 4, 10}, {0, 6, 12}, {0, 5, 0}, {0, 4, 26}, {0, 8, 0},
		{0, 5, 17}, {0, 7, 6}, {0, 4, 24}, {0, 6, 0}, {0, 8, 26}, {0, 7, 0},
	}
	tests := []struct {
		pragma string
		want   []string
	}{
		{">=0.5.0", []string{"0.5.17", "0.6.12", "0.7.6", "0.8.30"}},
		{">=0.4.0", []string{"0.4.26", "0.5.17", "0.6.12", "0.7.6", "0.8.30"}},
		{"^0.4.11", []string{"0.4.26"}},
		{">=0.4.22 <0.6.0", []string{"0.4.26", "0.5.17"}},
		{">=0.6.0 <0.8.0 || ^0.8.0", []string{"0.6.12", "0.7.6", "0.8.30"}},
		{"<0.8.26 >0.7.0", []string{"0.7.6", "0.8.0"}},
		{"0.8.26", []string{"0.8.26"}},
		{"0.8.99", []string{"0.8.99"}}, // pinned, even when unknown
		{"^0.9.0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			c, err := ParseConstraint(tt.pragma)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range candidates(c, known) {
				got = append(got, v.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("candidates(%s) = %v, want %v", tt.pragma, got, tt.want)
			}
		})
	}
	c, _ := ParseConstraint(">=0.4.0")
	if got := Candidates(c); len(got) != MaxAttempts || got[0] != (Version{0, 4, 26}) {
		t.Errorf("Candidates(>=0.4.0) = %v, want %d versions from 0.4.26", got, MaxAttempts)
	}
}

func TestCandidatesRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("solc 0.5.17: %w:\nA.sol:3:5: ParserError: Expected ';'", ErrCompile), true},
		{fmt.Errorf("%w:\nA.sol:9:1: DeclarationError: Undeclared identifier.", ErrCompile), true},
		{fmt.Errorf("%w:\nA.sol:1:1: SyntaxError: Source file requires different compiler version", ErrCompile), true},
		{fmt.Errorf("%w:\nCompilerError: Stack too deep", ErrCompile), false},
		{fmt.Errorf("%w: node: exit status 1: TypeError: not a function", ErrRun), true},
		{fmt.Errorf("%w: npm install solc@0.5.17", ErrNoCompiler), false},
		{errors.New("read source: no such file"), false},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%q) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestCandidatesReadable(t *testing.T) {
	stderr := "/cache/0.4.10/node_modules/solc/soljson.js:1\n" +
		"var Module;" + strings.Repeat("x", 5000) + "\n    ^\n\nTypeError: solc.compileStandardWrapper is not a function\n"
	got := readable(stderr)
	if len(got) > 600 {
		t.Errorf("readable(stderr) has %d bytes, want at most 600", len(got))
	}
	if !strings.Contains(got, "TypeError: solc.compileStandardWrapper is not a function") {
		t.Errorf("readable(stderr) = %q, want the TypeError line", got)
	}
}
