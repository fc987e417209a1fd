package gov

import (
	"errors"
	"testing"
)

// FuzzDecode feeds Decode arbitrary recipients and inputs. Seeds in
// testdata/fuzz/FuzzDecode cover every contract in both versions and both
// hash modes, plus truncated and corrupted inputs. Decode must never panic;
// when it reports a decoded call, the call must be complete.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, version int, gm bool, to string, input []byte) {
		c, ok, err := Decode(version, gm, to, input)
		switch {
		case !ok && err == nil:
			if c.Contract != "" {
				t.Fatalf("not governance but Call = %+v", c)
			}
		case ok && err == nil:
			if c.Contract == "" || c.Method == "" || c.Action == "" || c.Args == nil {
				t.Fatalf("incomplete Call %+v", c)
			}
		case ok:
			if c.Contract == "" {
				t.Fatalf("error %v without a contract", err)
			}
			if !errors.Is(err, ErrUnknownMethod) && !errors.Is(err, ErrMalformed) &&
				!errors.Is(err, ErrInvalidArg) && !errors.Is(err, ErrWASM) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
		default:
			if !errors.Is(err, ErrVersion) {
				t.Fatalf("ok=false with error %v", err)
			}
		}
	})
}
