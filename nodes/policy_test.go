package nodes

import (
	"testing"
)

func TestPolicySingleOrg(t *testing.T) {
	orgs := []string{"Org1MSP", "Org2MSP", "Org3MSP"}
	for _, c := range []struct {
		rule string
		want string // the org that satisfies it alone, "" for none
	}{
		{"OR('Org1MSP.peer', 'Org2MSP.peer')", "Org1MSP"},
		{"AND('Org1MSP.peer', 'Org2MSP.peer')", ""},
		{"OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')", ""},
		{"OutOf(2, 'Org1MSP.peer', 'Org1MSP.admin', 'Org3MSP.peer')", "Org1MSP"},
		{"AND('Org2MSP.member', OR('Org2MSP.admin', 'Org3MSP.admin'))", "Org2MSP"},
		{"OR(AND('Org1MSP.peer', 'Org2MSP.peer'), AND('Org2MSP.peer', 'Org3MSP.peer'))", ""},
		{"'Org3MSP.ou:dept.a'", "Org3MSP"},
		{"OutOf(0, 'Org1MSP.peer')", ""},
	} {
		t.Run(c.rule, func(t *testing.T) {
			n, err := parsePolicyText(c.rule)
			if err != nil {
				t.Fatalf("parsePolicyText(%q) = %v", c.rule, err)
			}
			if got := n.singleOrg(orgs); got != c.want {
				t.Errorf("singleOrg(%q) = %q, want %q", c.rule, got, c.want)
			}
		})
	}
}

func TestPolicySyntaxErrors(t *testing.T) {
	for _, s := range []string{"", "OR(", "OR('a.peer'", "XOR('a.peer')", "OutOf(x, 'a.peer')", "OR('a.peer') junk", "'unterminated"} {
		if _, err := parsePolicyText(s); err == nil {
			t.Errorf("parsePolicyText(%q) = nil, want an error", s)
		}
	}
}

func FuzzParsePolicyText(f *testing.F) {
	for _, s := range []string{"OR('Org1MSP.peer', 'Org2MSP.peer')", "OutOf(2, 'A.peer', AND('B.peer', 'C.admin'))", "NONE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parsePolicyText(s)
		if err != nil {
			return
		}
		_ = n.singleOrg([]string{"A", "B"})
	})
}
