package ecfast

import (
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

// benchCase holds one signed digest under one key, in both the ecfast and
// the library representation.
type benchCase struct {
	fx     *fixture
	digest []byte
	r, s   []byte
	der    []byte
}

func newBenchCase(b *testing.B, id Curve, label string) benchCase {
	b.Helper()
	rnd := newDetRand(label)
	fx := newFixture(b, id, rnd.scalar(ref(id).n))
	digest := rnd.bytes(32)
	r, s := fx.sign(b, digest)
	der, err := encodeDER(r, s)
	if err != nil {
		b.Fatal(err)
	}
	return benchCase{fx: fx, digest: digest, r: r, s: s, der: der}
}

// BenchmarkVerify compares a warm per-key table against the standard
// implementations (crypto/ecdsa.VerifyASN1 for P-256, gmsm sm2.VerifyASN1
// with the digest already computed for SM2). "ecfast-64keys" rotates over
// 64 keys whose tables (32 MiB together) do not fit in cache.
func BenchmarkVerify(b *testing.B) {
	for _, id := range []Curve{P256, SM2} {
		bc := newBenchCase(b, id, "bench/"+id.String())
		name := benchName(id)
		b.Run(name+"/ecfast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !bc.fx.verify(bc.digest, bc.r, bc.s) {
					b.Fatal("valid signature rejected")
				}
			}
		})
		b.Run(name+"/stdlib", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var ok bool
				if id == P256 {
					ok = ecdsa.VerifyASN1(bc.fx.pub, bc.digest, bc.der)
				} else {
					ok = sm2.VerifyASN1(bc.fx.pub, bc.digest, bc.der)
				}
				if !ok {
					b.Fatal("valid signature rejected")
				}
			}
		})
		b.Run(name+"/ecfast-64keys", func(b *testing.B) {
			cases := make([]benchCase, 64)
			for i := range cases {
				cases[i] = newBenchCase(b, id, "bench-many/"+id.String()+"/"+big.NewInt(int64(i)).String())
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c := &cases[i%len(cases)]
				if !c.fx.verify(c.digest, c.r, c.s) {
					b.Fatal("valid signature rejected")
				}
				i++
			}
		})
	}
}

// BenchmarkNewKey measures building one key's table (the generator table
// is already built and shared).
func BenchmarkNewKey(b *testing.B) {
	for _, id := range []Curve{P256, SM2} {
		rc := ref(id)
		q := rc.mul(newDetRand("newkey").scalar(rc.n), rc.g())
		b.Run(benchName(id), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewKey(id, q.x, q.y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// encodeDER builds the ASN.1 SEQUENCE of two INTEGERs that both libraries
// parse, from minimal big-endian r and s.
func encodeDER(r, s []byte) ([]byte, error) {
	return asn1Marshal(new(big.Int).SetBytes(r), new(big.Int).SetBytes(s))
}

// benchName is the sub-benchmark name of a curve, without punctuation.
func benchName(id Curve) string {
	if id == P256 {
		return "P256"
	}
	return "SM2"
}
