package ecfast

import (
	"fmt"
	"math/big"
)

// Key is a public key together with its fixed-base precomputation table.
// It is immutable after [NewKey] returns and safe for concurrent use. Only
// NewKey makes a usable Key; a nil or zero Key rejects every signature.
type Key struct {
	c  *curve
	q  affine // the public point, Montgomery form
	gt *table // shared generator table of c
	qt *table // per-key table of q
}

// NewKey validates the affine public point (x, y) on curve c and builds its
// precomputation table (see [Key.TableBytes] for its size). Building takes
// a few milliseconds, so keep the Key for as long as the signer stays hot.
//
// It returns an error wrapping [ErrUnknownCurve], [ErrInfinity] for (0, 0),
// or [ErrInvalidPoint] for nil or out-of-range coordinates and points that
// are not on the curve.
func NewKey(c Curve, x, y *big.Int) (*Key, error) {
	cv := lookup(c)
	if cv == nil {
		return nil, fmt.Errorf("new key: %w: %d", ErrUnknownCurve, int(c))
	}
	if x == nil || y == nil {
		return nil, fmt.Errorf("new key on %v: %w: nil coordinate", c, ErrInvalidPoint)
	}
	if x.Sign() == 0 && y.Sign() == 0 {
		return nil, fmt.Errorf("new key on %v: %w", c, ErrInfinity)
	}
	p := cv.pBig
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
		return nil, fmt.Errorf("new key on %v: %w: coordinate out of range", c, ErrInvalidPoint)
	}
	var xb, yb [32]byte
	x.FillBytes(xb[:])
	y.FillBytes(yb[:])
	return newKey(cv, xb[:], yb[:])
}

// NewKeyFromBytes is [NewKey] for the 65-byte uncompressed SEC 1 encoding
// 0x04 ‖ X ‖ Y, as returned by crypto/ecdsa's PublicKey.Bytes, accepted
// by gmsm's sm2.NewPublicKey and returned by go-ethereum's
// crypto.Ecrecover and crypto.FromECDSAPub. Any other length or prefix
// wraps [ErrInvalidPoint].
func NewKeyFromBytes(c Curve, pub []byte) (*Key, error) {
	cv := lookup(c)
	if cv == nil {
		return nil, fmt.Errorf("new key: %w: %d", ErrUnknownCurve, int(c))
	}
	if len(pub) != 65 || pub[0] != 4 {
		return nil, fmt.Errorf("new key on %v: %w: want 65-byte uncompressed encoding, have %d bytes", c, ErrInvalidPoint, len(pub))
	}
	xb, yb := pub[1:33], pub[33:65]
	var px, py fe
	px.setBytes32(xb)
	py.setBytes32(yb)
	if px.isZero() && py.isZero() {
		return nil, fmt.Errorf("new key on %v: %w", c, ErrInfinity)
	}
	if !less(&px, &cv.fp.p) || !less(&py, &cv.fp.p) {
		return nil, fmt.Errorf("new key on %v: %w: coordinate out of range", c, ErrInvalidPoint)
	}
	return newKey(cv, xb, yb)
}

// newKey checks that the 32-byte big-endian coordinates, already known to
// be below p, lie on the curve and builds the key's table.
func newKey(cv *curve, xb, yb []byte) (*Key, error) {
	var px, py fe
	px.setBytes32(xb)
	py.setBytes32(yb)
	k := &Key{c: cv}
	cv.fp.toMont(&k.q.x, &px)
	cv.fp.toMont(&k.q.y, &py)
	if !cv.onCurve(&k.q) {
		return nil, fmt.Errorf("new key on %v: %w", cv.id, ErrInvalidPoint)
	}
	k.gt = cv.generatorTable()
	k.qt = newTable(cv, &k.q)
	return k, nil
}

// Curve returns the curve the key lies on, or 0 for a nil or zero Key.
func (k *Key) Curve() Curve {
	if k == nil || k.c == nil {
		return 0
	}
	return k.c.id
}

// TableBytes returns the memory held by the key's own table. The
// generator table of each curve (the same size) is shared by all keys and
// built once, on the first NewKey for that curve.
// It returns 0 for a nil or zero Key.
func (k *Key) TableBytes() int {
	if k == nil || k.qt == nil {
		return 0
	}
	return len(k.qt.pts) * pointBytes
}

// KeyTableBytes is the per-key table size in bytes, the value every
// [Key.TableBytes] returns.
const KeyTableBytes = tableEntries * pointBytes

// VerifyECDSA reports whether (r, s) is a valid ECDSA signature of digest
// under a P-256 or secp256k1 key, with exactly the acceptance rule of
// crypto/ecdsa.Verify: r and s in [1, n−1]; the digest's leftmost 32 bytes
// (all of it when shorter) taken as an integer and reduced mod n; accept
// iff x(e·s⁻¹·G + r·s⁻¹·Q) mod n = r. High-s signatures are accepted, as Go
// does (libsecp256k1's secp256k1_ecdsa_verify rejects them; normalise s
// first to match it). r and s are unsigned big-endian magnitudes, as from
// a DER parser; leading zero bytes are ignored. It returns false for an
// SM2 key. It does not allocate.
func (k *Key) VerifyECDSA(digest, r, s []byte) bool {
	if id := k.Curve(); id != P256 && id != Secp256k1 {
		return false
	}
	c, rv, sv, ok := k.scalars(r, s)
	if !ok {
		return false
	}
	pt := k.ecdsaPoint(digest, &rv, &sv)
	return c.matchX(&pt, &rv)
}

// ecdsaPoint returns e·s⁻¹·G + r·s⁻¹·Q for the key's point Q, where e is
// the digest as a scalar (see digestToScalar) and r, s are in [1, n−1].
func (k *Key) ecdsaPoint(digest []byte, r, s *fe) jacobian {
	e := k.c.digestToScalar(digest)
	w := k.c.invScalar(s) // Montgomery form of s⁻¹
	return k.sumPoint(&e, r, &w)
}

// sumPoint returns e·w·G + r·w·Q for the key's point Q, given plain
// scalars e and r below n and w, the Montgomery form of s⁻¹ mod n. With
// w = s⁻¹ that is the point u1·G + u2·Q of ECDSA verification and of
// public-key recovery.
func (k *Key) sumPoint(e, r, w *fe) jacobian {
	c := k.c
	var u1, u2 fe
	c.fn.mul(&u1, e, w) // plain e·s⁻¹
	c.fn.mul(&u2, r, w)
	return c.combine(k.gt, k.qt, &u1, &u2)
}

// VerifySM2 reports whether (r, s) is a valid GB/T 32918.2 signature under
// an SM2 key for the digest e = SM3(Z_A ‖ M), computed by the caller, with
// exactly the acceptance rule of gmsm's sm2.Verify: r and s in [1, n−1];
// t = (r + s) mod n ≠ 0; e's leftmost 32 bytes taken as an integer and
// reduced mod n; accept iff (e + x(s·G + t·Q)) mod n = r. r and s are
// unsigned big-endian magnitudes; leading zero bytes are ignored. It
// returns false for a key on another curve. It does not allocate.
func (k *Key) VerifySM2(e, r, s []byte) bool {
	if k.Curve() != SM2 {
		return false
	}
	c, rv, sv, ok := k.scalars(r, s)
	if !ok {
		return false
	}
	var t fe
	c.fn.add(&t, &rv, &sv)
	if t.isZero() {
		return false
	}
	ev := c.digestToScalar(e)
	// (e + x) mod n = r  ⇔  x ≡ r − e (mod n)
	var v fe
	c.fn.sub(&v, &rv, &ev)
	pt := c.combine(k.gt, k.qt, &sv, &t)
	return c.matchX(&pt, &v)
}

// scalars parses a signature's r and s, each in [1, n−1], on the curve of
// k, which must be a key made by NewKey.
func (k *Key) scalars(r, s []byte) (c *curve, rv, sv fe, ok bool) {
	c = k.c
	if rv, ok = c.parseScalar(r); !ok {
		return nil, rv, sv, false
	}
	if sv, ok = c.parseScalar(s); !ok {
		return nil, rv, sv, false
	}
	return c, rv, sv, true
}
