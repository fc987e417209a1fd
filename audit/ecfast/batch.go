package ecfast

// RecoverCheck is one question for [RecoversToBatch]: does recovering the
// signature (R, S, V) over Digest yield Key? OK holds the answer.
type RecoverCheck struct {
	Key          *Key
	Digest, R, S []byte
	V            byte
	OK           bool
}

// batchChunk is the number of checks that share one inversion mod n and
// one mod p. RecoversToBatch keeps a chunk's scratch space, about 19 KiB,
// on the stack. At 64 the two inversions cost about 0.1 µs per check,
// under 1% of it; chunks of 32, 64 and 128 measured alike (see the
// package documentation).
const batchChunk = 64

// RecoversToBatch sets every check's OK to exactly what
// check.Key.RecoversTo(check.Digest, check.R, check.S, check.V) returns,
// for less work per check: RecoversTo spends about a third of its time in
// two modular inversions (s⁻¹ mod n, and Z⁻¹ mod p to read y's parity),
// which RecoversToBatch shares with Montgomery's trick. Per chunk of 64
// checks, each of the two costs one inversion, plus three multiplications
// per check taking part.
//
// Checks that fail before any point arithmetic (a nil Key or a Key on
// another curve, a digest, R or S that is not 32 bytes long, R or S
// outside [1, n−1], V > 3, or V & 2 with R + n ≥ p) get OK = false and
// take no part in either inversion; checks whose point R is infinite or
// has another x-coordinate get OK = false and take no part in the second.
// Keys may differ from check to check. OK is overwritten for every check,
// whatever it held.
//
// RecoversToBatch does not allocate, whatever the batch size, and reads
// only the checks' inputs and the immutable Keys: calls on distinct slices
// may run concurrently, sharing Keys.
func RecoversToBatch(checks []RecoverCheck) {
	for len(checks) > 0 {
		n := min(len(checks), batchChunk)
		recoverChunk(checks[:n])
		checks = checks[n:]
	}
}

// recoverChunk answers at most batchChunk checks with RecoversTo's steps,
// batching the inversion of s mod n and of Z mod p. Every check that
// reaches the shared inversions is on secp256k1, so they share a curve.
func recoverChunk(checks []RecoverCheck) {
	var (
		open    [batchChunk]uint8    // index in checks of each open question
		recs    [batchChunk]recovery // the open questions, parsed
		inv     [batchChunk]fe       // s values, then Z values, inverted in place
		pts     [batchChunk]jacobian // computed points R
		scratch [batchChunk]fe       // prefix products for the inversions
	)
	c := secp256k1

	// Parse and validate; only valid questions stay open.
	m := 0
	for i := range checks {
		ch := &checks[i]
		ch.OK = false
		rec, ok := ch.Key.parseRecovery(ch.Digest, ch.R, ch.S, ch.V)
		if !ok {
			continue
		}
		open[m], recs[m], inv[m] = uint8(i), rec, rec.s
		m++
	}

	// s⁻¹ for every open question (s ≠ 0 after parsing), then R, which
	// must be finite and have the claimed x-coordinate to stay open.
	c.batchInvScalar(inv[:m], scratch[:m])
	kept := 0
	for j := range m {
		rec := &recs[j]
		pt := checks[open[j]].Key.sumPoint(&rec.e, &rec.r, &inv[j])
		if !c.matchRecoveryX(&pt, &rec.x) {
			continue
		}
		// kept ≤ j: entry j is read before slot kept is overwritten.
		open[kept], recs[kept].odd, pts[kept] = open[j], rec.odd, pt
		kept++
	}

	// Z⁻¹ for every remaining R (Z ≠ 0 after matchRecoveryX), then the
	// parity of y(R).
	for j := range kept {
		inv[j] = pts[j].z
	}
	c.batchInvField(inv[:kept], scratch[:kept])
	for j := range kept {
		checks[open[j]].OK = c.yParity(&pts[j], &inv[j]) == recs[j].odd
	}
}

// batchInvScalar replaces every xs[i], plain and in [1, n−1], by
// invScalar(xs[i]), the Montgomery form of its inverse mod n, with one
// inversion (Montgomery's trick). prefix is scratch space as long as xs.
func (c *curve) batchInvScalar(xs, prefix []fe) {
	if len(xs) == 0 {
		return
	}
	p := c.fn.prefixProducts(xs, prefix)
	c.fn.spreadInverse(xs, prefix, c.invScalar(&p))
}

// batchInvField replaces every xs[i], a non-zero field element in
// Montgomery form, by invField(xs[i]), the Montgomery form of its inverse
// mod p, with one inversion (Montgomery's trick). prefix is scratch space
// as long as xs.
func (c *curve) batchInvField(xs, prefix []fe) {
	if len(xs) == 0 {
		return
	}
	p := c.fp.prefixProducts(xs, prefix)
	c.fp.spreadInverse(xs, prefix, c.invField(&p))
}

// prefixProducts and spreadInverse are the two halves of Montgomery's
// trick, around one inversion: one multiplication per element before it,
// two after. Each xs[i] must be below m and non-zero; m is prime, so no
// product vanishes.
//
// The inversion may be any function returning R^α·x⁻¹ mod m for a fixed
// α: invScalar (plain x, α = 1) and invField (Montgomery x, α = 2) both
// do, and each xs[i] ends up as that function of xs[i]. This holds for any
// α because montMul(a, b) = a·b·R⁻¹ throughout: with the prefix products
// P_i = x_0·…·x_i·R^(−i) and acc = R^α·P_i⁻¹, montMul(acc, P_(i−1)) is
// R^α·x_i⁻¹, and montMul(acc, x_i) is R^α·P_(i−1)⁻¹, the next acc.

// prefixProducts sets prefix[i] = P_i for the non-empty xs and returns the
// last one, the value to invert.
func (m *modulus) prefixProducts(xs, prefix []fe) fe {
	prefix = prefix[:len(xs)]
	prefix[0] = xs[0]
	for i := 1; i < len(xs); i++ {
		m.mul(&prefix[i], &prefix[i-1], &xs[i])
	}
	return prefix[len(xs)-1]
}

// spreadInverse replaces every xs[i] by R^α·x_i⁻¹, given
// acc = R^α·P_(len(xs)−1)⁻¹ and the prefix products.
func (m *modulus) spreadInverse(xs, prefix []fe, acc fe) {
	for i := len(xs) - 1; i > 0; i-- {
		var w fe
		m.mul(&w, &acc, &prefix[i-1])
		m.mul(&acc, &acc, &xs[i])
		xs[i] = w
	}
	xs[0] = acc
}
