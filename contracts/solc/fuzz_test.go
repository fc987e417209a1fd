package solc

import "testing"

// FuzzPragma feeds arbitrary source text to the pragma parser: it must
// never panic, and a parsed constraint must answer Match and Exact.
func FuzzPragma(f *testing.F) {
	for _, s := range []string{
		"pragma solidity ^0.4.24;",
		"pragma solidity >=0.4.0<0.6.0;",
		"/* pragma solidity 0.5.0; */ pragma solidity 0.4.20 - 0.4.24;",
		"pragma solidity ^0.4.24 || ~0.8;",
		"pragma solidity x.*.X;",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Pragma(src)
		if err != nil {
			return
		}
		for _, v := range []Version{{0, 4, 24}, {0, 8, 30}, {1, 0, 0}} {
			c.Match(v)
		}
		c.Exact()
		if _, err := Units([]string{"a.sol"}, map[string][]byte{"a.sol": src}); err != nil {
			t.Errorf("Units after a successful Pragma = %v", err)
		}
	})
}
