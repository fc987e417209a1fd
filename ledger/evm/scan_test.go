package evm

import (
	"encoding/json"
	"testing"
)

// TestTxClaims checks the fast claim scanner against encoding/json on
// plain, spaced, nested and escaped objects, and on broken input.
func TestTxClaims(t *testing.T) {
	const h = "0x1111111111111111111111111111111111111111111111111111111111111111"
	const f = "0x2222222222222222222222222222222222222222"
	for _, in := range []string{
		`{"hash":"` + h + `","from":"` + f + `"}`,
		` { "accessList" : [ {"address":"0x01","storageKeys":["x","}"]} ], "hash" : "` + h + `" ,"input":"0x\"}","from":"` + f + `" } `,
		`{"from":"` + f + `","nested":{"hash":"0xdead"},"hash":"` + h + `","n":null,"b":true,"v":12}`,
		`{"hash":"\u0030x11","from":"` + f + `"}`,
		`{"hash":"` + h + `"}`,
		`{"hash":"` + h + `","from":"` + f + `"`,
		`[1,2]`,
		`{"hash":12,"from":"` + f + `"}`,
	} {
		var want txMeta
		werr := json.Unmarshal([]byte(in), &want)
		got, gerr := txClaims([]byte(in))
		if (werr == nil) != (gerr == nil) || (werr == nil && got != want) {
			t.Errorf("txClaims(%s) = %+v, %v; encoding/json gives %+v, %v", in, got, gerr, want, werr)
		}
	}
}

// FuzzTxClaims checks that the scanner agrees with encoding/json whenever
// it accepts its input, and never panics.
func FuzzTxClaims(f *testing.F) {
	f.Add([]byte(`{"hash":"0x1111111111111111111111111111111111111111111111111111111111111111","from":"0x2222222222222222222222222222222222222222"}`))
	f.Add([]byte(`{"a":[{"b":"]"}],"hash":"0x11","from":"0x22"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, gerr := txClaims(in)
		var want txMeta
		werr := json.Unmarshal(in, &want)
		if gerr == nil && werr == nil && got != want {
			t.Fatalf("txClaims(%q) = %+v, encoding/json %+v", in, got, want)
		}
	})
}
