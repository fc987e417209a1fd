package ecfast

import "math/bits"

// parseScalar reads a big-endian signature component (leading zero bytes
// allowed) and reports whether it lies in [1, n−1], the range both
// crypto/ecdsa and gmsm's sm2 accept.
func (c *curve) parseScalar(b []byte) (fe, bool) {
	var x fe
	if !x.setMagnitude(b) || x.isZero() || !less(&x, &c.fn.p) {
		return fe{}, false
	}
	return x, true
}

// digestToScalar converts a digest to an integer mod n exactly as the
// reference libraries do for 256-bit orders: take the leftmost 32 bytes (or
// the whole digest when shorter) as a big-endian integer, then subtract n
// once if it is ≥ n. Since n > 2^255, that single subtraction reduces fully.
func (c *curve) digestToScalar(digest []byte) fe {
	if len(digest) > 32 {
		digest = digest[:32]
	}
	var e fe
	e.setMagnitude(digest) // at most 32 bytes: cannot fail
	c.fn.reduceOnce(&e)
	return e
}

// invScalar returns s⁻¹·R mod n (the Montgomery form of s⁻¹) for a plain
// s in [1, n−1], by binary GCD, or by Fermat inversion should the binary
// GCD ever fail to converge.
func (c *curve) invScalar(s *fe) fe {
	if w, ok := c.fn.invVartime(s, &c.nFix); ok {
		return w
	}
	var sm, w fe
	c.fn.toMont(&sm, s)
	c.fn.inv(&w, &sm)
	return w
}

// matchX reports whether the finite Jacobian point R satisfies
// x(R) ≡ v (mod n) for v in [0, n−1], without inverting Z: x(R) is in
// [0, p−1] and p < 2n, so the candidates are v and, when v + n < p, v + n.
// Each is compared as X == cand·Z² in the Montgomery domain.
func (c *curve) matchX(r *jacobian, v *fe) bool {
	if r.isInfinity() {
		return false
	}
	f := c.fp
	var z2, cand, t fe
	f.sqr(&z2, &r.z)
	f.toMont(&cand, v) // v < n < p, a valid field element
	f.mul(&t, &cand, &z2)
	if t == r.x {
		return true
	}
	if !less(v, &c.pMinusN) {
		return false
	}
	vn := addPlain(v, &c.fn.p) // v + n < p: no overflow, no reduction
	f.toMont(&cand, &vn)
	f.mul(&t, &cand, &z2)
	return t == r.x
}

// addPlain returns x + y ignoring overflow; callers guarantee no overflow.
func addPlain(x, y *fe) fe {
	var z fe
	var c uint64
	z[0], c = bits.Add64(x[0], y[0], 0)
	z[1], c = bits.Add64(x[1], y[1], c)
	z[2], c = bits.Add64(x[2], y[2], c)
	z[3], _ = bits.Add64(x[3], y[3], c)
	return z
}
