package ecfast

import (
	"math/big"
	"testing"
)

// moduli lists every modulus the package uses, by name.
func moduli() map[string]*modulus {
	return map[string]*modulus{
		"P256/p": p256.fp, "P256/n": p256.fn,
		"SM2/p": sm2p256.fp, "SM2/n": sm2p256.fn,
		"secp256k1/p": secp256k1.fp, "secp256k1/n": secp256k1.fn,
	}
}

// boundaryValues returns interesting inputs below m: 0, 1, 2, m−1, m−2,
// 2^255, 2^64−1, 2^192, and a few deterministic random values.
func boundaryValues(m *big.Int, rnd *detRand) []*big.Int {
	one := big.NewInt(1)
	vals := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(m, one), new(big.Int).Sub(m, big.NewInt(2)),
		new(big.Int).Lsh(one, 255),
		new(big.Int).Sub(new(big.Int).Lsh(one, 64), one),
		new(big.Int).Lsh(one, 192),
		new(big.Int).Rsh(m, 1),
	}
	for range 24 {
		v := new(big.Int).SetBytes(rnd.bytes(32))
		vals = append(vals, v.Mod(v, m))
	}
	return vals
}

func TestModulusConstants(t *testing.T) {
	r := new(big.Int).Lsh(big.NewInt(1), 256)
	for name, m := range moduli() {
		t.Run(name, func(t *testing.T) {
			p := feToBig(&m.p)
			if got := new(big.Int).Mul(p, new(big.Int).SetUint64(m.nInv)); new(big.Int).Mod(got, new(big.Int).Lsh(big.NewInt(1), 64)).Cmp(new(big.Int).SetUint64(^uint64(0))) != 0 {
				t.Errorf("p·nInv mod 2^64 = %x, want 2^64−1", got)
			}
			if got, want := feToBig(&m.one), new(big.Int).Mod(r, p); got.Cmp(want) != 0 {
				t.Errorf("one = %x, want %x", got, want)
			}
			if got, want := feToBig(&m.rr), new(big.Int).Mod(new(big.Int).Mul(r, r), p); got.Cmp(want) != 0 {
				t.Errorf("rr = %x, want %x", got, want)
			}
		})
	}
}

func TestCurveConstants(t *testing.T) {
	for _, c := range allCurves {
		t.Run(c.String(), func(t *testing.T) {
			cv, rc := lookup(c), ref(c)
			if cv.aZero != (rc.a.Sign() == 0) {
				t.Errorf("aZero = %v, library a = %v", cv.aZero, rc.a)
			}
			if got := feToBig(&cv.fp.p); got.Cmp(rc.p) != 0 {
				t.Errorf("p = %x, want %x", got, rc.p)
			}
			if got := feToBig(&cv.fn.p); got.Cmp(rc.n) != 0 {
				t.Errorf("n = %x, want %x", got, rc.n)
			}
			g := cv.toRef(&cv.g)
			if !pointEqual(g, rc.g()) {
				t.Errorf("G = (%x, %x), want (%x, %x)", g.x, g.y, rc.gx, rc.gy)
			}
			var b fe
			cv.fp.fromMont(&b, &cv.b)
			if got := feToBig(&b); got.Cmp(rc.b) != 0 {
				t.Errorf("b = %x, want %x", got, rc.b)
			}
			// G satisfying y² = x³ + a·x + b confirms the model's a for the
			// library's b (crypto/elliptic's parameters carry no a).
			if !rc.onCurve(rc.gx, rc.gy) {
				t.Errorf("G not on y² = x³ + %v·x + b", rc.a)
			}
			if !cv.onCurve(&cv.g) {
				t.Errorf("onCurve(G) = false")
			}
		})
	}
}

func TestFieldOps(t *testing.T) {
	rInv := func(p *big.Int) *big.Int {
		r := new(big.Int).Lsh(big.NewInt(1), 256)
		return r.ModInverse(r, p)
	}
	for name, m := range moduli() {
		t.Run(name, func(t *testing.T) {
			p := feToBig(&m.p)
			ri := rInv(p)
			vals := boundaryValues(p, newDetRand("field/"+name))
			for _, xb := range vals {
				x := feFromBig(xb)
				var got fe
				// Montgomery round trip.
				var xm fe
				m.toMont(&xm, &x)
				if want := new(big.Int).Mod(new(big.Int).Lsh(xb, 256), p); feToBig(&xm).Cmp(want) != 0 {
					t.Fatalf("toMont(%x) = %x, want %x", xb, feToBig(&xm), want)
				}
				m.fromMont(&got, &xm)
				if got != x {
					t.Fatalf("fromMont(toMont(%x)) = %x", xb, feToBig(&got))
				}
				m.neg(&got, &x)
				if want := new(big.Int).Mod(new(big.Int).Neg(xb), p); feToBig(&got).Cmp(want) != 0 {
					t.Fatalf("neg(%x) = %x, want %x", xb, feToBig(&got), want)
				}
				m.inv(&got, &xm)
				m.fromMont(&got, &got)
				want := new(big.Int).ModInverse(xb, p)
				if want == nil {
					want = new(big.Int)
				}
				if feToBig(&got).Cmp(want) != 0 {
					t.Fatalf("inv(%x) = %x, want %x", xb, feToBig(&got), want)
				}
				for _, yb := range vals {
					y := feFromBig(yb)
					m.mul(&got, &x, &y)
					want := new(big.Int).Mul(xb, yb)
					want.Mul(want, ri).Mod(want, p)
					if feToBig(&got).Cmp(want) != 0 {
						t.Fatalf("montMul(%x, %x) = %x, want %x", xb, yb, feToBig(&got), want)
					}
					m.add(&got, &x, &y)
					want = new(big.Int).Add(xb, yb)
					if feToBig(&got).Cmp(want.Mod(want, p)) != 0 {
						t.Fatalf("add(%x, %x) = %x, want %x", xb, yb, feToBig(&got), want)
					}
					m.sub(&got, &x, &y)
					want = new(big.Int).Sub(xb, yb)
					if feToBig(&got).Cmp(want.Mod(want, p)) != 0 {
						t.Fatalf("sub(%x, %x) = %x, want %x", xb, yb, feToBig(&got), want)
					}
				}
				m.sqr(&got, &x)
				want = new(big.Int).Mul(xb, xb)
				want.Mul(want, ri).Mod(want, p)
				if feToBig(&got).Cmp(want) != 0 {
					t.Fatalf("sqr(%x) = %x, want %x", xb, feToBig(&got), want)
				}
			}
		})
	}
}

// TestMontMulPseudoMersenne checks the secp256k1 base-field product
// against math/big on many operands, including values just below p and
// 2^256 − 2^64, where the reduction's borrows and final carry occur, and
// that only that modulus takes the pseudo-Mersenne path.
func TestMontMulPseudoMersenne(t *testing.T) {
	for name, m := range moduli() {
		if want := name == "secp256k1/p"; m.pseudoMersenne != want {
			t.Errorf("%s: pseudoMersenne = %v, want %v", name, m.pseudoMersenne, want)
		}
	}
	m := secp256k1.fp
	p := feToBig(&m.p)
	rInv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 256), p)
	rnd := newDetRand("pseudo-mersenne")
	vals := boundaryValues(p, rnd)
	top := new(big.Int).Lsh(big.NewInt(1), 256)
	for i := range 64 {
		vals = append(vals, new(big.Int).Sub(p, big.NewInt(int64(i)+3)))
	}
	for _, k := range []uint{64, 128, 192} {
		v := new(big.Int).Sub(top, new(big.Int).Lsh(big.NewInt(1), k))
		vals = append(vals, v, new(big.Int).Sub(v, big.NewInt(1)))
	}
	for range 200 {
		v := new(big.Int).SetBytes(rnd.bytes(32))
		vals = append(vals, v.Mod(v, p))
	}
	for _, xb := range vals {
		for _, yb := range vals {
			x, y := feFromBig(xb), feFromBig(yb)
			var got fe
			montMulPseudoMersenne(&got, &x, &y, m)
			want := new(big.Int).Mul(xb, yb)
			want.Mul(want, rInv).Mod(want, p)
			if feToBig(&got).Cmp(want) != 0 {
				t.Fatalf("montMulPseudoMersenne(%x, %x) = %x, want %x", xb, yb, feToBig(&got), want)
			}
		}
	}
}

func TestReduceOnce(t *testing.T) {
	for name, m := range moduli() {
		t.Run(name, func(t *testing.T) {
			p := feToBig(&m.p)
			max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
			for _, xb := range []*big.Int{
				big.NewInt(0), new(big.Int).Sub(p, big.NewInt(1)), p,
				new(big.Int).Add(p, big.NewInt(1)), max,
			} {
				x := feFromBig(xb)
				m.reduceOnce(&x)
				if want := new(big.Int).Mod(xb, p); feToBig(&x).Cmp(want) != 0 {
					t.Errorf("reduceOnce(%x) = %x, want %x", xb, feToBig(&x), want)
				}
			}
		})
	}
}

func TestSetMagnitude(t *testing.T) {
	long := make([]byte, 40)
	long[39] = 7
	tests := []struct {
		name string
		in   []byte
		ok   bool
		want *big.Int
	}{
		{"empty", nil, true, big.NewInt(0)},
		{"one byte", []byte{5}, true, big.NewInt(5)},
		{"leading zeros beyond 32 bytes", long, true, big.NewInt(7)},
		{"33 significant bytes", append([]byte{1}, make([]byte, 32)...), false, nil},
		{"max 256-bit", bytesOf(0xff, 32), true, new(big.Int).SetBytes(bytesOf(0xff, 32))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fe
			ok := x.setMagnitude(tt.in)
			if ok != tt.ok {
				t.Fatalf("setMagnitude(%x) ok = %v, want %v", tt.in, ok, tt.ok)
			}
			if ok && feToBig(&x).Cmp(tt.want) != 0 {
				t.Fatalf("setMagnitude(%x) = %x, want %x", tt.in, feToBig(&x), tt.want)
			}
		})
	}
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}
