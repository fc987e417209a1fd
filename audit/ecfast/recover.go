package ecfast

// This file holds [Key.RecoversTo] as four steps that [RecoversToBatch]
// shares: parseRecovery validates the question, invScalar and sumPoint
// compute the point R, matchRecoveryX compares its x-coordinate without an
// inversion, and yParity reads y's parity from a given Z⁻¹. The batch form
// replaces the two inversions (invScalar and invField) by batched ones.

// recovery is a RecoversTo question that passed every check needing no
// point arithmetic, with its scalars parsed.
type recovery struct {
	e, r, s fe   // message scalar (digest mod n), r and s in [1, n−1], plain
	x       fe   // the claimed x(R) = r + (v>>1)·n, plain, below p
	odd     byte // the claimed parity of y(R), v & 1
}

// RecoversTo reports whether secp256k1 public-key recovery of the
// signature (r, s, v) over digest yields exactly this key: exactly the
// verdict of go-ethereum's crypto.Ecrecover(digest, r‖s‖v) returning this
// key's uncompressed encoding, that is of libsecp256k1's
// secp256k1_ecdsa_recover:
//   - digest, r and s must each be exactly 32 bytes;
//   - r and s must lie in [1, n−1]; high s is accepted (no low-s rule);
//   - v must be 0, 1, 2 or 3: bit 0 is the parity of y(R) and bit 1 says
//     that x(R) is r + n, which requires r + n < p (v is the raw recovery
//     id; Ethereum's 27/28 and EIP-155 values must be mapped by the caller);
//   - the message scalar e is the digest reduced mod n.
//
// Recovery computes Q' = r⁻¹·(s·R − e·G), so Q' = Q exactly when
// R = s⁻¹·(e·G + r·Q). RecoversTo computes that point with the key's
// tables and accepts iff it is finite, its x-coordinate equals
// r + (v>>1)·n and its y-coordinate has the parity v & 1. It returns
// false for a key on another curve. It does not allocate. To check many
// signatures at once, [RecoversToBatch] shares its two inversions.
func (k *Key) RecoversTo(digest, r, s []byte, v byte) bool {
	rec, ok := k.parseRecovery(digest, r, s, v)
	if !ok {
		return false
	}
	c := k.c
	w := c.invScalar(&rec.s) // Montgomery form of s⁻¹
	pt := k.sumPoint(&rec.e, &rec.r, &w)
	if !c.matchRecoveryX(&pt, &rec.x) {
		return false
	}
	zi := c.invField(&pt.z)
	return c.yParity(&pt, &zi) == rec.odd
}

// parseRecovery validates a RecoversTo question and parses its scalars. It
// reports false, and the question's answer is then false, for a nil key or
// a key not on secp256k1, a digest, r or s that is not 32 bytes long, r or
// s outside [1, n−1], v > 3, or v & 2 with r + n ≥ p (no field element,
// so no point R exists).
func (k *Key) parseRecovery(digest, r, s []byte, v byte) (recovery, bool) {
	var rec recovery
	if k.Curve() != Secp256k1 || len(digest) != 32 || len(r) != 32 || len(s) != 32 || v > 3 {
		return rec, false
	}
	c, rv, sv, ok := k.scalars(r, s)
	if !ok {
		return rec, false
	}
	rec.r, rec.s, rec.x = rv, sv, rv
	if v&2 != 0 {
		if !less(&rv, &c.pMinusN) {
			return rec, false // r + n ≥ p is no field element: recovery fails
		}
		rec.x = addPlain(&rv, &c.fn.p) // below p: no overflow, no reduction
	}
	rec.e = c.digestToScalar(digest)
	rec.odd = v & 1
	return rec, true
}

// matchRecoveryX reports whether the Jacobian point p is finite and has
// the x-coordinate x, a plain integer below p. It compares X with x·Z²
// instead of inverting Z, so Z ≠ 0 whenever it reports true.
func (c *curve) matchRecoveryX(p *jacobian, x *fe) bool {
	if p.isInfinity() {
		return false
	}
	f := c.fp
	var z2, t fe
	f.sqr(&z2, &p.z)
	f.toMont(&t, x)
	f.mul(&t, &t, &z2)
	return t == p.x
}

// yParity returns the lowest bit of the affine y-coordinate Y/Z³ of the
// finite Jacobian point p, as a plain integer in [0, p−1], given zi, the
// Montgomery form of Z⁻¹ (from invField or a batched inversion).
func (c *curve) yParity(p *jacobian, zi *fe) byte {
	f := c.fp
	var zi3, y fe
	f.sqr(&zi3, zi)
	f.mul(&zi3, &zi3, zi)
	f.mul(&y, &p.y, &zi3)
	f.fromMont(&y, &y)
	return byte(y[0] & 1)
}

// invField returns the Montgomery form of z⁻¹ for a non-zero field
// element z given in Montgomery form, by binary GCD, or by Fermat
// inversion should the binary GCD ever fail to converge.
func (c *curve) invField(z *fe) fe {
	var plain fe
	c.fp.fromMont(&plain, z)
	if w, ok := c.fp.invVartime(&plain, &c.pFix); ok {
		return w
	}
	var w fe
	c.fp.inv(&w, z)
	return w
}
