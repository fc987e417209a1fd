package solc

import (
	"errors"
	"testing"
)

func TestConstraint(t *testing.T) {
	tests := []struct {
		expr string
		yes  []string
		no   []string
	}{
		{"^0.4.24", []string{"0.4.24", "0.4.26"}, []string{"0.4.23", "0.5.0"}},
		{"0.8.26", []string{"0.8.26"}, []string{"0.8.25", "0.8.27"}},
		{"=0.5.1", []string{"0.5.1"}, []string{"0.5.2"}},
		{">=0.4.22 <0.6.0", []string{"0.4.22", "0.5.17"}, []string{"0.4.21", "0.6.0"}},
		{">= 0.5.0 < 0.7.0", []string{"0.6.12"}, []string{"0.7.0"}},
		{"~0.6.2", []string{"0.6.2", "0.6.12"}, []string{"0.6.1", "0.7.0"}},
		{"^0.8", []string{"0.8.0", "0.8.30"}, []string{"0.7.6", "0.9.0"}},
		{"0.7", []string{"0.7.0", "0.7.6"}, []string{"0.8.0"}},
		{">0.4", []string{"0.5.0"}, []string{"0.4.26"}},
		{"^0.4.24 || ^0.8.0", []string{"0.4.25", "0.8.1"}, []string{"0.5.0"}},
		{"0.4.20 - 0.4.24", []string{"0.4.20", "0.4.24"}, []string{"0.4.25"}},
		{"*", []string{"0.4.0", "0.8.30"}, nil},
		{">=0.4.0<0.6.0", []string{"0.4.0", "0.5.17"}, []string{"0.6.0"}},
		{"0.4.*", []string{"0.4.26"}, []string{"0.5.0"}},
		{">=0.4.24 <=0.5.3 ~0.4.20", []string{"0.4.24", "0.4.26"}, []string{"0.4.23", "0.5.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := ParseConstraint(tt.expr)
			if err != nil {
				t.Fatalf("ParseConstraint(%q) = %v", tt.expr, err)
			}
			for _, s := range tt.yes {
				if v, _ := ParseVersion(s); !c.Match(v) {
					t.Errorf("%q.Match(%s) = false, want true", tt.expr, s)
				}
			}
			for _, s := range tt.no {
				if v, _ := ParseVersion(s); c.Match(v) {
					t.Errorf("%q.Match(%s) = true, want false", tt.expr, s)
				}
			}
		})
	}
}

func TestConstraintErrors(t *testing.T) {
	for _, expr := range []string{"", "^abc", "0.4.24 ||", ">>0.4"} {
		t.Run(expr, func(t *testing.T) {
			if _, err := ParseConstraint(expr); !errors.Is(err, ErrPragma) {
				t.Errorf("ParseConstraint(%q) = %v, want ErrPragma", expr, err)
			}
		})
	}
}

func TestPragma(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		exact string
		match string
	}{
		{"pinned", "pragma solidity 0.4.24;\ncontract A {}", "0.4.24", "0.4.24"},
		{"comment ignored", "// pragma solidity 0.5.0;\npragma solidity ^0.8.0;", "", "0.8.30"},
		{"block comment ignored", "/* pragma solidity 0.5.0; */ pragma solidity >=0.6.0 <0.7.0;", "", "0.6.12"},
		{"combined", "pragma solidity ^0.8.0;\npragma solidity <0.8.20;", "", "0.8.19"},
		{"none", "contract A {}", "", "0.4.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Pragma([]byte(tt.src))
			if err != nil {
				t.Fatalf("Pragma = %v", err)
			}
			if v, ok := c.Exact(); tt.exact != "" && (!ok || v.String() != tt.exact) {
				t.Errorf("Exact() = %s, %v, want %s", v, ok, tt.exact)
			}
			if v, _ := ParseVersion(tt.match); !c.Match(v) {
				t.Errorf("Pragma(%q).Match(%s) = false", tt.src, tt.match)
			}
		})
	}
}

func TestUnlink(t *testing.T) {
	in := "6080" + "__$1234567890abcdef1234567890abcdef12$__" + "00"
	if got, want := unlink(in), "6080"+"0000000000000000000000000000000000000000"+"00"; got != want {
		t.Errorf("unlink(%q) = %q, want %q", in, got, want)
	}
}
