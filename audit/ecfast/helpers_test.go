package ecfast

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/ethereum/go-ethereum/crypto"
)

// allCurves lists every supported curve, for table-driven tests.
var allCurves = []Curve{P256, SM2, Secp256k1}

// refCurve is an independent math/big model of a curve
// y² = x³ + a·x + b, used as the oracle for point and table tests.
type refCurve struct {
	p, n, a, b, gx, gy *big.Int
	ec                 elliptic.Curve // the library curve the constants come from
}

// refPoint is an affine point; inf marks the point at infinity.
type refPoint struct {
	x, y *big.Int
	inf  bool
}

// ref returns the reference model of c, with the constants taken from the
// libraries (crypto/elliptic, gmsm, go-ethereum) rather than from ecfast.
// The parameters' a is −3 except for secp256k1, where it is 0.
func ref(c Curve) *refCurve {
	var ec elliptic.Curve
	a := big.NewInt(-3)
	switch c {
	case P256:
		ec = elliptic.P256()
	case SM2:
		ec = sm2.P256()
	case Secp256k1:
		ec = crypto.S256()
		a = big.NewInt(0)
	default:
		panic("unknown curve")
	}
	prm := ec.Params()
	return &refCurve{p: prm.P, n: prm.N, a: a, b: prm.B, gx: prm.Gx, gy: prm.Gy, ec: ec}
}

func (rc *refCurve) g() refPoint { return refPoint{x: rc.gx, y: rc.gy} }

func (rc *refCurve) mod(x *big.Int) *big.Int { return x.Mod(x, rc.p) }

func (rc *refCurve) neg(a refPoint) refPoint {
	if a.inf {
		return a
	}
	return refPoint{x: a.x, y: rc.mod(new(big.Int).Neg(a.y))}
}

func (rc *refCurve) add(a, b refPoint) refPoint {
	switch {
	case a.inf:
		return b
	case b.inf:
		return a
	}
	var lambda *big.Int
	if a.x.Cmp(b.x) == 0 {
		if a.y.Cmp(b.y) != 0 || a.y.Sign() == 0 {
			return refPoint{inf: true}
		}
		// λ = (3x² + a) / 2y
		num := new(big.Int).Mul(a.x, a.x)
		num.Mul(num, big.NewInt(3)).Add(num, rc.a)
		den := new(big.Int).Lsh(a.y, 1)
		lambda = num.Mul(num, den.ModInverse(den, rc.p))
	} else {
		num := new(big.Int).Sub(b.y, a.y)
		den := rc.mod(new(big.Int).Sub(b.x, a.x))
		lambda = num.Mul(num, den.ModInverse(den, rc.p))
	}
	rc.mod(lambda)
	x := new(big.Int).Mul(lambda, lambda)
	x.Sub(x, a.x).Sub(x, b.x)
	rc.mod(x)
	y := new(big.Int).Sub(a.x, x)
	y.Mul(y, lambda).Sub(y, a.y)
	rc.mod(y)
	return refPoint{x: x, y: y}
}

func (rc *refCurve) mul(k *big.Int, a refPoint) refPoint {
	acc := refPoint{inf: true}
	for i := k.BitLen() - 1; i >= 0; i-- {
		acc = rc.add(acc, acc)
		if k.Bit(i) == 1 {
			acc = rc.add(acc, a)
		}
	}
	return acc
}

// rhs returns x³ + a·x + b mod p, the right-hand side of the equation.
func (rc *refCurve) rhs(x *big.Int) *big.Int {
	r := new(big.Int).Mul(x, x)
	r.Mul(r, x).Add(r, new(big.Int).Mul(rc.a, x)).Add(r, rc.b)
	return rc.mod(r)
}

func (rc *refCurve) onCurve(x, y *big.Int) bool {
	lhs := rc.mod(new(big.Int).Mul(y, y))
	return lhs.Cmp(rc.rhs(x)) == 0
}

// pointAt returns the point with x-coordinate x whose y has the given
// parity, or false when x³ + a·x + b is not a square mod p.
func (rc *refCurve) pointAt(x *big.Int, odd bool) (refPoint, bool) {
	y := new(big.Int).ModSqrt(rc.rhs(x), rc.p)
	if y == nil {
		return refPoint{}, false
	}
	if (y.Bit(0) == 1) != odd && y.Sign() != 0 {
		y.Sub(rc.p, y)
	}
	return refPoint{x: new(big.Int).Set(x), y: y}, true
}

// toAffineRef converts an ecfast affine point to plain big integers.
func (c *curve) toRef(p *affine) refPoint {
	var x, y fe
	c.fp.fromMont(&x, &p.x)
	c.fp.fromMont(&y, &p.y)
	xb, yb := x.bytes(), y.bytes()
	return refPoint{x: new(big.Int).SetBytes(xb[:]), y: new(big.Int).SetBytes(yb[:])}
}

// jacToRef converts an ecfast Jacobian point through its affine form.
func (c *curve) jacToRef(p *jacobian) refPoint {
	a, ok := c.toAffine(p)
	if !ok {
		return refPoint{inf: true}
	}
	return c.toRef(&a)
}

// fromRef converts a finite reference point to ecfast's affine form.
func (c *curve) fromRef(p refPoint) affine {
	var a affine
	a.x = feFromBig(p.x)
	a.y = feFromBig(p.y)
	c.fp.toMont(&a.x, &a.x)
	c.fp.toMont(&a.y, &a.y)
	return a
}

func pointEqual(a, b refPoint) bool {
	if a.inf || b.inf {
		return a.inf == b.inf
	}
	return a.x.Cmp(b.x) == 0 && a.y.Cmp(b.y) == 0
}

// detRand is a deterministic byte stream for reproducible test inputs.
type detRand struct {
	seed [32]byte
	ctr  uint64
	buf  []byte
}

func newDetRand(label string) *detRand {
	return &detRand{seed: sha256.Sum256([]byte(label))}
}

func (r *detRand) Read(p []byte) (int, error) {
	for i := range p {
		if len(r.buf) == 0 {
			var in [40]byte
			copy(in[:], r.seed[:])
			binary.BigEndian.PutUint64(in[32:], r.ctr)
			r.ctr++
			h := sha256.Sum256(in[:])
			r.buf = h[:]
		}
		p[i] = r.buf[0]
		r.buf = r.buf[1:]
	}
	return len(p), nil
}

func (r *detRand) bytes(n int) []byte {
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

// scalar returns a uniform-ish integer in [1, n−1].
func (r *detRand) scalar(n *big.Int) *big.Int {
	k := new(big.Int).SetBytes(r.bytes(40))
	k.Mod(k, new(big.Int).Sub(n, big.NewInt(1)))
	return k.Add(k, big.NewInt(1))
}

// libVerify is the reference verdict from crypto/ecdsa (P256), gmsm's sm2
// (SM2) or libsecp256k1 under crypto/ecdsa's rule (Secp256k1, see
// k1Verify), given big-endian r and s of any length.
func libVerify(c Curve, pub *ecdsa.PublicKey, digest, r, s []byte) bool {
	rb, sb := new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)
	switch c {
	case P256:
		return ecdsa.Verify(pub, digest, rb, sb)
	case SM2:
		return sm2.Verify(pub, digest, rb, sb)
	default:
		return k1Verify(pub, digest, rb, sb)
	}
}

// fixture is a key pair whose private scalar d is known to the test.
type fixture struct {
	curve Curve
	d     *big.Int
	q     refPoint // the public point, for the math/big model
	pub   *ecdsa.PublicKey
	key   *Key
}

func newFixture(t testing.TB, c Curve, d *big.Int) *fixture {
	t.Helper()
	rc := ref(c)
	q := rc.mul(d, rc.g())
	pub := libPublicKey(t, c, q)
	k, err := NewKey(c, q.x, q.y)
	if err != nil {
		t.Fatalf("NewKey(%v, d=%x) = %v", c, d, err)
	}
	return &fixture{curve: c, d: d, q: q, pub: pub, key: k}
}

// verify runs ecfast's verifier for the fixture's scheme.
func (f *fixture) verify(digest, r, s []byte) bool {
	if f.curve == SM2 {
		return f.key.VerifySM2(digest, r, s)
	}
	return f.key.VerifyECDSA(digest, r, s)
}

// sign produces a library signature (r, s) of digest with the fixture's
// private key; randomness comes from crypto/rand inside the library, except
// for secp256k1, whose signer (libsecp256k1) is deterministic.
func (f *fixture) sign(t testing.TB, digest []byte) (r, s []byte) {
	t.Helper()
	if f.curve == Secp256k1 {
		r, s, _ := f.ethSign(t, ecdsaDigest32(digest))
		return new(big.Int).SetBytes(r).Bytes(), new(big.Int).SetBytes(s).Bytes()
	}
	var der []byte
	var err error
	buf := make([]byte, 32)
	f.d.FillBytes(buf)
	if f.curve == P256 {
		var priv *ecdsa.PrivateKey
		priv, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), buf)
		if err == nil {
			der, err = ecdsa.SignASN1(rand.Reader, priv, digest)
		}
	} else if len(digest) == 0 {
		// gmsm refuses to sign an empty hash but verifies one (e = 0).
		return refSignSM2(f.d, digest, newDetRand(f.d.String()).scalar(ref(SM2).n))
	} else {
		var priv *sm2.PrivateKey
		priv, err = sm2.NewPrivateKey(buf)
		if err == nil {
			der, err = sm2.SignASN1(rand.Reader, priv, digest, nil)
		}
	}
	if err != nil {
		t.Fatalf("sign with d=%x: %v", f.d, err)
	}
	return splitDER(t, der)
}

// splitDER parses an ASN.1 ECDSA/SM2 signature into minimal big-endian r, s.
func splitDER(t testing.TB, der []byte) (r, s []byte) {
	t.Helper()
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		t.Fatalf("parse signature %x: %v", der, err)
	}
	return sig.R.Bytes(), sig.S.Bytes()
}

// refSignSM2 computes a GB/T 32918.2 signature with math/big for a given
// nonce k: r = (e + x(kG)) mod n, s = (1 + d)⁻¹·(k − r·d) mod n.
func refSignSM2(d *big.Int, digest []byte, k *big.Int) (r, s []byte) {
	rc := ref(SM2)
	e := new(big.Int).SetBytes(digest[:min(len(digest), 32)])
	kg := rc.mul(k, rc.g())
	rv := new(big.Int).Add(e, kg.x)
	rv.Mod(rv, rc.n)
	inv := new(big.Int).Add(d, big.NewInt(1))
	inv.ModInverse(inv, rc.n)
	sv := new(big.Int).Mul(rv, d)
	sv.Sub(k, sv).Mul(sv, inv).Mod(sv, rc.n)
	return rv.Bytes(), sv.Bytes()
}

// asn1Marshal encodes (r, s) as an ASN.1 signature.
func asn1Marshal(r, s *big.Int) ([]byte, error) {
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

// encodePoint returns the uncompressed SEC 1 encoding of a finite point.
func encodePoint(p refPoint) []byte {
	out := make([]byte, 65)
	out[0] = 4
	p.x.FillBytes(out[1:33])
	p.y.FillBytes(out[33:])
	return out
}

// libPublicKey builds the reference library's public key for point p.
func libPublicKey(t testing.TB, c Curve, p refPoint) *ecdsa.PublicKey {
	t.Helper()
	var pub *ecdsa.PublicKey
	var err error
	switch c {
	case P256:
		pub, err = ecdsa.ParseUncompressedPublicKey(elliptic.P256(), encodePoint(p))
	case SM2:
		pub, err = sm2.NewPublicKey(encodePoint(p))
	default:
		pub, err = crypto.UnmarshalPubkey(encodePoint(p))
	}
	if err != nil {
		t.Fatalf("library public key for %v point (%x, %x): %v", c, p.x, p.y, err)
	}
	return pub
}

// toAffine converts a finite Jacobian point with one field inversion. It
// reports false for the point at infinity.
func (c *curve) toAffine(p *jacobian) (affine, bool) {
	if p.isInfinity() {
		return affine{}, false
	}
	f := c.fp
	var zi, zi2, zi3 fe
	var out affine
	f.inv(&zi, &p.z)
	f.sqr(&zi2, &zi)
	f.mul(&zi3, &zi2, &zi)
	f.mul(&out.x, &p.x, &zi2)
	f.mul(&out.y, &p.y, &zi3)
	return out, true
}
