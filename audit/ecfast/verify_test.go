package ecfast

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"go.uber.org/goleak"
)

// mutation derives an invalid-or-edge variant of a valid signature.
type mutation struct {
	name  string
	apply func(digest, r, s []byte, n *big.Int) (d2, r2, s2 []byte)
}

func flipBit(b []byte, bit int) []byte {
	out := bytes.Clone(b)
	if len(out) == 0 {
		return []byte{1}
	}
	out[bit/8%len(out)] ^= 1 << (bit % 8)
	return out
}

func mutations() []mutation {
	one := big.NewInt(1)
	return []mutation{
		{"valid", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, r, s }},
		{"flip r", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, flipBit(r, 5), s }},
		{"flip s", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, r, flipBit(s, 77) }},
		{"flip digest", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return flipBit(d, 3), r, s }},
		{"flip last digest bit", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return flipBit(d, 8*len(d)-1), r, s
		}},
		{"r zero", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, []byte{0}, s }},
		{"s zero", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, r, nil }},
		{"r = n", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, n.Bytes(), s }},
		{"s = n", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, r, n.Bytes() }},
		{"r + n", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return d, new(big.Int).Add(new(big.Int).SetBytes(r), n).Bytes(), s
		}},
		{"s + n", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return d, r, new(big.Int).Add(new(big.Int).SetBytes(s), n).Bytes()
		}},
		{"s = 2^256 − 1", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, r, bytesOf(0xff, 32) }},
		{"r 33 bytes", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return d, append([]byte{1}, make([]byte, 32)...), s
		}},
		{"leading zeros", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return d, append(make([]byte, 9), r...), append([]byte{0}, s...)
		}},
		{"high s (n − s)", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return d, r, new(big.Int).Sub(n, new(big.Int).SetBytes(s)).Bytes()
		}},
		{"r + s = n", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return d, r, new(big.Int).Sub(n, new(big.Int).SetBytes(r)).Bytes()
		}},
		{"digest + n", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			if len(d) < 32 {
				return d, r, s
			}
			e := new(big.Int).SetBytes(d[:32])
			e.Add(e, n)
			if e.BitLen() > 256 {
				return d, r, s
			}
			out := append(e.FillBytes(make([]byte, 32)), d[32:]...)
			return out, r, s
		}},
		{"swap r s", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) { return d, s, r }},
		{"r − 1", func(d, r, s []byte, n *big.Int) ([]byte, []byte, []byte) {
			return d, new(big.Int).Sub(new(big.Int).SetBytes(r), one).Bytes(), s
		}},
	}
}

func TestVerifyDifferential(t *testing.T) {
	for _, id := range allCurves {
		rc := ref(id)
		rnd := newDetRand("differential/" + id.String())
		var fixtures []*fixture
		for range 6 {
			fixtures = append(fixtures, newFixture(t, id, rnd.scalar(rc.n)))
		}
		digestLens := []int{0, 1, 20, 31, 32, 33, 48, 64}
		for _, m := range mutations() {
			t.Run(id.String()+"/"+m.name, func(t *testing.T) {
				var accepted int
				for i := range 24 {
					f := fixtures[i%len(fixtures)]
					dl := digestLens[i%len(digestLens)]
					digest := rnd.bytes(dl)
					if i%5 == 0 && dl >= 32 {
						copy(digest, bytesOf(0xff, 4)) // digest ≥ n after truncation
					}
					r, s := f.sign(t, digest)
					d2, r2, s2 := m.apply(digest, r, s, rc.n)
					want := libVerify(id, f.pub, d2, r2, s2)
					if got := f.verify(d2, r2, s2); got != want {
						t.Fatalf("key %d digest %x r %x s %x: ecfast = %v, library = %v", i%len(fixtures), d2, r2, s2, got, want)
					}
					// libsecp256k1 only sees a normalised secp256k1 signature;
					// the math/big model checks crypto/ecdsa's rule directly.
					if id == Secp256k1 {
						if model := refVerifyECDSA(rc, f.q, d2, r2, s2); model != want {
							t.Fatalf("digest %x r %x s %x: math/big model = %v, libsecp256k1 = %v", d2, r2, s2, model, want)
						}
					}
					if want {
						accepted++
					}
					// Any other key must agree with the library as well.
					other := fixtures[(i+1)%len(fixtures)]
					if got, want := other.verify(d2, r2, s2), libVerify(id, other.pub, d2, r2, s2); got != want {
						t.Fatalf("wrong key: ecfast = %v, library = %v", got, want)
					}
				}
				if m.name == "valid" && accepted != 24 {
					t.Fatalf("valid signatures accepted = %d, want 24", accepted)
				}
			})
		}
	}
}

func TestVerifyWrongScheme(t *testing.T) {
	rnd := newDetRand("scheme")
	p := newFixture(t, P256, rnd.scalar(ref(P256).n))
	s := newFixture(t, SM2, rnd.scalar(ref(SM2).n))
	k := newFixture(t, Secp256k1, rnd.scalar(ref(Secp256k1).n))
	digest := rnd.bytes(32)
	pr, ps := p.sign(t, digest)
	sr, ss := s.sign(t, digest)
	kr, ks := k.sign(t, digest)
	if p.key.VerifySM2(digest, pr, ps) {
		t.Errorf("P-256 key VerifySM2 = true, want false")
	}
	if s.key.VerifyECDSA(digest, sr, ss) {
		t.Errorf("SM2 key VerifyECDSA = true, want false")
	}
	if k.key.VerifySM2(digest, kr, ks) {
		t.Errorf("secp256k1 key VerifySM2 = true, want false")
	}
}

func TestNewKeyErrors(t *testing.T) {
	rc, k1 := ref(P256), ref(Secp256k1)
	tests := []struct {
		name  string
		curve Curve
		x, y  *big.Int
		want  error
	}{
		{"unknown curve", Curve(9), rc.gx, rc.gy, ErrUnknownCurve},
		{"zero curve", Curve(0), rc.gx, rc.gy, ErrUnknownCurve},
		{"nil x", P256, nil, rc.gy, ErrInvalidPoint},
		{"infinity", P256, big.NewInt(0), big.NewInt(0), ErrInfinity},
		{"not on curve", P256, rc.gx, new(big.Int).Add(rc.gy, big.NewInt(1)), ErrInvalidPoint},
		{"x = p", P256, rc.p, rc.gy, ErrInvalidPoint},
		{"y + p", P256, rc.gx, new(big.Int).Add(rc.gy, rc.p), ErrInvalidPoint},
		{"negative x", P256, new(big.Int).Neg(rc.gx), rc.gy, ErrInvalidPoint},
		{"P-256 G on SM2", SM2, rc.gx, rc.gy, ErrInvalidPoint},
		{"P-256 G on secp256k1", Secp256k1, rc.gx, rc.gy, ErrInvalidPoint},
		{"secp256k1 G on P-256", P256, k1.gx, k1.gy, ErrInvalidPoint},
		{"secp256k1 x = p", Secp256k1, k1.p, k1.gy, ErrInvalidPoint},
		{"secp256k1 y = p + 1", Secp256k1, k1.gx, new(big.Int).Add(k1.p, big.NewInt(1)), ErrInvalidPoint},
		{"secp256k1 not on curve", Secp256k1, k1.gx, new(big.Int).Sub(k1.gy, big.NewInt(1)), ErrInvalidPoint},
		{"secp256k1 infinity", Secp256k1, big.NewInt(0), big.NewInt(0), ErrInfinity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey(tt.curve, tt.x, tt.y)
			if !errors.Is(err, tt.want) {
				t.Fatalf("NewKey() = %v, %v; want error %v", k, err, tt.want)
			}
		})
	}
	for _, id := range []Curve{SM2, Secp256k1} {
		k, err := NewKey(id, ref(id).gx, ref(id).gy)
		if err != nil {
			t.Fatalf("NewKey(%v, G) = %v", id, err)
		}
		if k.Curve() != id || k.TableBytes() != KeyTableBytes {
			t.Fatalf("Curve() = %v, TableBytes() = %d; want %v, %d", k.Curve(), k.TableBytes(), id, KeyTableBytes)
		}
	}
}

// TestVerifyAllocs checks the documented zero-allocation property.
func TestVerifyAllocs(t *testing.T) {
	for _, id := range allCurves {
		t.Run(id.String(), func(t *testing.T) {
			rnd := newDetRand("allocs")
			f := newFixture(t, id, rnd.scalar(ref(id).n))
			digest := rnd.bytes(32)
			r, s := f.sign(t, digest)
			allocs := testing.AllocsPerRun(50, func() {
				if !f.verify(digest, r, s) {
					t.Fatal("valid signature rejected")
				}
			})
			if allocs != 0 {
				t.Fatalf("allocations per verification = %v, want 0", allocs)
			}
		})
	}
}

// publicOnly wraps a point whose private key is unknown.
func publicOnly(t *testing.T, id Curve, p refPoint) *fixture {
	t.Helper()
	k, err := NewKeyFromBytes(id, encodePoint(p))
	if err != nil {
		t.Fatalf("NewKeyFromBytes(%v) = %v", id, err)
	}
	return &fixture{curve: id, q: p, pub: libPublicKey(t, id, p), key: k}
}

func TestZeroKeyRejects(t *testing.T) {
	digest, one := make([]byte, 32), []byte{1}
	for name, k := range map[string]*Key{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			if k.VerifyECDSA(digest, one, one) || k.VerifySM2(digest, one, one) ||
				k.RecoversTo(digest, digest, digest, 0) {
				t.Fatalf("zero Key accepted a signature")
			}
			if k.Curve() != 0 || k.TableBytes() != 0 {
				t.Fatalf("Curve() = %v, TableBytes() = %d; want 0, 0", k.Curve(), k.TableBytes())
			}
		})
	}
}

// TestConcurrentVerify shares one Key between goroutines; run with -race.
func TestConcurrentVerify(t *testing.T) {
	defer goleak.VerifyNone(t)
	rnd := newDetRand("concurrent")
	f := newFixture(t, SM2, rnd.scalar(ref(SM2).n))
	type sig struct{ d, r, s []byte }
	var sigs []sig
	for range 8 {
		d := rnd.bytes(32)
		r, s := f.sign(t, d)
		sigs = append(sigs, sig{d, r, s})
	}
	errs := make(chan string, 4)
	for g := range 4 {
		go func() {
			for i := range 50 {
				sg := sigs[(i+g)%len(sigs)]
				if !f.key.VerifySM2(sg.d, sg.r, sg.s) {
					errs <- "valid signature rejected"
					return
				}
				if f.key.VerifySM2(flipBit(sg.d, i), sg.r, sg.s) {
					errs <- "tampered digest accepted"
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if msg := <-errs; msg != "" {
			t.Fatal(msg)
		}
	}
}

func TestNewKeyFromBytesErrors(t *testing.T) {
	rc := ref(P256)
	g := encodePoint(rc.g())
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(g)) }
	tests := []struct {
		name  string
		curve Curve
		in    []byte
		want  error
	}{
		{"unknown curve", Curve(4), g, ErrUnknownCurve},
		{"empty", P256, nil, ErrInvalidPoint},
		{"compressed prefix", P256, mod(func(b []byte) []byte { b[0] = 2; return b }), ErrInvalidPoint},
		{"short", P256, g[:64], ErrInvalidPoint},
		{"infinity", P256, append([]byte{4}, make([]byte, 64)...), ErrInfinity},
		{"x = p", P256, mod(func(b []byte) []byte { rc.p.FillBytes(b[1:33]); return b }), ErrInvalidPoint},
		{"y = 2^256 − 1", P256, mod(func(b []byte) []byte { copy(b[33:], bytesOf(0xff, 32)); return b }), ErrInvalidPoint},
		{"not on curve", P256, mod(func(b []byte) []byte { b[64] ^= 1; return b }), ErrInvalidPoint},
		{"P-256 G on SM2", SM2, g, ErrInvalidPoint},
		{"P-256 G on secp256k1", Secp256k1, g, ErrInvalidPoint},
		{"secp256k1 x = p", Secp256k1, mod(func(b []byte) []byte {
			ref(Secp256k1).p.FillBytes(b[1:33])
			return b
		}), ErrInvalidPoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKeyFromBytes(tt.curve, tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("NewKeyFromBytes() = %v, %v; want error %v", k, err, tt.want)
			}
		})
	}
	k, err := NewKeyFromBytes(P256, g)
	if err != nil || k.Curve() != P256 {
		t.Fatalf("NewKeyFromBytes(P256, G) = %v, %v", k, err)
	}
	k, err = NewKeyFromBytes(Secp256k1, encodePoint(ref(Secp256k1).g()))
	if err != nil || k.Curve() != Secp256k1 {
		t.Fatalf("NewKeyFromBytes(Secp256k1, G) = %v, %v", k, err)
	}
}
