package ecfast

import (
	"math/big"
	"testing"
)

func TestInvVartime(t *testing.T) {
	for name, m := range moduli() {
		t.Run(name, func(t *testing.T) {
			p := feToBig(&m.p)
			fix := m.gcdFixTable()
			r := new(big.Int).Lsh(big.NewInt(1), 256)
			vals := boundaryValues(p, newDetRand("inv/"+name))[1:] // skip 0
			rnd := newDetRand("inv-more/" + name)
			for range 2000 {
				v := new(big.Int).SetBytes(rnd.bytes(1 + int(rnd.bytes(1)[0])%32))
				if v.Mod(v, p).Sign() != 0 {
					vals = append(vals, v)
				}
			}
			for _, xb := range vals {
				x := feFromBig(xb)
				got, ok := m.invVartime(&x, &fix)
				if !ok {
					t.Fatalf("invVartime(%x) did not converge", xb)
				}
				want := new(big.Int).ModInverse(xb, p)
				want.Mul(want, r).Mod(want, p)
				if feToBig(&got).Cmp(want) != 0 {
					t.Fatalf("invVartime(%x) = %x, want %x", xb, feToBig(&got), want)
				}
			}
		})
	}
}

// TestInvField checks the field inversion used for y's parity in
// RecoversTo, on every curve: Montgomery form in, Montgomery form out.
func TestInvField(t *testing.T) {
	for _, id := range allCurves {
		t.Run(id.String(), func(t *testing.T) {
			c := lookup(id)
			p := feToBig(&c.fp.p)
			for _, xb := range boundaryValues(p, newDetRand("inv-field/"+id.String()))[1:] {
				x := feFromBig(xb)
				var xm, got fe
				c.fp.toMont(&xm, &x)
				w := c.invField(&xm)
				c.fp.fromMont(&got, &w)
				if want := new(big.Int).ModInverse(xb, p); feToBig(&got).Cmp(want) != 0 {
					t.Fatalf("invField(%x) = %x, want %x", xb, feToBig(&got), want)
				}
			}
		})
	}
}
