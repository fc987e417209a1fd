package ecfast

import (
	"math/big"
	"math/bits"
)

// This file implements variable-time modular inversion, for the scalar
// fields (s⁻¹) and for the base field (Z⁻¹ in RecoversTo), with the
// optimised binary GCD of T. Pornin ("Optimized Binary GCD for Modular
// Inversion", IACR ePrint 2020/972, Algorithm 2). Each outer
// step runs gcdInner binary-GCD iterations on 64-bit approximations of a
// and b (their low 31 and top 33 bits), collecting the updates in a 2×2
// matrix that is then applied to the full-width values. The division by
// 2^31 that the algorithm applies to the Bézout coefficients u, v every
// step is deferred and undone at the end by one Montgomery multiplication
// with a precomputed constant. Inputs are public (signature values), so
// branches on them are acceptable.

const (
	// gcdInner is k − 1 in Pornin's notation, with k = 32.
	gcdInner = 31
	// gcdMaxOuter bounds the outer steps. The paper proves
	// ⌈(2·256 − 1)/31⌉ = 17 suffice; the margin only guards the fallback.
	gcdMaxOuter = 24
)

// gcdFixTable returns, indexed by the number T of outer steps,
// 2^(−31·T)·R² mod m: the factor that turns the deferred coefficient
// v·2^(31·T) into the Montgomery form of the inverse.
func (m *modulus) gcdFixTable() [gcdMaxOuter + 1]fe {
	var out [gcdMaxOuter + 1]fe
	p := feToBig(&m.p)
	r2 := new(big.Int).Lsh(big.NewInt(1), 512)
	inv2 := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), gcdInner), p)
	acc := new(big.Int).Mod(r2, p)
	for t := range out {
		out[t] = feFromBig(acc)
		acc.Mul(acc, inv2).Mod(acc, p)
	}
	return out
}

func feToBig(x *fe) *big.Int {
	b := x.bytes()
	return new(big.Int).SetBytes(b[:])
}

func feFromBig(x *big.Int) fe {
	var buf [32]byte
	var f fe
	f.setBytes32(x.FillBytes(buf[:]))
	return f
}

// bitLen returns the bit length of x.
func (x *fe) bitLen() int {
	for i := 3; i >= 0; i-- {
		if x[i] != 0 {
			return 64*i + bits.Len64(x[i])
		}
	}
	return 0
}

// window returns the 64 bits of x starting at bit pos (0 ≤ pos < 256).
func (x *fe) window(pos int) uint64 {
	limb, off := pos/64, uint(pos%64)
	v := x[limb] >> off
	if off != 0 && limb < 3 {
		v |= x[limb+1] << (64 - off)
	}
	return v
}

// wide is a 320-bit two's-complement intermediate.
type wide [5]uint64

// mulSmall returns |f|·x as a non-negative wide value.
func mulSmall(x *fe, f uint64) wide {
	var w wide
	var hi, lo, c uint64
	hi, w[0] = bits.Mul64(x[0], f)
	for i := 1; i < 4; i++ {
		c = hi
		hi, lo = bits.Mul64(x[i], f)
		w[i], c = bits.Add64(lo, c, 0)
		hi += c
	}
	w[4] = hi
	return w
}

func (w *wide) neg() {
	var b uint64
	w[0], b = bits.Sub64(0, w[0], 0)
	w[1], b = bits.Sub64(0, w[1], b)
	w[2], b = bits.Sub64(0, w[2], b)
	w[3], b = bits.Sub64(0, w[3], b)
	w[4], _ = bits.Sub64(0, w[4], b)
}

func (w *wide) add(y *wide) {
	var c uint64
	w[0], c = bits.Add64(w[0], y[0], 0)
	w[1], c = bits.Add64(w[1], y[1], c)
	w[2], c = bits.Add64(w[2], y[2], c)
	w[3], c = bits.Add64(w[3], y[3], c)
	w[4], _ = bits.Add64(w[4], y[4], c)
}

// signedMul returns f·x in two's complement.
func signedMul(x *fe, f int64) wide {
	if f < 0 {
		w := mulSmall(x, uint64(-f))
		w.neg()
		return w
	}
	return mulSmall(x, uint64(f))
}

// linShift returns |(f·a + g·b) / 2^31| and whether the value was
// negative. The division is exact by construction of the matrix.
func linShift(a, b *fe, f, g int64) (fe, bool) {
	w := signedMul(a, f)
	t := signedMul(b, g)
	w.add(&t)
	negative := w[4]>>63 != 0
	if negative {
		w.neg()
	}
	var out fe
	for i := range 4 {
		out[i] = w[i]>>gcdInner | w[i+1]<<(64-gcdInner)
	}
	return out, negative
}

// linMod returns (f·u + g·v) mod m for u, v < m, without division.
func (m *modulus) linMod(u, v *fe, f, g int64) fe {
	uu, vv := *u, *v
	if f < 0 {
		m.neg(&uu, &uu)
		f = -f
	}
	if g < 0 {
		m.neg(&vv, &vv)
		g = -g
	}
	w := mulSmall(&uu, uint64(f))
	t := mulSmall(&vv, uint64(g))
	w.add(&t)
	// Fold the top limb with 2^256 ≡ R mod m until the value fits 256 bits.
	for w[4] != 0 {
		h := w[4]
		w[4] = 0
		t = mulSmall(&m.one, h)
		w.add(&t)
	}
	out := fe{w[0], w[1], w[2], w[3]}
	m.reduceOnce(&out)
	return out
}

// invVartime returns x⁻¹·R mod m, the Montgomery form of the inverse of
// the plain value x in [1, m−1]. fix is m.gcdFixTable(). It reports false
// if the binary GCD did not converge within gcdMaxOuter steps, which the
// paper's bound rules out; callers then fall back to Fermat inversion.
func (m *modulus) invVartime(x *fe, fix *[gcdMaxOuter + 1]fe) (fe, bool) {
	a, b := *x, m.p
	u, v := fe{1}, fe{}
	for step := 0; step <= gcdMaxOuter; step++ {
		if a.isZero() {
			if b != (fe{1}) {
				return fe{}, false
			}
			var out fe
			montMul(&out, &v, &fix[step], m)
			return out, true
		}
		if step == gcdMaxOuter {
			break
		}
		n := max(a.bitLen(), b.bitLen(), 64)
		const lowMask = 1<<gcdInner - 1
		aa := a[0]&lowMask | a.window(n-gcdInner-2)<<gcdInner
		bb := b[0]&lowMask | b.window(n-gcdInner-2)<<gcdInner
		// The inner loop is written without data-dependent branches, which
		// would mispredict about half the time; the matrix entries are kept
		// as two's-complement uint64 and reinterpreted afterwards.
		var f0, g0, f1, g1 uint64 = 1, 0, 0, 1
		for range gcdInner {
			odd := -(aa & 1)
			_, borrow := bits.Sub64(aa, bb, 0)
			swap := odd & -borrow
			t := (aa ^ bb) & swap
			aa ^= t
			bb ^= t
			t = (f0 ^ f1) & swap
			f0 ^= t
			f1 ^= t
			t = (g0 ^ g1) & swap
			g0 ^= t
			g1 ^= t
			aa -= bb & odd
			f0 -= f1 & odd
			g0 -= g1 & odd
			aa >>= 1
			f1 <<= 1
			g1 <<= 1
		}
		sf0, sg0, sf1, sg1 := int64(f0), int64(g0), int64(f1), int64(g1)
		na, negA := linShift(&a, &b, sf0, sg0)
		nb, negB := linShift(&a, &b, sf1, sg1)
		if negA {
			sf0, sg0 = -sf0, -sg0
		}
		if negB {
			sf1, sg1 = -sf1, -sg1
		}
		a, b = na, nb
		u, v = m.linMod(&u, &v, sf0, sg0), m.linMod(&u, &v, sf1, sg1)
	}
	return fe{}, false
}
