package ecfast

import (
	"bytes"
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/ethereum/go-ethereum/crypto"
)

// benchCase holds one signed digest under one key, in both the ecfast and
// the library representations.
type benchCase struct {
	fx      *fixture
	digest  []byte
	r, s    []byte
	der     []byte
	pub     []byte // uncompressed public key (secp256k1 only)
	compact []byte // r ‖ s ‖ v, 32-byte r and s (secp256k1 only)
}

func newBenchCase(b *testing.B, id Curve, label string) benchCase {
	b.Helper()
	rnd := newDetRand(label)
	fx := newFixture(b, id, rnd.scalar(ref(id).n))
	digest := rnd.bytes(32)
	if id == Secp256k1 {
		r, s, v := fx.ethSign(b, digest)
		compact := append(append(bytes.Clone(r), s...), v)
		return benchCase{fx: fx, digest: digest, r: r, s: s, pub: fx.pubBytes(), compact: compact}
	}
	r, s := fx.sign(b, digest)
	der, err := encodeDER(r, s)
	if err != nil {
		b.Fatal(err)
	}
	return benchCase{fx: fx, digest: digest, r: r, s: s, der: der}
}

// BenchmarkVerify compares a warm per-key table against the standard
// implementations (crypto/ecdsa.VerifyASN1 for P-256, gmsm sm2.VerifyASN1
// with the digest already computed for SM2, go-ethereum's
// crypto.VerifySignature, libsecp256k1 through cgo, for secp256k1).
// "ecfast-64keys" rotates over 64 keys whose tables (32 MiB together) do
// not fit in cache.
func BenchmarkVerify(b *testing.B) {
	for _, id := range allCurves {
		bc := newBenchCase(b, id, "bench/"+id.String())
		name := id.benchName()
		b.Run(name+"/ecfast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !bc.fx.verify(bc.digest, bc.r, bc.s) {
					b.Fatal("valid signature rejected")
				}
			}
		})
		b.Run(name+"/"+id.benchLibrary(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var ok bool
				switch id {
				case P256:
					ok = ecdsa.VerifyASN1(bc.fx.pub, bc.digest, bc.der)
				case SM2:
					ok = sm2.VerifyASN1(bc.fx.pub, bc.digest, bc.der)
				default:
					ok = crypto.VerifySignature(bc.pub, bc.digest, bc.compact[:64])
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

// BenchmarkRecover compares RecoversTo on a warm key with go-ethereum's
// crypto.Ecrecover (libsecp256k1 through cgo) followed by the comparison
// with the expected key, on the same signature. "ecfast-64keys" rotates
// over 64 keys, as BenchmarkVerify does.
func BenchmarkRecover(b *testing.B) {
	bc := newBenchCase(b, Secp256k1, "bench/recover")
	b.Run("Secp256k1/ecfast", func(b *testing.B) {
		b.ReportAllocs()
		v := bc.compact[64]
		for b.Loop() {
			if !bc.fx.key.RecoversTo(bc.digest, bc.r, bc.s, v) {
				b.Fatal("valid signature rejected")
			}
		}
	})
	b.Run("Secp256k1/geth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pub, err := crypto.Ecrecover(bc.digest, bc.compact)
			if err != nil || !bytes.Equal(pub, bc.pub) {
				b.Fatal("valid signature rejected")
			}
		}
	})
	b.Run("Secp256k1/ecfast-64keys", func(b *testing.B) {
		cases := make([]benchCase, 64)
		for i := range cases {
			cases[i] = newBenchCase(b, Secp256k1, "bench-many/recover/"+big.NewInt(int64(i)).String())
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c := &cases[i%len(cases)]
			if !c.fx.key.RecoversTo(c.digest, c.r, c.s, c.compact[64]) {
				b.Fatal("valid signature rejected")
			}
			i++
		}
	})
}

// BenchmarkRecoversToBatch compares RecoversToBatch on 100 valid checks
// over 4 warm keys with RecoversTo on the same checks one by one, the
// baseline. ns/check is the time per check.
func BenchmarkRecoversToBatch(b *testing.B) {
	const keys, size = 4, 100
	rnd := newDetRand("bench/recover-batch")
	fixtures := make([]*fixture, keys)
	for i := range fixtures {
		fixtures[i] = newFixture(b, Secp256k1, rnd.scalar(k1N))
	}
	checks := make([]RecoverCheck, size)
	for i := range checks {
		f := fixtures[i%keys]
		digest := rnd.bytes(32)
		r, s, v := f.ethSign(b, digest)
		checks[i] = RecoverCheck{Key: f.key, Digest: digest, R: r, S: s, V: v}
	}
	perCheck := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/check")
	}
	b.Run("single", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range checks {
				c := &checks[i]
				if !c.Key.RecoversTo(c.Digest, c.R, c.S, c.V) {
					b.Fatal("valid signature rejected")
				}
			}
		}
		perCheck(b)
	})
	b.Run("batch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			RecoversToBatch(checks)
			for i := range checks {
				if !checks[i].OK {
					b.Fatal("valid signature rejected")
				}
			}
		}
		perCheck(b)
	})
}

// BenchmarkNewKey measures building one key's table (the generator table
// is already built and shared).
func BenchmarkNewKey(b *testing.B) {
	for _, id := range allCurves {
		rc := ref(id)
		q := rc.mul(newDetRand("newkey").scalar(rc.n), rc.g())
		b.Run(id.benchName(), func(b *testing.B) {
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
func (c Curve) benchName() string {
	switch c {
	case P256:
		return "P256"
	case SM2:
		return "SM2"
	default:
		return "Secp256k1"
	}
}

// benchLibrary names the reference implementation a curve's verification
// is compared with.
func (c Curve) benchLibrary() string {
	if c == Secp256k1 {
		return "libsecp256k1"
	}
	return "stdlib"
}
