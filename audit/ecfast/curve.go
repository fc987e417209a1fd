package ecfast

import (
	"math/big"
	"sync"
)

// Curve names one of the supported short Weierstrass curves
// y² = x³ + a·x + b. P-256 and SM2 have a = −3 (that is, p − 3) and
// secp256k1 has a = 0; the coefficient only changes point doubling and the
// curve equation, not the mixed addition used by verification.
type Curve int

const (
	// P256 is NIST P-256 (secp256r1), as used by crypto/ecdsa.
	P256 Curve = iota + 1
	// SM2 is the GB/T 32918 curve sm2p256v1, as used by gmsm's sm2 package.
	SM2
	// Secp256k1 is the SEC 2 Koblitz curve secp256k1, as used by Ethereum
	// and by FISCO BCOS in standard (non-SM) mode.
	Secp256k1
)

// String returns the curve's conventional name.
func (c Curve) String() string {
	switch c {
	case P256:
		return "P-256"
	case SM2:
		return "SM2"
	case Secp256k1:
		return "secp256k1"
	default:
		return "unknown"
	}
}

// curve holds one curve's constants and its lazily built generator table.
type curve struct {
	id      Curve
	fp      *modulus // base field
	fn      *modulus // scalar field (group order n)
	aZero   bool     // a = 0 (secp256k1); otherwise a = −3
	b       fe       // coefficient b, Montgomery form
	g       affine   // generator, Montgomery form
	pMinusN fe       // p − n as a plain integer, to bound x(R) ≡ v (mod n) candidates
	gOnce   sync.Once
	gTable  *table
	nFix    [gcdMaxOuter + 1]fe // fn.gcdFixTable(), for scalar inversion
	pFix    [gcdMaxOuter + 1]fe // fp.gcdFixTable(), for field inversion
	pBig    *big.Int            // p as a big.Int, for NewKey range checks
}

// newCurve builds the constants of a curve from its coefficient a, which
// must be −3 or 0, and big-endian hex strings for p, n, b and G.
func newCurve(id Curve, a int, p, n, b, gx, gy string) *curve {
	if a != -3 && a != 0 {
		panic("ecfast: only a = −3 and a = 0 are supported")
	}
	c := &curve{id: id, fp: newModulus(p), fn: newModulus(n), aZero: a == 0}
	bb := feFromHex(b)
	c.fp.toMont(&c.b, &bb)
	x, y := feFromHex(gx), feFromHex(gy)
	c.fp.toMont(&c.g.x, &x)
	c.fp.toMont(&c.g.y, &y)
	c.pMinusN, _ = subBorrow(&c.fp.p, &c.fn.p)
	c.nFix = c.fn.gcdFixTable()
	c.pFix = c.fp.gcdFixTable()
	c.pBig, _ = new(big.Int).SetString(p, 16)
	return c
}

var (
	p256 = newCurve(P256, -3,
		"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
		"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
		"5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
		"6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
		"4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
	sm2p256 = newCurve(SM2, -3,
		"fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff",
		"fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123",
		"28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93",
		"32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7",
		"bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0")
	secp256k1 = newCurve(Secp256k1, 0,
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
		"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
		"7",
		"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
		"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
)

// lookup returns the constants for id, or nil for an unknown curve.
func lookup(id Curve) *curve {
	switch id {
	case P256:
		return p256
	case SM2:
		return sm2p256
	case Secp256k1:
		return secp256k1
	default:
		return nil
	}
}

// generatorTable returns the shared fixed-base table of G, building it on
// first use.
func (c *curve) generatorTable() *table {
	c.gOnce.Do(func() { c.gTable = newTable(c, &c.g) })
	return c.gTable
}

// onCurve reports whether the affine point (Montgomery form) satisfies the
// curve equation: y² = x³ − 3x + b, or y² = x³ + b when a = 0.
func (c *curve) onCurve(p *affine) bool {
	f := c.fp
	var lhs, rhs, t fe
	f.sqr(&lhs, &p.y)
	f.sqr(&rhs, &p.x)
	f.mul(&rhs, &rhs, &p.x)
	if !c.aZero {
		f.add(&t, &p.x, &p.x)
		f.add(&t, &t, &p.x)
		f.sub(&rhs, &rhs, &t)
	}
	f.add(&rhs, &rhs, &c.b)
	return lhs == rhs
}
