package ecfast

import (
	"math/big"
	"testing"
)

// These tests craft signatures whose verification must pass through the
// exceptional cases of the addition chain or the final x-coordinate check,
// and confirm each verdict against the reference library.

// ecdsaFromScalars builds a valid ECDSA signature for which verification
// computes u1·G + u2·Q with the given u1, u2 (Q = d·G): r = x(R) mod n,
// s = r·u2⁻¹, e = u1·s. It reports false if R is infinity or r = 0.
func ecdsaFromScalars(rc *refCurve, d, u1, u2 *big.Int) (digest, r, s []byte, ok bool) {
	k := new(big.Int).Mul(d, u2)
	k.Add(k, u1).Mod(k, rc.n)
	R := rc.mul(k, rc.g())
	if R.inf {
		return nil, nil, nil, false
	}
	rv := new(big.Int).Mod(R.x, rc.n)
	if rv.Sign() == 0 {
		return nil, nil, nil, false
	}
	sv := new(big.Int).ModInverse(u2, rc.n)
	sv.Mul(sv, rv).Mod(sv, rc.n)
	e := new(big.Int).Mul(u1, sv)
	e.Mod(e, rc.n)
	return e.FillBytes(make([]byte, 32)), rv.Bytes(), sv.Bytes(), true
}

// sameLowBits returns a random scalar in [1, n−1] whose low 16 bits equal
// those of u, so that the first signed digits of both scalars coincide for
// any window width up to 16.
func sameLowBits(rnd *detRand, rc *refCurve, u *big.Int) *big.Int {
	v := rnd.scalar(rc.n)
	v.Rsh(v, 16).Lsh(v, 16)
	v.Or(v, new(big.Int).And(u, big.NewInt(0xffff)))
	return v.Mod(v, rc.n)
}

// highXPoint returns a curve point whose x-coordinate is in [n + 1, p−1],
// so that x − n is a valid, non-zero r.
func highXPoint(t *testing.T, rc *refCurve) refPoint {
	t.Helper()
	for i := int64(1); i < 1000; i++ {
		if p, ok := rc.pointAt(new(big.Int).Add(rc.n, big.NewInt(i)), false); ok {
			return p
		}
	}
	t.Fatalf("no point with x ≥ n found")
	return refPoint{}
}

func TestECDSAEdgeCases(t *testing.T) {
	for _, id := range []Curve{P256, Secp256k1} {
		t.Run(id.String(), func(t *testing.T) { testECDSAEdgeCases(t, id) })
	}
}

// testECDSAEdgeCases is TestECDSAEdgeCases for one ECDSA curve.
func testECDSAEdgeCases(t *testing.T, id Curve) {
	rc := ref(id)
	rnd := newDetRand("ecdsa-edge/" + id.String())
	one := big.NewInt(1)
	nMinus1 := new(big.Int).Sub(rc.n, one)
	qIsG := newFixture(t, id, one)
	qIsNegG := newFixture(t, id, nMinus1)

	type sig struct{ digest, r, s []byte }
	cases := []struct {
		name  string
		f     *fixture
		sig   func() sig
		valid bool
	}{
		{"first digits double (Q = G, u1 ≡ u2)", qIsG, func() sig {
			u2 := rnd.scalar(rc.n)
			d, r, s, ok := ecdsaFromScalars(rc, one, sameLowBits(rnd, rc, u2), u2)
			if !ok {
				t.Fatal("degenerate crafted signature")
			}
			return sig{d, r, s}
		}, true},
		{"u1 = u2 doubles at every row (Q = G)", qIsG, func() sig {
			u := rnd.scalar(rc.n)
			d, r, s, ok := ecdsaFromScalars(rc, one, u, u)
			if !ok {
				t.Fatal("degenerate crafted signature")
			}
			return sig{d, r, s}
		}, true},
		{"first digits cancel (Q = −G)", qIsNegG, func() sig {
			u2 := rnd.scalar(rc.n)
			d, r, s, ok := ecdsaFromScalars(rc, nMinus1, sameLowBits(rnd, rc, u2), u2)
			if !ok {
				t.Fatal("degenerate crafted signature")
			}
			return sig{d, r, s}
		}, true},
		{"R at infinity (Q = G, e = −r)", qIsG, func() sig {
			r := rnd.scalar(rc.n)
			e := new(big.Int).Sub(rc.n, r)
			return sig{e.FillBytes(make([]byte, 32)), r.Bytes(), rnd.scalar(rc.n).Bytes()}
		}, false},
		{"R at infinity (Q = −G, e = r)", qIsNegG, func() sig {
			r := rnd.scalar(rc.n)
			return sig{r.FillBytes(make([]byte, 32)), r.Bytes(), rnd.scalar(rc.n).Bytes()}
		}, false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			for range 8 {
				s := tt.sig()
				want := libVerify(id, tt.f.pub, s.digest, s.r, s.s)
				if want != tt.valid {
					t.Fatalf("library verdict = %v, crafted as %v", want, tt.valid)
				}
				if got := tt.f.verify(s.digest, s.r, s.s); got != want {
					t.Fatalf("VerifyECDSA(%x, %x, %x) = %v, want %v", s.digest, s.r, s.s, got, want)
				}
			}
		})
	}

	// x(R) ≥ n: with e = 0 and s = r, R = 0·G + 1·Q = Q, so choosing Q with
	// x(Q) ≥ n makes the valid r equal x(Q) − n, the second candidate.
	t.Run("x(R) ≥ n", func(t *testing.T) {
		q := highXPoint(t, rc)
		f := publicOnly(t, id, q)
		rv := new(big.Int).Sub(q.x, rc.n).Bytes()
		for _, digest := range [][]byte{nil, make([]byte, 32), rc.n.Bytes()} {
			want := libVerify(id, f.pub, digest, rv, rv)
			if !want {
				t.Fatalf("library rejects crafted x ≥ n signature")
			}
			if got := f.verify(digest, rv, rv); !got {
				t.Fatalf("VerifyECDSA(x ≥ n, digest %x) = false, want true", digest)
			}
		}
		// r one off, and r = x(Q) itself (≥ n, out of range), must fail.
		bad := new(big.Int).Sub(q.x, rc.n)
		bad.Add(bad, one)
		for _, r := range [][]byte{bad.Bytes(), q.x.Bytes()} {
			if got, want := f.verify(nil, r, rv), libVerify(id, f.pub, nil, r, rv); got != want {
				t.Fatalf("VerifyECDSA(r=%x) = %v, library = %v", r, got, want)
			}
		}
	})
}

func TestSM2EdgeCases(t *testing.T) {
	rc := ref(SM2)
	rnd := newDetRand("sm2-edge")
	one := big.NewInt(1)
	nMinus1 := new(big.Int).Sub(rc.n, one)
	qIsG := newFixture(t, SM2, one)
	qIsNegG := publicOnly(t, SM2, rc.neg(rc.g()))

	// sm2Sig returns a valid signature for which verification computes
	// s·G + t·Q with t = r + s, where r is a random multiple of 2^16 so
	// that s and t share their low 16 bits.
	sm2Sig := func(d *big.Int) (digest, r, s []byte) {
		rv := rnd.scalar(rc.n)
		rv.Rsh(rv, 16).Lsh(rv, 16)
		sv := rnd.scalar(rc.n)
		tv := new(big.Int).Add(rv, sv)
		tv.Mod(tv, rc.n)
		k := new(big.Int).Mul(tv, d)
		k.Add(k, sv).Mod(k, rc.n)
		R := rc.mul(k, rc.g())
		e := new(big.Int).Sub(rv, R.x)
		e.Mod(e, rc.n)
		return e.FillBytes(make([]byte, 32)), rv.Bytes(), sv.Bytes()
	}
	check := func(t *testing.T, f *fixture, digest, r, s []byte, valid bool) {
		t.Helper()
		want := libVerify(SM2, f.pub, digest, r, s)
		if want != valid {
			t.Fatalf("library verdict = %v, crafted as %v", want, valid)
		}
		if got := f.verify(digest, r, s); got != want {
			t.Fatalf("VerifySM2(%x, %x, %x) = %v, want %v", digest, r, s, got, want)
		}
	}
	t.Run("first digits double (Q = G, s ≡ t)", func(t *testing.T) {
		for range 8 {
			d, r, s := sm2Sig(one)
			check(t, qIsG, d, r, s, true)
		}
	})
	t.Run("first digits cancel (Q = −G, s ≡ t)", func(t *testing.T) {
		for range 8 {
			d, r, s := sm2Sig(nMinus1)
			check(t, qIsNegG, d, r, s, true)
		}
	})
	t.Run("R at infinity (Q = G, r = −2s)", func(t *testing.T) {
		for range 8 {
			sv := rnd.scalar(rc.n)
			rv := new(big.Int).Lsh(sv, 1)
			rv.Neg(rv).Mod(rv, rc.n)
			check(t, qIsG, rnd.bytes(32), rv.Bytes(), sv.Bytes(), false)
		}
	})
	t.Run("x(R) ≥ n", func(t *testing.T) {
		// With t = 1 (r = n + 1 − s) and Q = T − s·G, R = s·G + Q = T.
		T := highXPoint(t, rc)
		for range 4 {
			sv := rnd.scalar(rc.n)
			if sv.Cmp(big.NewInt(2)) < 0 {
				continue
			}
			q := rc.add(T, rc.neg(rc.mul(sv, rc.g())))
			f := publicOnly(t, SM2, q)
			rv := new(big.Int).Sub(rc.n, sv)
			rv.Add(rv, one)
			e := new(big.Int).Sub(rv, T.x)
			e.Mod(e, rc.n)
			check(t, f, e.FillBytes(make([]byte, 32)), rv.Bytes(), sv.Bytes(), true)
			e.Add(e, one)
			check(t, f, e.FillBytes(make([]byte, 32)), rv.Bytes(), sv.Bytes(), false)
		}
	})
}
