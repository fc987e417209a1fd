package ecfast

// windowBits is the width of the signed fixed-base windows. A scalar is
// recoded into tableRows signed digits d with |d| ≤ 2^(windowBits−1), and
// row i of a table holds j·2^(windowBits·i)·B for j = 1 … 2^(windowBits−1),
// so one scalar multiplication costs at most tableRows mixed additions and
// no doublings. The width was chosen with BenchmarkVerify and
// BenchmarkNewKey; the measurements are in the package documentation.
const windowBits = 9

const (
	// rowEntries is the number of points in a full table row.
	rowEntries = 1 << (windowBits - 1)
	// tableRows is the number of signed digits for a scalar below 2^256:
	// one extra bit leaves room for the final carry of the recoding.
	tableRows = (257 + windowBits - 1) / windowBits
	// lastRowBits is how many scalar bits fall into the last row; its
	// digits are at most 2^lastRowBits, so the row is stored truncated.
	lastRowBits = 256 - (tableRows-1)*windowBits
	// lastRowEntries is the number of points in the last row.
	lastRowEntries = 1 << lastRowBits
	// tableEntries is the number of affine points in one table.
	tableEntries = (tableRows-1)*rowEntries + lastRowEntries
	// pointBytes is the in-memory size of one affine table entry.
	pointBytes = 64
)

// table is the fixed-base precomputation for one point B.
type table struct {
	pts []affine // row i, digit j at index i·rowEntries + j − 1
}

// newTable precomputes the fixed-base table of the finite point base.
// Entries are never the point at infinity: j·2^(w·i) is not a multiple of
// the prime group order n for the j and i used, and every supported curve has
// cofactor 1.
func newTable(c *curve, base *affine) *table {
	// Row bases 2^(w·i)·B, computed in Jacobian form then normalised once.
	jb := make([]jacobian, tableRows)
	jb[0] = jacobian{x: base.x, y: base.y, z: c.fp.one}
	for i := 1; i < tableRows; i++ {
		jb[i] = jb[i-1]
		for range windowBits {
			c.double(&jb[i])
		}
	}
	bases := make([]affine, tableRows)
	c.batchToAffine(bases, jb)

	tmp := make([]jacobian, tableEntries)
	for i := range tableRows {
		n := rowEntries
		if i == tableRows-1 {
			n = lastRowEntries
		}
		var acc jacobian
		for j := range n {
			c.addMixed(&acc, &bases[i])
			tmp[i*rowEntries+j] = acc
		}
	}
	t := &table{pts: make([]affine, tableEntries)}
	c.batchToAffine(t.pts, tmp)
	return t
}

// recode splits k < 2^256 into tableRows signed digits in
// [−2^(w−1), 2^(w−1)] with k = Σ d[i]·2^(w·i).
func recode(k *fe, d *[tableRows]int32) {
	const mask = 1<<windowBits - 1
	var carry uint64
	for i := range tableRows {
		pos := i * windowBits
		var v uint64
		if pos < 256 {
			limb, off := pos/64, uint(pos%64)
			v = k[limb] >> off
			if off+windowBits > 64 && limb < 3 {
				v |= k[limb+1] << (64 - off)
			}
			v &= mask
		}
		v += carry
		if v > rowEntries {
			d[i] = int32(v) - (1 << windowBits)
			carry = 1
		} else {
			d[i] = int32(v)
			carry = 0
		}
	}
}

// addDigit adds d·2^(w·row)·B from table t to acc; d = 0 adds nothing.
func (c *curve) addDigit(acc *jacobian, t *table, row int, d int32) {
	switch {
	case d > 0:
		c.addMixed(acc, &t.pts[row*rowEntries+int(d)-1])
	case d < 0:
		p := t.pts[row*rowEntries+int(-d)-1]
		c.fp.neg(&p.y, &p.y)
		c.addMixed(acc, &p)
	}
}

// combine returns u1·G + u2·Q from the two fixed-base tables, using mixed
// additions only.
func (c *curve) combine(gt, qt *table, u1, u2 *fe) jacobian {
	var d1, d2 [tableRows]int32
	recode(u1, &d1)
	recode(u2, &d2)
	var acc jacobian
	for i := range tableRows {
		c.addDigit(&acc, gt, i, d1[i])
		c.addDigit(&acc, qt, i, d2[i])
	}
	return acc
}
