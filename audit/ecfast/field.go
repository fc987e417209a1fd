package ecfast

import (
	"encoding/binary"
	"math/bits"
)

// fe is a 256-bit integer as four little-endian 64-bit limbs. Field and
// scalar elements are kept fully reduced (< modulus) so that limb equality
// is value equality.
type fe [4]uint64

// modulus describes an odd 256-bit prime m for Montgomery arithmetic with
// R = 2^256.
type modulus struct {
	p    fe     // the modulus itself
	nInv uint64 // -p^-1 mod 2^64
	rr   fe     // R^2 mod p, to enter the Montgomery domain
	one  fe     // R mod p, the Montgomery form of 1
	// pseudoMersenne marks p = 2^256 − c with c < 2^64 (secp256k1's base
	// field), which montMul reduces with one multiplication by c per word.
	pseudoMersenne bool
}

// newModulus derives the Montgomery constants of p from its big-endian hex
// form. It panics on malformed input because moduli are package constants.
func newModulus(hexP string) *modulus {
	m := &modulus{p: feFromHex(hexP)}
	// Newton iteration for p^-1 mod 2^64: each step doubles the correct bits.
	x := m.p[0]
	for range 6 {
		x *= 2 - m.p[0]*x
	}
	m.nInv = -x
	m.pseudoMersenne = m.p[1] == ^uint64(0) && m.p[2] == ^uint64(0) && m.p[3] == ^uint64(0)
	// R mod p = 2^256 - p (since p > 2^255 for every supported curve's p and n).
	var zero fe
	m.one, _ = subBorrow(&zero, &m.p)
	// R^2 mod p by doubling R mod p 256 times.
	m.rr = m.one
	for range 256 {
		m.add(&m.rr, &m.rr, &m.rr)
	}
	return m
}

// subBorrow returns x - y mod 2^256 and the borrow out.
func subBorrow(x, y *fe) (fe, uint64) {
	var z fe
	var b uint64
	z[0], b = bits.Sub64(x[0], y[0], 0)
	z[1], b = bits.Sub64(x[1], y[1], b)
	z[2], b = bits.Sub64(x[2], y[2], b)
	z[3], b = bits.Sub64(x[3], y[3], b)
	return z, b
}

// less reports whether x < y as integers.
func less(x, y *fe) bool {
	_, b := subBorrow(x, y)
	return b != 0
}

// isZero reports whether x == 0.
func (x *fe) isZero() bool {
	return x[0]|x[1]|x[2]|x[3] == 0
}

// setBytes32 loads exactly 32 big-endian bytes without reduction.
func (x *fe) setBytes32(b []byte) {
	_ = b[31]
	x[3] = binary.BigEndian.Uint64(b[0:8])
	x[2] = binary.BigEndian.Uint64(b[8:16])
	x[1] = binary.BigEndian.Uint64(b[16:24])
	x[0] = binary.BigEndian.Uint64(b[24:32])
}

// bytes returns x as 32 big-endian bytes.
func (x *fe) bytes() [32]byte {
	var b [32]byte
	binary.BigEndian.PutUint64(b[0:8], x[3])
	binary.BigEndian.PutUint64(b[8:16], x[2])
	binary.BigEndian.PutUint64(b[16:24], x[1])
	binary.BigEndian.PutUint64(b[24:32], x[0])
	return b
}

// setMagnitude loads a big-endian unsigned integer of any length. Leading
// zero bytes are ignored; it reports false if the value needs more than 256
// bits.
func (x *fe) setMagnitude(b []byte) bool {
	for len(b) > 32 {
		if b[0] != 0 {
			return false
		}
		b = b[1:]
	}
	var buf [32]byte
	copy(buf[32-len(b):], b)
	x.setBytes32(buf[:])
	return true
}

// feFromHex parses a big-endian hex constant of at most 64 digits.
func feFromHex(s string) fe {
	if len(s) > 64 {
		panic("ecfast: hex constant too long")
	}
	var x fe
	for i := 0; i < len(s); i++ {
		c := s[len(s)-1-i]
		var v uint64
		switch {
		case c >= '0' && c <= '9':
			v = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			v = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = uint64(c-'A') + 10
		default:
			panic("ecfast: bad hex constant")
		}
		x[i/16] |= v << (4 * (i % 16))
	}
	return x
}

// add sets z = x + y mod p for x, y < p.
func (m *modulus) add(z, x, y *fe) {
	var c, b uint64
	var t fe
	t[0], c = bits.Add64(x[0], y[0], 0)
	t[1], c = bits.Add64(x[1], y[1], c)
	t[2], c = bits.Add64(x[2], y[2], c)
	t[3], c = bits.Add64(x[3], y[3], c)
	var r fe
	r[0], b = bits.Sub64(t[0], m.p[0], 0)
	r[1], b = bits.Sub64(t[1], m.p[1], b)
	r[2], b = bits.Sub64(t[2], m.p[2], b)
	r[3], b = bits.Sub64(t[3], m.p[3], b)
	_, b = bits.Sub64(c, 0, b)
	if b != 0 {
		*z = t
		return
	}
	*z = r
}

// sub sets z = x - y mod p for x, y < p. It adds p back under a mask
// rather than a branch: the borrow is a coin flip for the random-looking
// values of point arithmetic, and the mispredictions cost more than the
// four additions.
func (m *modulus) sub(z, x, y *fe) {
	var b, c uint64
	var t fe
	t[0], b = bits.Sub64(x[0], y[0], 0)
	t[1], b = bits.Sub64(x[1], y[1], b)
	t[2], b = bits.Sub64(x[2], y[2], b)
	t[3], b = bits.Sub64(x[3], y[3], b)
	mask := -b
	t[0], c = bits.Add64(t[0], m.p[0]&mask, 0)
	t[1], c = bits.Add64(t[1], m.p[1]&mask, c)
	t[2], c = bits.Add64(t[2], m.p[2]&mask, c)
	t[3], _ = bits.Add64(t[3], m.p[3]&mask, c)
	*z = t
}

// neg sets z = -x mod p for x < p.
func (m *modulus) neg(z, x *fe) {
	if x.isZero() {
		*z = fe{}
		return
	}
	*z, _ = subBorrow(&m.p, x)
}

// reduceOnce maps x < 2^256 into [0, p) with at most one subtraction, which
// suffices because p > 2^255.
func (m *modulus) reduceOnce(x *fe) {
	if !less(x, &m.p) {
		*x, _ = subBorrow(x, &m.p)
	}
}

// toMont sets z = x·R mod p for x < p.
func (m *modulus) toMont(z, x *fe) { montMul(z, x, &m.rr, m) }

// fromMont sets z = x·R⁻¹ mod p, leaving the Montgomery domain.
func (m *modulus) fromMont(z, x *fe) {
	one := fe{1}
	montMul(z, x, &one, m)
}

// mul sets z = x·y·R⁻¹ mod p (Montgomery product).
func (m *modulus) mul(z, x, y *fe) { montMul(z, x, y, m) }

// sqr sets z = x²·R⁻¹ mod p.
func (m *modulus) sqr(z, x *fe) { m.mul(z, x, x) }

// inv sets z = x⁻¹ in the Montgomery domain (x and z both Montgomery forms)
// by Fermat's little theorem, x^(p-2). It returns 0 for x = 0. The
// exponentiation uses a fixed 4-bit window; it is not constant-time in the
// exponent's digits, which are public constants anyway.
func (m *modulus) inv(z, x *fe) {
	var table [16]fe
	table[0] = m.one
	table[1] = *x
	for i := 2; i < 16; i++ {
		m.mul(&table[i], &table[i-1], x)
	}
	e := m.p
	e[0] -= 2 // p is odd and > 2, so no borrow
	acc := m.one
	for i := 63; i >= 0; i-- {
		if i != 63 {
			m.sqr(&acc, &acc)
			m.sqr(&acc, &acc)
			m.sqr(&acc, &acc)
			m.sqr(&acc, &acc)
		}
		d := (e[i/16] >> (4 * (i % 16))) & 0xf
		if d != 0 {
			m.mul(&acc, &acc, &table[d])
		}
	}
	*z = acc
}

// montMul sets z = x·y·R⁻¹ mod p for x, y < p, using the unrolled
// coarsely integrated operand scanning (CIOS) method, or
// montMulPseudoMersenne for a pseudo-Mersenne p (the test of that flag is
// the only cost to other moduli). The result is fully reduced. The four rounds are written out on purpose: the same body as a
// loop over y's limbs verifies 6% (P-256) to 10% (SM2) slower (measured
// with BenchmarkVerify, 2026-11-25).
func montMul(z, x, y *fe, m *modulus) {
	if m.pseudoMersenne {
		montMulPseudoMersenne(z, x, y, m)
		return
	}
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	p0, p1, p2, p3 := m.p[0], m.p[1], m.p[2], m.p[3]
	var t0, t1, t2, t3, t4, t5, c, hi, lo, mm uint64
	// Round 0: t += x*y[0], then one reduction step.
	yi := y[0]
	hi, lo = bits.Mul64(x0, yi)
	t0 = lo
	c = hi
	hi, lo = bits.Mul64(x1, yi)
	t1, c = bits.Add64(lo, c, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(x2, yi)
	t2, c = bits.Add64(lo, c, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(x3, yi)
	t3, c = bits.Add64(lo, c, 0)
	c, _ = bits.Add64(hi, 0, c)
	t4 = c
	t5 = 0
	mm = t0 * m.nInv
	hi, lo = bits.Mul64(mm, p0)
	_, c = bits.Add64(t0, lo, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(mm, p1)
	lo, cr := bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t0, cr = bits.Add64(t1, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p2)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t1, cr = bits.Add64(t2, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p3)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t2, cr = bits.Add64(t3, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	t3, c = bits.Add64(t4, c, 0)
	t4 = t5 + c
	// Round 1: t += x*y[1], then one reduction step.
	yi = y[1]
	hi, lo = bits.Mul64(x0, yi)
	t0, c = bits.Add64(t0, lo, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(x1, yi)
	lo, cc := bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t1, cc = bits.Add64(t1, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	hi, lo = bits.Mul64(x2, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t2, cc = bits.Add64(t2, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	hi, lo = bits.Mul64(x3, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t3, cc = bits.Add64(t3, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	t4, t5 = bits.Add64(t4, c, 0)
	mm = t0 * m.nInv
	hi, lo = bits.Mul64(mm, p0)
	_, c = bits.Add64(t0, lo, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(mm, p1)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t0, cr = bits.Add64(t1, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p2)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t1, cr = bits.Add64(t2, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p3)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t2, cr = bits.Add64(t3, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	t3, c = bits.Add64(t4, c, 0)
	t4 = t5 + c
	// Round 2: t += x*y[2], then one reduction step.
	yi = y[2]
	hi, lo = bits.Mul64(x0, yi)
	t0, c = bits.Add64(t0, lo, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(x1, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t1, cc = bits.Add64(t1, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	hi, lo = bits.Mul64(x2, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t2, cc = bits.Add64(t2, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	hi, lo = bits.Mul64(x3, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t3, cc = bits.Add64(t3, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	t4, t5 = bits.Add64(t4, c, 0)
	mm = t0 * m.nInv
	hi, lo = bits.Mul64(mm, p0)
	_, c = bits.Add64(t0, lo, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(mm, p1)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t0, cr = bits.Add64(t1, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p2)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t1, cr = bits.Add64(t2, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p3)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t2, cr = bits.Add64(t3, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	t3, c = bits.Add64(t4, c, 0)
	t4 = t5 + c
	// Round 3: t += x*y[3], then one reduction step.
	yi = y[3]
	hi, lo = bits.Mul64(x0, yi)
	t0, c = bits.Add64(t0, lo, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(x1, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t1, cc = bits.Add64(t1, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	hi, lo = bits.Mul64(x2, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t2, cc = bits.Add64(t2, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	hi, lo = bits.Mul64(x3, yi)
	lo, cc = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cc)
	t3, cc = bits.Add64(t3, lo, 0)
	c, _ = bits.Add64(hi, 0, cc)
	t4, t5 = bits.Add64(t4, c, 0)
	mm = t0 * m.nInv
	hi, lo = bits.Mul64(mm, p0)
	_, c = bits.Add64(t0, lo, 0)
	c, _ = bits.Add64(hi, 0, c)
	hi, lo = bits.Mul64(mm, p1)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t0, cr = bits.Add64(t1, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p2)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t1, cr = bits.Add64(t2, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	hi, lo = bits.Mul64(mm, p3)
	lo, cr = bits.Add64(lo, c, 0)
	hi, _ = bits.Add64(hi, 0, cr)
	t2, cr = bits.Add64(t3, lo, 0)
	c, _ = bits.Add64(hi, 0, cr)
	t3, c = bits.Add64(t4, c, 0)
	t4 = t5 + c
	// t < 2p; subtract p once if t >= p.
	r0, b := bits.Sub64(t0, p0, 0)
	var r1, r2, r3 uint64
	r1, b = bits.Sub64(t1, p1, b)
	r2, b = bits.Sub64(t2, p2, b)
	r3, b = bits.Sub64(t3, p3, b)
	_, b = bits.Sub64(t4, 0, b)
	if b != 0 {
		z[0], z[1], z[2], z[3] = t0, t1, t2, t3
		return
	}
	z[0], z[1], z[2], z[3] = r0, r1, r2, r3
}
