package ecfast

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	_ "crypto/sha1" // registers SHA-1 for 20-byte deterministic signatures
	"crypto/sha256"
	_ "crypto/sha512" // registers SHA-384/512 for long digests
	"math/big"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

// fuzzFixtures returns keys with private scalars 1, 2, n−2 (so Q = ±small
// multiples of G, where addition edge cases are likeliest) and two fixed
// pseudo-random scalars.
func fuzzFixtures(f *testing.F, id Curve) []*fixture {
	rc := ref(id)
	rnd := newDetRand("fuzz/" + id.String())
	ds := []*big.Int{
		big.NewInt(1), big.NewInt(2), new(big.Int).Sub(rc.n, big.NewInt(2)),
		rnd.scalar(rc.n), rnd.scalar(rc.n),
	}
	out := make([]*fixture, len(ds))
	for i, d := range ds {
		out[i] = newFixture(f, id, d)
	}
	return out
}

// deterministicSign signs digest with the library's deterministic (RFC
// 6979-style) signer, first replacing the digest by its SHA-256 when its
// length matches no hash the signer accepts (P-256, SM2). It returns the digest that was
// signed and the signature.
func deterministicSign(t *testing.T, fx *fixture, digest []byte) (d, r, s []byte) {
	t.Helper()
	if fx.curve == Secp256k1 {
		// libsecp256k1 signs (RFC 6979) the 32-byte integer that
		// crypto/ecdsa reads from any digest, so digest itself is signed.
		r, s, _ := fx.ethSign(t, ecdsaDigest32(digest))
		return digest, new(big.Int).SetBytes(r).Bytes(), new(big.Int).SetBytes(s).Bytes()
	}
	buf := fx.d.FillBytes(make([]byte, 32))
	if fx.curve == P256 {
		h := map[int]crypto.Hash{20: crypto.SHA1, 32: crypto.SHA256, 48: crypto.SHA384, 64: crypto.SHA512}[len(digest)]
		if h == 0 {
			sum := sha256.Sum256(digest)
			digest, h = sum[:], crypto.SHA256
		}
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), buf)
		if err != nil {
			t.Fatalf("ParseRawPrivateKey(%x) = %v", buf, err)
		}
		der, err := priv.Sign(nil, digest, h)
		if err != nil {
			t.Fatalf("ecdsa Sign(%v) = %v", h, err)
		}
		r, s := splitDER(t, der)
		return digest, r, s
	}
	if len(digest) == 0 {
		sum := sha256.Sum256(digest)
		digest = sum[:]
	}
	priv, err := sm2.NewPrivateKey(buf)
	if err != nil {
		t.Fatalf("sm2 NewPrivateKey(%x) = %v", buf, err)
	}
	der, err := sm2.SignDeterministic(priv, digest, nil)
	if err != nil {
		t.Fatalf("sm2 SignDeterministic = %v", err)
	}
	r, s = splitDER(t, der)
	return digest, r, s
}

// fuzzVerify is the shared body of the fuzz targets: pick a key, optionally
// replace (r, s) by a real library signature of digest, optionally flip one
// bit of r ‖ s ‖ digest, then require ecfast and the library to agree.
func fuzzVerify(t *testing.T, fixtures []*fixture, keySel uint8, digest, r, s []byte, sign bool, flip uint16) {
	if len(r) > 80 || len(s) > 80 || len(digest) > 200 {
		return // longer inputs add nothing: they only change the byte count
	}
	fx := fixtures[int(keySel)%len(fixtures)]
	if sign {
		digest, r, s = deterministicSign(t, fx, digest)
		if !libVerify(fx.curve, fx.pub, digest, r, s) {
			t.Fatalf("library rejects its own signature")
		}
	}
	if flip != 0 {
		all := bytes.Join([][]byte{r, s, digest}, nil)
		if len(all) > 0 {
			bit := int(flip-1) % (8 * len(all))
			all[bit/8] ^= 1 << (bit % 8)
			r, s, digest = all[:len(r)], all[len(r):len(r)+len(s)], all[len(r)+len(s):]
		}
	}
	want := libVerify(fx.curve, fx.pub, digest, r, s)
	if got := fx.verify(digest, r, s); got != want {
		t.Fatalf("key %d, digest %x, r %x, s %x: ecfast = %v, library = %v", keySel, digest, r, s, got, want)
	}
}

// FuzzVerifyECDSA covers both ECDSA curves: key selectors 0–4 pick P-256
// keys (as in the stored corpus) and 5–9 secp256k1 keys.
func FuzzVerifyECDSA(f *testing.F) {
	fixtures := append(fuzzFixtures(f, P256), fuzzFixtures(f, Secp256k1)...)
	f.Add(uint8(0), []byte("message digest 0123456789abcdef"), []byte{1}, []byte{1}, true, uint16(0))
	f.Add(uint8(5), []byte("message digest 0123456789abcdef"), []byte{1}, []byte{1}, true, uint16(0))
	f.Add(uint8(8), []byte("short"), []byte{1}, []byte{1}, true, uint16(7))
	f.Fuzz(func(t *testing.T, keySel uint8, digest, r, s []byte, sign bool, flip uint16) {
		fuzzVerify(t, fixtures, keySel, digest, r, s, sign, flip)
	})
}

func FuzzVerifySM2(f *testing.F) {
	fixtures := fuzzFixtures(f, SM2)
	f.Add(uint8(0), []byte("message digest 0123456789abcdef"), []byte{1}, []byte{1}, true, uint16(0))
	f.Fuzz(func(t *testing.T, keySel uint8, digest, r, s []byte, sign bool, flip uint16) {
		fuzzVerify(t, fixtures, keySel, digest, r, s, sign, flip)
	})
}
