package ecfast

import (
	"bytes"
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// This file holds the secp256k1 references: go-ethereum's crypto package
// (libsecp256k1 through cgo) for recovery and verification, and a math/big
// model of crypto/ecdsa's verification rule.

// k1N is the secp256k1 group order, and k1HalfN is ⌊n/2⌋, the largest s
// that libsecp256k1 considers low.
var (
	k1N     = ref(Secp256k1).n
	k1HalfN = new(big.Int).Rsh(k1N, 1)
)

// ecdsaDigest32 returns the 32-byte big-endian integer that crypto/ecdsa
// derives from a digest for a 256-bit group order: its leftmost 32 bytes,
// or all of it (left-padded) when shorter. libsecp256k1 reduces that value
// mod n exactly as crypto/ecdsa does, so both see the same message scalar.
func ecdsaDigest32(digest []byte) []byte {
	digest = digest[:min(len(digest), 32)]
	out := make([]byte, 32)
	copy(out[32-len(digest):], digest)
	return out
}

// k1Verify is libsecp256k1's secp256k1_ecdsa_verify (go-ethereum's
// crypto.VerifySignature) made to follow crypto/ecdsa's rule: the digest
// becomes the 32-byte integer crypto/ecdsa reads from it, and a high s in
// (n/2, n) is replaced by n − s, which libsecp256k1 would reject and which
// leaves ECDSA validity unchanged. Values of r or s beyond 256 bits cannot
// be encoded and are rejected, as crypto/ecdsa rejects anything ≥ n.
func k1Verify(pub *ecdsa.PublicKey, digest []byte, r, s *big.Int) bool {
	if r.BitLen() > 256 || s.BitLen() > 256 {
		return false
	}
	if s.Cmp(k1HalfN) > 0 && s.Cmp(k1N) < 0 {
		s = new(big.Int).Sub(k1N, s)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return crypto.VerifySignature(crypto.FromECDSAPub(pub), ecdsaDigest32(digest), sig)
}

// refVerifyECDSA is crypto/ecdsa's verification rule written out with the
// math/big curve model: r, s in [1, n−1], e = leftmost 32 bytes of the
// digest, accept iff x(e·s⁻¹·G + r·s⁻¹·Q) mod n = r.
func refVerifyECDSA(rc *refCurve, q refPoint, digest, r, s []byte) bool {
	rv, sv := new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)
	if rv.Sign() == 0 || sv.Sign() == 0 || rv.Cmp(rc.n) >= 0 || sv.Cmp(rc.n) >= 0 {
		return false
	}
	e := new(big.Int).SetBytes(ecdsaDigest32(digest))
	w := new(big.Int).ModInverse(sv, rc.n)
	u1 := new(big.Int).Mul(e, w)
	u2 := new(big.Int).Mul(rv, w)
	p := rc.add(rc.mul(u1.Mod(u1, rc.n), rc.g()), rc.mul(u2.Mod(u2, rc.n), q))
	return !p.inf && new(big.Int).Mod(p.x, rc.n).Cmp(rv) == 0
}

// ethSign signs a 32-byte digest with go-ethereum's crypto.Sign
// (libsecp256k1, deterministic nonces, low s) and splits the 65-byte
// result into r, s (32 bytes each) and the recovery id v.
func (f *fixture) ethSign(t testing.TB, digest []byte) (r, s []byte, v byte) {
	t.Helper()
	priv, err := crypto.ToECDSA(f.d.FillBytes(make([]byte, 32)))
	if err != nil {
		t.Fatalf("crypto.ToECDSA(%x) = %v", f.d, err)
	}
	sig, err := crypto.Sign(digest, priv)
	if err != nil {
		t.Fatalf("crypto.Sign(%x) = %v", digest, err)
	}
	return sig[:32], sig[32:64], sig[64]
}

// pubBytes returns the fixture's uncompressed public key, the form that
// crypto.Ecrecover returns.
func (f *fixture) pubBytes() []byte { return crypto.FromECDSAPub(f.pub) }

// ecrecoverMatches is the reference verdict for RecoversTo: go-ethereum's
// crypto.Ecrecover of r ‖ s ‖ v succeeds and returns exactly pub. r and s
// must be 32 bytes each, so that the concatenation is the signature meant.
func ecrecoverMatches(pub, digest, r, s []byte, v byte) bool {
	if len(r) != 32 || len(s) != 32 {
		return false
	}
	sig := make([]byte, 0, 65)
	sig = append(append(append(sig, r...), s...), v)
	got, err := crypto.Ecrecover(digest, sig)
	return err == nil && bytes.Equal(got, pub)
}

// recSig is a recoverable signature as RecoversTo takes it.
type recSig struct {
	digest, r, s []byte
	v            byte
}

// recSigForR builds the signature (r, s, v) over the digest e whose
// recovery point is the given R, for any s and e: r is x(R) mod n (with
// bit 1 of v set when x(R) ≥ n) and v's bit 0 is the parity of y(R). The
// key it recovers to is Q = r⁻¹·(s·R − e·G). It reports false if r = 0.
func recSigForR(rc *refCurve, R refPoint, e, s *big.Int) (recSig, refPoint, bool) {
	r := new(big.Int).Set(R.x)
	var v byte
	if r.Cmp(rc.n) >= 0 {
		r.Sub(r, rc.n)
		v = 2
	}
	if r.Sign() == 0 {
		return recSig{}, refPoint{}, false
	}
	v |= byte(R.y.Bit(0))
	q := recoveredKey(rc, R, r, e, s)
	sig := recSig{
		digest: e.FillBytes(make([]byte, 32)),
		r:      r.FillBytes(make([]byte, 32)),
		s:      s.FillBytes(make([]byte, 32)),
		v:      v,
	}
	return sig, q, true
}

// recoveredKey returns Q = r⁻¹·(s·R − e·G), the key for which
// s⁻¹·(e·G + r·Q) = R.
func recoveredKey(rc *refCurve, R refPoint, r, e, s *big.Int) refPoint {
	rInv := new(big.Int).ModInverse(r, rc.n)
	negE := new(big.Int).Neg(e)
	q := rc.add(rc.mul(s, R), rc.mul(negE.Mod(negE, rc.n), rc.g()))
	return rc.mul(rInv, q)
}

// recSigFromScalars builds a signature under Q = d·G whose check computes
// u1·G + u2·Q with the given u1, u2: R = (u1 + d·u2)·G, s = r·u2⁻¹ and
// e = u1·s. It reports false if R is infinity or r = 0.
func recSigFromScalars(rc *refCurve, d, u1, u2 *big.Int) (recSig, bool) {
	k := new(big.Int).Mul(d, u2)
	R := rc.mul(k.Add(k, u1).Mod(k, rc.n), rc.g())
	if R.inf {
		return recSig{}, false
	}
	r := new(big.Int).Mod(R.x, rc.n)
	if r.Sign() == 0 {
		return recSig{}, false
	}
	s := new(big.Int).ModInverse(u2, rc.n)
	s.Mul(s, r).Mod(s, rc.n)
	e := new(big.Int).Mul(u1, s)
	sig, _, ok := recSigForR(rc, R, e.Mod(e, rc.n), s)
	return sig, ok
}
