package ecfast

// affine is a finite curve point with coordinates in the Montgomery domain.
type affine struct {
	x, y fe
}

// jacobian is a point (X : Y : Z) representing (X/Z², Y/Z³) in the
// Montgomery domain; Z = 0 is the point at infinity.
type jacobian struct {
	x, y, z fe
}

// isInfinity reports whether p is the point at infinity.
func (p *jacobian) isInfinity() bool { return p.z.isZero() }

// double sets p = 2p with the formula for the curve's coefficient a. The
// point at infinity and points with y = 0 both map to Z = 0 through either
// formula.
func (c *curve) double(p *jacobian) {
	if c.aZero {
		c.doubleAZero(p)
		return
	}
	c.doubleAMinus3(p)
}

// doubleAMinus3 sets p = 2p using the a = −3 formulas (dbl-2001-b).
func (c *curve) doubleAMinus3(p *jacobian) {
	f := c.fp
	var delta, gamma, beta, alpha, t1, t2 fe
	f.sqr(&delta, &p.z)
	f.sqr(&gamma, &p.y)
	f.mul(&beta, &p.x, &gamma)
	// alpha = 3·(X − delta)·(X + delta)
	f.sub(&t1, &p.x, &delta)
	f.add(&t2, &p.x, &delta)
	f.mul(&alpha, &t1, &t2)
	f.add(&t1, &alpha, &alpha)
	f.add(&alpha, &t1, &alpha)
	// Z3 = (Y + Z)² − gamma − delta
	f.add(&t1, &p.y, &p.z)
	f.sqr(&t1, &t1)
	f.sub(&t1, &t1, &gamma)
	f.sub(&p.z, &t1, &delta)
	// X3 = alpha² − 8·beta
	f.add(&beta, &beta, &beta)
	f.add(&beta, &beta, &beta) // beta now holds 4·beta
	f.add(&t2, &beta, &beta)   // 8·beta
	f.sqr(&t1, &alpha)
	f.sub(&p.x, &t1, &t2)
	// Y3 = alpha·(4·beta − X3) − 8·gamma²
	f.sub(&t1, &beta, &p.x)
	f.mul(&t1, &alpha, &t1)
	f.sqr(&gamma, &gamma)
	f.add(&gamma, &gamma, &gamma)
	f.add(&gamma, &gamma, &gamma)
	f.add(&gamma, &gamma, &gamma)
	f.sub(&p.y, &t1, &gamma)
}

// doubleAZero sets p = 2p using the a = 0 formulas (dbl-2009-l):
// A = X², B = Y², C = B², D = 2·((X + B)² − A − C), E = 3·A,
// X3 = E² − 2·D, Y3 = E·(D − X3) − 8·C, Z3 = 2·Y·Z.
func (c *curve) doubleAZero(p *jacobian) {
	f := c.fp
	var a, b, cc, d, e, t fe
	f.sqr(&a, &p.x)
	f.sqr(&b, &p.y)
	f.sqr(&cc, &b)
	// D = 2·((X + B)² − A − C)
	f.add(&t, &p.x, &b)
	f.sqr(&t, &t)
	f.sub(&t, &t, &a)
	f.sub(&t, &t, &cc)
	f.add(&d, &t, &t)
	// E = 3·A
	f.add(&e, &a, &a)
	f.add(&e, &e, &a)
	// Z3 = 2·Y·Z, before Y is overwritten
	f.mul(&p.z, &p.y, &p.z)
	f.add(&p.z, &p.z, &p.z)
	// X3 = E² − 2·D
	f.sqr(&t, &e)
	f.sub(&t, &t, &d)
	f.sub(&p.x, &t, &d)
	// Y3 = E·(D − X3) − 8·C
	f.sub(&t, &d, &p.x)
	f.mul(&t, &e, &t)
	f.add(&cc, &cc, &cc)
	f.add(&cc, &cc, &cc)
	f.add(&cc, &cc, &cc)
	f.sub(&p.y, &t, &cc)
}

// addMixed sets p = p + q for a Jacobian p and a finite affine q, handling
// every exceptional case: p at infinity yields q, p = q doubles, and
// p = −q yields the point at infinity. The formulas (madd-2004-hmv) do not
// involve the coefficient a, so they serve every supported curve.
func (c *curve) addMixed(p *jacobian, q *affine) {
	f := c.fp
	if p.isInfinity() {
		p.x, p.y, p.z = q.x, q.y, f.one
		return
	}
	var z1z1, u2, s2, h, r, hh, hhh, v, t fe
	f.sqr(&z1z1, &p.z)
	f.mul(&u2, &q.x, &z1z1)
	f.mul(&s2, &p.z, &z1z1)
	f.mul(&s2, &q.y, &s2)
	f.sub(&h, &u2, &p.x)
	f.sub(&r, &s2, &p.y)
	if h.isZero() {
		if r.isZero() {
			c.double(p)
			return
		}
		*p = jacobian{}
		return
	}
	f.sqr(&hh, &h)
	f.mul(&hhh, &h, &hh)
	f.mul(&v, &p.x, &hh)
	// X3 = r² − HHH − 2V
	f.sqr(&t, &r)
	f.sub(&t, &t, &hhh)
	f.sub(&t, &t, &v)
	f.sub(&t, &t, &v)
	// Y3 = r·(V − X3) − Y1·HHH
	f.sub(&v, &v, &t)
	f.mul(&v, &r, &v)
	f.mul(&hhh, &p.y, &hhh)
	f.sub(&p.y, &v, &hhh)
	p.x = t
	// Z3 = Z1·H
	f.mul(&p.z, &p.z, &h)
}

// batchToAffine converts finite Jacobian points to affine with a single
// field inversion (Montgomery's trick). Every input must be finite.
func (c *curve) batchToAffine(dst []affine, src []jacobian) {
	f := c.fp
	if len(src) == 0 {
		return
	}
	// prefix[i] = z0·z1·…·zi, stored temporarily in dst[i].x.
	dst[0].x = src[0].z
	for i := 1; i < len(src); i++ {
		f.mul(&dst[i].x, &dst[i-1].x, &src[i].z)
	}
	var acc fe
	f.inv(&acc, &dst[len(src)-1].x)
	for i := len(src) - 1; i >= 0; i-- {
		var zi fe
		if i > 0 {
			f.mul(&zi, &acc, &dst[i-1].x)
			f.mul(&acc, &acc, &src[i].z)
		} else {
			zi = acc
		}
		var zi2, zi3 fe
		f.sqr(&zi2, &zi)
		f.mul(&zi3, &zi2, &zi)
		f.mul(&dst[i].x, &src[i].x, &zi2)
		f.mul(&dst[i].y, &src[i].y, &zi3)
	}
}
