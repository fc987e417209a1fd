package ecfast

import (
	"math/big"
	"testing"
)

// scaled returns p in Jacobian form with a non-trivial Z = λ, so that the
// formulas are exercised with Z ≠ 1.
func (c *curve) scaled(p affine, lambda uint64) jacobian {
	f := c.fp
	var l, l2, l3 fe
	l = fe{lambda}
	f.toMont(&l, &l)
	f.sqr(&l2, &l)
	f.mul(&l3, &l2, &l)
	var j jacobian
	f.mul(&j.x, &p.x, &l2)
	f.mul(&j.y, &p.y, &l3)
	j.z = l
	return j
}

func TestAddMixedEdgeCases(t *testing.T) {
	for _, id := range allCurves {
		c, rc := lookup(id), ref(id)
		rnd := newDetRand("add/" + id.String())
		pr := rc.mul(rnd.scalar(rc.n), rc.g())
		qr := rc.mul(rnd.scalar(rc.n), rc.g())
		p, q := c.fromRef(pr), c.fromRef(qr)
		var negP affine
		negP.x = p.x
		c.fp.neg(&negP.y, &p.y)
		tests := []struct {
			name string
			acc  jacobian
			add  affine
			want refPoint
		}{
			{"infinity plus Q", jacobian{}, q, qr},
			{"P plus Q", c.scaled(p, 7), q, rc.add(pr, qr)},
			{"P plus P doubles", c.scaled(p, 12345), p, rc.add(pr, pr)},
			{"P plus P with Z=1", jacobian{x: p.x, y: p.y, z: c.fp.one}, p, rc.add(pr, pr)},
			{"P plus −P is infinity", c.scaled(p, 99), negP, refPoint{inf: true}},
			{"G plus G", jacobian{x: c.g.x, y: c.g.y, z: c.fp.one}, c.g, rc.add(rc.g(), rc.g())},
		}
		for _, tt := range tests {
			t.Run(id.String()+"/"+tt.name, func(t *testing.T) {
				acc := tt.acc
				c.addMixed(&acc, &tt.add)
				if got := c.jacToRef(&acc); !pointEqual(got, tt.want) {
					t.Fatalf("addMixed = %+v, want %+v", got, tt.want)
				}
			})
		}
		t.Run(id.String()+"/double infinity", func(t *testing.T) {
			var inf jacobian
			c.double(&inf)
			if !inf.isInfinity() {
				t.Fatalf("double(∞) = %+v, want ∞", inf)
			}
		})
		t.Run(id.String()+"/double", func(t *testing.T) {
			j := c.scaled(p, 3)
			c.double(&j)
			if got, want := c.jacToRef(&j), rc.add(pr, pr); !pointEqual(got, want) {
				t.Fatalf("double(P) = %+v, want %+v", got, want)
			}
		})
	}
}

// TestDoubleChain doubles points repeatedly, as table building does for
// the row bases, and compares every step with the reference, for both
// doubling formulas.
func TestDoubleChain(t *testing.T) {
	for _, id := range allCurves {
		t.Run(id.String(), func(t *testing.T) {
			c, rc := lookup(id), ref(id)
			rnd := newDetRand("double-chain/" + id.String())
			for _, start := range []refPoint{rc.g(), rc.neg(rc.g()), rc.mul(rnd.scalar(rc.n), rc.g())} {
				j := c.scaled(c.fromRef(start), 2+uint64(rnd.bytes(1)[0]))
				want := start
				for step := range 3 * windowBits {
					c.double(&j)
					want = rc.add(want, want)
					if got := c.jacToRef(&j); !pointEqual(got, want) {
						t.Fatalf("step %d: double = %+v, want %+v", step, got, want)
					}
				}
			}
		})
	}
}

// TestOnCurveCoefficient checks that onCurve uses each curve's own a: it
// rejects points that satisfy the equation with the same field and b but
// the other coefficient (a = −3 for secp256k1, a = 0 for P-256 and SM2).
func TestOnCurveCoefficient(t *testing.T) {
	for _, id := range allCurves {
		t.Run(id.String(), func(t *testing.T) {
			c, rc := lookup(id), ref(id)
			other := *rc
			if rc.a.Sign() == 0 {
				other.a = big.NewInt(-3)
			} else {
				other.a = big.NewInt(0)
			}
			found := 0
			for x := int64(1); found < 4; x++ {
				p, ok := other.pointAt(big.NewInt(x), x%2 == 0)
				if !ok || rc.onCurve(p.x, p.y) {
					continue
				}
				found++
				a := c.fromRef(p)
				if c.onCurve(&a) {
					t.Fatalf("onCurve(%x, %x) = true for a point with a = %v", p.x, p.y, other.a)
				}
			}
			rnd := newDetRand("oncurve/" + id.String())
			for range 4 {
				p := rc.mul(rnd.scalar(rc.n), rc.g())
				a := c.fromRef(p)
				if !c.onCurve(&a) {
					t.Fatalf("onCurve(%x, %x) = false for a curve point", p.x, p.y)
				}
			}
		})
	}
	// Generators of the other curves, which fit all three fields, are not
	// on the curve.
	for _, id := range allCurves {
		for _, other := range allCurves {
			if other == id {
				continue
			}
			g := ref(other).g()
			if g.x.Cmp(ref(id).p) >= 0 || g.y.Cmp(ref(id).p) >= 0 {
				continue
			}
			c := lookup(id)
			a := c.fromRef(g)
			if c.onCurve(&a) {
				t.Errorf("%v onCurve(G of %v) = true", id, other)
			}
		}
	}
}

func TestBatchToAffine(t *testing.T) {
	c, rc := p256, ref(P256)
	rnd := newDetRand("batch")
	var src []jacobian
	var want []refPoint
	for i := range 9 {
		pr := rc.mul(rnd.scalar(rc.n), rc.g())
		want = append(want, pr)
		src = append(src, c.scaled(c.fromRef(pr), uint64(3+i*1000)))
	}
	dst := make([]affine, len(src))
	c.batchToAffine(dst, src)
	for i := range dst {
		if got := c.toRef(&dst[i]); !pointEqual(got, want[i]) {
			t.Errorf("batchToAffine[%d] = %+v, want %+v", i, got, want[i])
		}
	}
	if _, ok := c.toAffine(&jacobian{}); ok {
		t.Errorf("toAffine(∞) ok = true, want false")
	}
}

func TestRecode(t *testing.T) {
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	rnd := newDetRand("recode")
	inputs := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(rowEntries), big.NewInt(rowEntries + 1),
		big.NewInt(1<<windowBits - 1), max, feToBig(&p256.fn.p), feToBig(&sm2p256.fn.p),
		feToBig(&secp256k1.fn.p),
		new(big.Int).Lsh(big.NewInt(1), 255),
	}
	for range 200 {
		inputs = append(inputs, new(big.Int).SetBytes(rnd.bytes(32)))
	}
	for _, k := range inputs {
		kf := feFromBig(k)
		var d [tableRows]int32
		recode(&kf, &d)
		sum := new(big.Int)
		for i := tableRows - 1; i >= 0; i-- {
			limit := int32(rowEntries)
			if i == tableRows-1 {
				limit = lastRowEntries
			}
			if d[i] > limit || d[i] < -limit {
				t.Fatalf("recode(%x) digit %d = %d, outside ±%d", k, i, d[i], limit)
			}
			sum.Lsh(sum, windowBits).Add(sum, big.NewInt(int64(d[i])))
		}
		if sum.Cmp(k) != 0 {
			t.Fatalf("recode(%x) sums to %x", k, sum)
		}
	}
}

func TestTableEntries(t *testing.T) {
	for _, id := range allCurves {
		t.Run(id.String(), func(t *testing.T) {
			c, rc := lookup(id), ref(id)
			tb := c.generatorTable()
			if len(tb.pts) != tableEntries {
				t.Fatalf("len(table) = %d, want %d", len(tb.pts), tableEntries)
			}
			for _, row := range []int{0, 1, tableRows / 2, tableRows - 1} {
				n := rowEntries
				if row == tableRows-1 {
					n = lastRowEntries
				}
				for _, j := range []int{1, 2, 3, n - 1, n} {
					if j < 1 || j > n {
						continue
					}
					k := new(big.Int).Lsh(big.NewInt(int64(j)), uint(windowBits*row))
					want := rc.mul(k, rc.g())
					got := c.toRef(&tb.pts[row*rowEntries+j-1])
					if !pointEqual(got, want) {
						t.Errorf("table[%d][%d] = %+v, want %d·2^%d·G", row, j, got, j, windowBits*row)
					}
				}
			}
		})
	}
}

func TestCombine(t *testing.T) {
	for _, id := range allCurves {
		c, rc := lookup(id), ref(id)
		rnd := newDetRand("combine/" + id.String())
		d := rnd.scalar(rc.n)
		qr := rc.mul(d, rc.g())
		q := c.fromRef(qr)
		qt := newTable(c, &q)
		nMinus1 := new(big.Int).Sub(rc.n, big.NewInt(1))
		cases := []struct {
			name   string
			u1, u2 *big.Int
		}{
			{"zero zero", big.NewInt(0), big.NewInt(0)},
			{"one zero", big.NewInt(1), big.NewInt(0)},
			{"zero one", big.NewInt(0), big.NewInt(1)},
			{"n−1 n−1", nMinus1, nMinus1},
			{"random", rnd.scalar(rc.n), rnd.scalar(rc.n)},
			// u1 = −d·u2 mod n makes the sum the point at infinity.
			{"cancel", new(big.Int).Mod(new(big.Int).Mul(new(big.Int).Neg(d), big.NewInt(5)), rc.n), big.NewInt(5)},
		}
		for _, tt := range cases {
			t.Run(id.String()+"/"+tt.name, func(t *testing.T) {
				u1, u2 := feFromBig(tt.u1), feFromBig(tt.u2)
				got := c.combine(c.generatorTable(), qt, &u1, &u2)
				want := rc.add(rc.mul(tt.u1, rc.g()), rc.mul(tt.u2, qr))
				if g := c.jacToRef(&got); !pointEqual(g, want) {
					t.Fatalf("combine(%x, %x) = %+v, want %+v", tt.u1, tt.u2, g, want)
				}
			})
		}
	}
}
