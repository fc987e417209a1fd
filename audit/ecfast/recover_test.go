package ecfast

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// recMutation derives a variant of a valid recoverable signature.
type recMutation struct {
	name  string
	valid bool // whether the variant still recovers to the signer
	apply func(sig recSig) recSig
}

// plus returns the 32-byte encoding of b + k, or of fallback should the
// sum need more than 256 bits.
func plus(b []byte, k *big.Int, fallback []byte) []byte {
	v := new(big.Int).Add(new(big.Int).SetBytes(b), k)
	if v.BitLen() > 256 {
		return fallback
	}
	return v.FillBytes(make([]byte, 32))
}

// recMutations lists the variants checked against crypto.Ecrecover. The
// valid flag documents the expected verdict; the library decides.
func recMutations() []recMutation {
	n := k1N
	nBytes := n.FillBytes(make([]byte, 32))
	nPlus1 := new(big.Int).Add(n, big.NewInt(1)).FillBytes(make([]byte, 32))
	ones := bytesOf(0xff, 32)
	zero := make([]byte, 32)
	negS := func(s []byte) []byte {
		return new(big.Int).Sub(n, new(big.Int).SetBytes(s)).FillBytes(make([]byte, 32))
	}
	with := func(f func(*recSig)) func(recSig) recSig {
		return func(sig recSig) recSig {
			sig.digest, sig.r, sig.s = bytes.Clone(sig.digest), bytes.Clone(sig.r), bytes.Clone(sig.s)
			f(&sig)
			return sig
		}
	}
	return []recMutation{
		{"valid", true, with(func(*recSig) {})},
		{"high s with flipped v", true, with(func(g *recSig) { g.s, g.v = negS(g.s), g.v^1 })},
		{"digest + n if it fits (same scalar)", true, with(func(g *recSig) { g.digest = plus(g.digest, n, g.digest) })},
		{"wrong parity", false, with(func(g *recSig) { g.v ^= 1 })},
		{"claims x = r + n", false, with(func(g *recSig) { g.v |= 2 })},
		{"v = 4", false, with(func(g *recSig) { g.v = 4 })},
		{"v = 27", false, with(func(g *recSig) { g.v = 27 + g.v })},
		{"v = 0xff", false, with(func(g *recSig) { g.v = 0xff })},
		{"high s, same v", false, with(func(g *recSig) { g.s = negS(g.s) })},
		{"r zero", false, with(func(g *recSig) { g.r = zero })},
		{"s zero", false, with(func(g *recSig) { g.s = zero })},
		{"r = n", false, with(func(g *recSig) { g.r = nBytes })},
		{"s = n", false, with(func(g *recSig) { g.s = nBytes })},
		{"r + n or n + 1", false, with(func(g *recSig) { g.r = plus(g.r, n, nPlus1) })},
		{"s + n or n + 1", false, with(func(g *recSig) { g.s = plus(g.s, n, nPlus1) })},
		{"r = 2^256 − 1", false, with(func(g *recSig) { g.r = ones })},
		{"s = 2^256 − 1", false, with(func(g *recSig) { g.s = ones })},
		{"flip r bit 0", false, with(func(g *recSig) { g.r[31] ^= 1 })},
		{"flip r bit 200", false, with(func(g *recSig) { g.r[6] ^= 1 })},
		{"flip s bit 9", false, with(func(g *recSig) { g.s[30] ^= 2 })},
		{"flip s top bit", false, with(func(g *recSig) { g.s[0] ^= 0x80 })},
		{"flip digest bit 0", false, with(func(g *recSig) { g.digest[31] ^= 1 })},
		{"flip digest top bit", false, with(func(g *recSig) { g.digest[0] ^= 0x80 })},
		{"swap r s", false, with(func(g *recSig) { g.r, g.s = g.s, g.r })},
		{"digest 31 bytes", false, with(func(g *recSig) { g.digest = g.digest[1:] })},
		{"digest 33 bytes", false, with(func(g *recSig) { g.digest = append([]byte{0}, g.digest...) })},
		{"digest empty", false, with(func(g *recSig) { g.digest = nil })},
		{"digest 64 bytes", false, with(func(g *recSig) { g.digest = append(g.digest, g.digest...) })},
		{"r 31 bytes", false, with(func(g *recSig) { g.r = g.r[1:] })},
		{"r 33 bytes", false, with(func(g *recSig) { g.r = append([]byte{0}, g.r...) })},
		{"s 31 bytes, r 33 bytes", false, with(func(g *recSig) {
			g.r, g.s = append(bytes.Clone(g.r), g.s[0]), g.s[1:]
		})},
		{"s 33 bytes", false, with(func(g *recSig) { g.s = append([]byte{0}, g.s...) })},
	}
}

// recFixtures returns secp256k1 signers: deterministic private keys from
// label, then keys from crypto.GenerateKey (fresh each run, logged).
func recFixtures(t *testing.T, label string, det, random int) []*fixture {
	t.Helper()
	rnd := newDetRand(label)
	var out []*fixture
	for range det {
		out = append(out, newFixture(t, Secp256k1, rnd.scalar(k1N)))
	}
	for range random {
		priv, err := crypto.GenerateKey()
		if err != nil {
			t.Fatalf("crypto.GenerateKey() = %v", err)
		}
		d := new(big.Int).SetBytes(crypto.FromECDSA(priv))
		t.Logf("random key d = %x", d)
		out = append(out, newFixture(t, Secp256k1, d))
	}
	return out
}

// checkRecovers compares RecoversTo under f with crypto.Ecrecover.
func checkRecovers(t *testing.T, f *fixture, sig recSig) bool {
	t.Helper()
	want := ecrecoverMatches(f.pubBytes(), sig.digest, sig.r, sig.s, sig.v)
	if got := f.key.RecoversTo(sig.digest, sig.r, sig.s, sig.v); got != want {
		t.Fatalf("key %x: RecoversTo(%x, %x, %x, %d) = %v, crypto.Ecrecover match = %v",
			f.pubBytes(), sig.digest, sig.r, sig.s, sig.v, got, want)
	}
	return want
}

// TestRecoversToDifferential signs random digests with go-ethereum under
// deterministic and random keys, derives the variants of recMutations from
// each signature, and requires RecoversTo to agree with crypto.Ecrecover
// under the signer's key and under another key.
func TestRecoversToDifferential(t *testing.T) {
	fixtures := recFixtures(t, "recover/differential", 6, 2)
	rnd := newDetRand("recover/digests")
	type signed struct {
		f   *fixture
		sig recSig
	}
	var sigs []signed
	for i, f := range fixtures {
		for j := range 5 {
			digest := rnd.bytes(32)
			if j == 0 {
				clear(digest[:17]) // below 2^256 − n, for the "digest + n" variant
			}
			if j == 1 {
				copy(digest, bytesOf(0xff, 8)) // ≥ n, reduced once
			}
			r, s, v := f.ethSign(t, digest)
			sigs = append(sigs, signed{fixtures[i], recSig{digest, r, s, v}})
		}
	}
	for _, m := range recMutations() {
		t.Run(m.name, func(t *testing.T) {
			accepted := 0
			for i, sg := range sigs {
				variant := m.apply(sg.sig)
				if checkRecovers(t, sg.f, variant) {
					accepted++
				}
				// Any other key must agree with the library as well.
				checkRecovers(t, fixtures[(i+1)%len(fixtures)], variant)
			}
			if m.valid && accepted != len(sigs) {
				t.Fatalf("accepted %d of %d variants, want all", accepted, len(sigs))
			}
			if !m.valid && accepted != 0 {
				t.Fatalf("accepted %d of %d variants, want none", accepted, len(sigs))
			}
		})
	}
}

// TestRecoversToCrafted builds signatures that reach the exceptional paths:
// doublings (through the a = 0 formula) and cancellations inside the
// table additions, a sum at infinity, R with x ≥ n (v = 2, 3) up to the
// largest x below p, and r + n ≥ p, whose x-coordinate must not wrap.
func TestRecoversToCrafted(t *testing.T) {
	rc := ref(Secp256k1)
	rnd := newDetRand("recover/crafted")
	one := big.NewInt(1)
	nMinus1 := new(big.Int).Sub(rc.n, one)
	qIsG := newFixture(t, Secp256k1, one)
	qIsNegG := newFixture(t, Secp256k1, nMinus1)
	// mustCraft returns a valid signature computing u1·G + u2·Q.
	mustCraft := func(t *testing.T, d, u1, u2 *big.Int) recSig {
		t.Helper()
		sig, ok := recSigFromScalars(rc, d, u1, u2)
		if !ok {
			t.Fatal("degenerate crafted signature")
		}
		return sig
	}
	cases := []struct {
		name  string
		f     *fixture
		sig   func(t *testing.T) recSig
		valid bool
	}{
		{"first digits double (Q = G, u1 ≡ u2)", qIsG, func(t *testing.T) recSig {
			u2 := rnd.scalar(rc.n)
			return mustCraft(t, one, sameLowBits(rnd, rc, u2), u2)
		}, true},
		{"u1 = u2 doubles at every row (Q = G)", qIsG, func(t *testing.T) recSig {
			u := rnd.scalar(rc.n)
			return mustCraft(t, one, u, u)
		}, true},
		{"first digits cancel (Q = −G)", qIsNegG, func(t *testing.T) recSig {
			u2 := rnd.scalar(rc.n)
			return mustCraft(t, nMinus1, sameLowBits(rnd, rc, u2), u2)
		}, true},
		{"point at infinity (Q = G, e = −r)", qIsG, func(t *testing.T) recSig {
			r, s := rnd.scalar(rc.n), rnd.scalar(rc.n)
			e := new(big.Int).Sub(rc.n, r)
			return recSig{e.FillBytes(make([]byte, 32)), r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32)), byte(r.Bit(3))}
		}, false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			for range 8 {
				sig := tt.sig(t)
				for v := range byte(4) {
					sig.v ^= v
					want := tt.valid && v == 0
					if got := checkRecovers(t, tt.f, sig); got != want {
						t.Fatalf("library verdict = %v with v ^ %d, crafted as %v", got, v, want)
					}
					sig.v ^= v
				}
			}
		})
	}

	// recoverAt checks signatures whose R is the given point, for random s
	// and e, under every v: only the v derived from R recovers.
	recoverAt := func(t *testing.T, R refPoint) {
		t.Helper()
		for range 3 {
			sig, q, ok := recSigForR(rc, R, rnd.scalar(rc.n), rnd.scalar(rc.n))
			if !ok || q.inf {
				t.Fatal("degenerate crafted signature")
			}
			f := publicOnly(t, Secp256k1, q)
			for v := range byte(4) {
				want := v == sig.v
				if got := checkRecovers(t, f, recSig{sig.digest, sig.r, sig.s, v}); got != want {
					t.Fatalf("library verdict = %v for v = %d, crafted with v = %d", got, v, sig.v)
				}
			}
		}
	}
	t.Run("x(R) ≥ n, v = 2 or 3", func(t *testing.T) {
		R := highXPoint(t, rc)
		recoverAt(t, R)
		recoverAt(t, rc.neg(R))
	})
	t.Run("largest x(R) below p", func(t *testing.T) {
		for i := int64(1); ; i++ {
			if R, ok := rc.pointAt(new(big.Int).Sub(rc.p, big.NewInt(i)), true); ok {
				recoverAt(t, R)
				return
			}
		}
	})
	// With r ≥ p − n, r + n is no field element, but r + n − p is: a
	// signature whose R has that x-coordinate must still be rejected. Points
	// with x < 2^256 − p also catch r + n being reduced mod p in the field.
	t.Run("r + n − p wraps around", func(t *testing.T) {
		pMinusN := new(big.Int).Sub(rc.p, rc.n)
		var points []refPoint
		for x := int64(1); len(points) < 2; x++ {
			if R, ok := rc.pointAt(big.NewInt(x), x%2 == 1); ok {
				points = append(points, R)
			}
		}
		points = append(points, rc.mul(rnd.scalar(rc.n), rc.g()), rc.mul(rnd.scalar(rc.n), rc.g()))
		for _, R := range points {
			r := new(big.Int).Add(R.x, pMinusN)
			if r.Cmp(rc.n) >= 0 {
				continue // x(R) ≥ 2n − p: r would be out of range
			}
			e, s := rnd.scalar(rc.n), rnd.scalar(rc.n)
			f := publicOnly(t, Secp256k1, recoveredKey(rc, R, r, e, s))
			sig := recSig{e.FillBytes(make([]byte, 32)), r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32)), 0}
			for v := range byte(4) {
				sig.v = v
				if checkRecovers(t, f, sig) {
					t.Fatalf("wrapped-around R = (%x, %x) recovered for v = %d", R.x, R.y, v)
				}
			}
		}
	})
	t.Run("r + n = p rejects v = 2 and 3", func(t *testing.T) {
		r := new(big.Int).Sub(rc.p, rc.n).FillBytes(make([]byte, 32))
		f := newFixture(t, Secp256k1, rnd.scalar(rc.n))
		for range 4 {
			sig := recSig{rnd.bytes(32), r, rnd.scalar(rc.n).FillBytes(make([]byte, 32)), 0}
			for v := range byte(4) {
				sig.v = v
				if got := checkRecovers(t, f, sig); got {
					t.Fatalf("random signature recovered for v = %d", v)
				}
			}
		}
	})
}

// TestRecoversToWrongCurve checks that only secp256k1 keys recover and
// that secp256k1 keys verify ECDSA but not SM2.
func TestRecoversToWrongCurve(t *testing.T) {
	rnd := newDetRand("recover/curve")
	k1 := newFixture(t, Secp256k1, rnd.scalar(k1N))
	digest := rnd.bytes(32)
	r, s, v := k1.ethSign(t, digest)
	if !k1.key.RecoversTo(digest, r, s, v) || !k1.key.VerifyECDSA(digest, r, s) {
		t.Fatalf("secp256k1 key rejects its own signature")
	}
	if k1.key.VerifySM2(digest, r, s) {
		t.Errorf("secp256k1 key VerifySM2 = true, want false")
	}
	for _, id := range []Curve{P256, SM2} {
		other := newFixture(t, id, k1.d)
		if other.key.RecoversTo(digest, r, s, v) {
			t.Errorf("%v key RecoversTo = true, want false", id)
		}
	}
}

// TestRecoversToAllocs checks the documented zero-allocation property.
func TestRecoversToAllocs(t *testing.T) {
	rnd := newDetRand("recover/allocs")
	f := newFixture(t, Secp256k1, rnd.scalar(k1N))
	digest := rnd.bytes(32)
	r, s, v := f.ethSign(t, digest)
	allocs := testing.AllocsPerRun(50, func() {
		if !f.key.RecoversTo(digest, r, s, v) {
			t.Fatal("valid signature rejected")
		}
	})
	if allocs != 0 {
		t.Fatalf("allocations per RecoversTo = %v, want 0", allocs)
	}
}

// FuzzRecoversTo holds RecoversTo to crypto.Ecrecover, on the signature
// fuzzRecSig derives from the inputs.
func FuzzRecoversTo(f *testing.F) {
	fixtures := fuzzFixtures(f, Secp256k1)
	msg := []byte("message digest 0123456789abcdef")
	f.Add(uint8(0), msg, []byte{1}, []byte{1}, byte(0), true, false, uint16(0))
	f.Add(uint8(1), msg, []byte{1}, []byte{1}, byte(0), true, true, uint16(0))
	f.Add(uint8(2), msg, []byte{1}, []byte{1}, byte(0), true, false, uint16(1))
	f.Add(uint8(3), msg, bytesOf(0xff, 32), bytesOf(1, 32), byte(3), false, false, uint16(0))
	f.Fuzz(func(t *testing.T, keySel uint8, digest, r, s []byte, v byte, sign, highS bool, flip uint16) {
		fx := fixtures[int(keySel)%len(fixtures)]
		sig, ok := fuzzRecSig(t, fx, digest, r, s, v, sign, highS, flip)
		if !ok {
			return
		}
		want := ecrecoverMatches(fx.pubBytes(), sig.digest, sig.r, sig.s, sig.v)
		if got := fx.key.RecoversTo(sig.digest, sig.r, sig.s, sig.v); got != want {
			t.Fatalf("key %d, digest %x, r %x, s %x, v %d: RecoversTo = %v, crypto.Ecrecover match = %v",
				keySel, sig.digest, sig.r, sig.s, sig.v, got, want)
		}
	})
}

// fuzzRecSig derives the signature the recovery fuzz targets check from
// their inputs. With sign set, (r, s, v) is replaced by go-ethereum's
// signature of the digest under fx (hashed to 32 bytes first when it has
// another length), optionally turned high-s; then one bit of
// r ‖ s ‖ digest ‖ v may be flipped. It reports false for inputs longer
// than 40 bytes, which are rejected on length alone.
func fuzzRecSig(t *testing.T, fx *fixture, digest, r, s []byte, v byte, sign, highS bool, flip uint16) (recSig, bool) {
	t.Helper()
	if len(r) > 40 || len(s) > 40 || len(digest) > 40 {
		return recSig{}, false
	}
	if sign {
		if len(digest) != 32 {
			digest = crypto.Keccak256(digest)
		}
		r, s, v = fx.ethSign(t, digest)
		if highS {
			s = new(big.Int).Sub(k1N, new(big.Int).SetBytes(s)).FillBytes(make([]byte, 32))
			v ^= 1
		}
	}
	if flip != 0 {
		all := bytes.Join([][]byte{r, s, digest, {v}}, nil)
		bit := int(flip-1) % (8 * len(all))
		all[bit/8] ^= 1 << (bit % 8)
		r, s, digest, v = all[:len(r)], all[len(r):len(r)+len(s)], all[len(r)+len(s):len(all)-1], all[len(all)-1]
	}
	return recSig{digest, r, s, v}, true
}
