package ecfast

import "math/bits"

// montMulPseudoMersenne is montMul for p = 2^256 − c with c < 2^64, as for
// secp256k1's base field (c = 2^32 + 977). Each CIOS round adds x·y[i] to
// the accumulator t (six words, t < 2^321), then adds mm·p to clear t's low
// word, with mm = t0·(−p⁻¹) mod 2^64 = t0·c⁻¹ mod 2^64. Because
// mm·p = mm·2^256 − mm·c, that costs one 64×64 product instead of four:
// the low word of mm·c equals t0 by the choice of mm, so dividing by 2^64
// leaves t[1:] − hi(mm·c) + mm·2^192. The usual CIOS bound keeps t < 2p
// (so t4 ≤ 1) after every round, and intermediate borrows cancel because
// the true value is non-negative. Finally t ≥ p exactly when t + c
// carries past 2^256, and then t − p is the low 256 bits of t + c. The
// rounds are unrolled like montMul's.
func montMulPseudoMersenne(z, x, y *fe, m *modulus) {
	c := -m.p[0]
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	var t0, t1, t2, t3, t4, t5, hi, lo, cc, carry, mm, mch, b, yi uint64
	// Round 0.
	yi = y[0]
	hi, lo = bits.Mul64(x0, yi)
	t0, cc = bits.Add64(t0, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x1, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x2, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x3, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	carry = hi + cc
	t4, t5 = bits.Add64(t4, carry, 0)
	mm = t0 * m.nInv
	mch, _ = bits.Mul64(mm, c)
	t0, b = bits.Sub64(t1, mch, 0)
	t1, b = bits.Sub64(t2, 0, b)
	t2, b = bits.Sub64(t3, 0, b)
	t3, b = bits.Sub64(t4, 0, b)
	t4 = t5 - b
	t3, cc = bits.Add64(t3, mm, 0)
	t4 += cc
	// Round 1.
	yi = y[1]
	hi, lo = bits.Mul64(x0, yi)
	t0, cc = bits.Add64(t0, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x1, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x2, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x3, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	carry = hi + cc
	t4, t5 = bits.Add64(t4, carry, 0)
	mm = t0 * m.nInv
	mch, _ = bits.Mul64(mm, c)
	t0, b = bits.Sub64(t1, mch, 0)
	t1, b = bits.Sub64(t2, 0, b)
	t2, b = bits.Sub64(t3, 0, b)
	t3, b = bits.Sub64(t4, 0, b)
	t4 = t5 - b
	t3, cc = bits.Add64(t3, mm, 0)
	t4 += cc
	// Round 2.
	yi = y[2]
	hi, lo = bits.Mul64(x0, yi)
	t0, cc = bits.Add64(t0, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x1, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x2, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x3, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	carry = hi + cc
	t4, t5 = bits.Add64(t4, carry, 0)
	mm = t0 * m.nInv
	mch, _ = bits.Mul64(mm, c)
	t0, b = bits.Sub64(t1, mch, 0)
	t1, b = bits.Sub64(t2, 0, b)
	t2, b = bits.Sub64(t3, 0, b)
	t3, b = bits.Sub64(t4, 0, b)
	t4 = t5 - b
	t3, cc = bits.Add64(t3, mm, 0)
	t4 += cc
	// Round 3.
	yi = y[3]
	hi, lo = bits.Mul64(x0, yi)
	t0, cc = bits.Add64(t0, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x1, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t1, cc = bits.Add64(t1, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x2, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t2, cc = bits.Add64(t2, lo, 0)
	carry = hi + cc
	hi, lo = bits.Mul64(x3, yi)
	lo, cc = bits.Add64(lo, carry, 0)
	hi += cc
	t3, cc = bits.Add64(t3, lo, 0)
	carry = hi + cc
	t4, t5 = bits.Add64(t4, carry, 0)
	mm = t0 * m.nInv
	mch, _ = bits.Mul64(mm, c)
	t0, b = bits.Sub64(t1, mch, 0)
	t1, b = bits.Sub64(t2, 0, b)
	t2, b = bits.Sub64(t3, 0, b)
	t3, b = bits.Sub64(t4, 0, b)
	t4 = t5 - b
	t3, cc = bits.Add64(t3, mm, 0)
	t4 += cc
	// t < 2p; subtract p (add c modulo 2^256) once if t ≥ p.
	r0, co := bits.Add64(t0, c, 0)
	r1, co := bits.Add64(t1, 0, co)
	r2, co := bits.Add64(t2, 0, co)
	r3, co := bits.Add64(t3, 0, co)
	if co|t4 != 0 {
		z[0], z[1], z[2], z[3] = r0, r1, r2, r3
		return
	}
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}
