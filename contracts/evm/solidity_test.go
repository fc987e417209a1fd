package evm

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var solWant = regexp.MustCompile(`want "([A-Z0-9-]+)"`)

// TestSolidity scans the annotated Solidity samples in testdata/solidity,
// compiled by solc (see its README), runtime and constructor code: each
// `// want "RULE"` comment expects exactly one finding of that rule on
// that line, and no other finding is reported except the informational
// access-check inventory.
func TestSolidity(t *testing.T) {
	files, err := filepath.Glob("testdata/solidity/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			cts, err := loadContracts(file)
			if err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(filepath.Join("testdata/solidity", name+".sol"))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i, line := range strings.Split(string(src), "\n") {
				for _, m := range solWant.FindAllStringSubmatch(line, -1) {
					want = append(want, fmt.Sprintf("%s@%d", m[1], i+1))
				}
			}
			c := corpusCase{Name: name, Dir: "testdata/solidity", Contracts: cts}
			var got []string
			for _, f := range scanCase(t, c) {
				if f.Rule == AccessControl.Info.ID {
					continue
				}
				got = append(got, fmt.Sprintf("%s@%d", f.Rule, f.Line))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Scan(%s) findings = %v, want %v", name, got, want)
			}
		})
	}
}
