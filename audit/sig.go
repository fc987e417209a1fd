package audit

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// SM2 pre-hash conventions of Fabric national-crypto forks: what the fork
// hashes the message with before SM2's own e = SM3(Z_A ‖ M').
const (
	PreHashNone   = "none"   // M' = M
	PreHashSM3    = "SM3"    // M' = SM3(M)
	PreHashSHA256 = "SHA256" // M' = SHA-256(M)
)

// preHashes is the order in which conventions are tried on the chain's
// first SM2 signature.
var preHashes = []string{PreHashNone, PreHashSM3, PreHashSHA256}

// p256HalfOrder is n/2 of P-256; Fabric rejects ECDSA signatures with a
// larger s.
var (
	p256HalfOrder      = new(big.Int).Rsh(elliptic.P256().Params().N, 1)
	p256HalfOrderBytes = p256HalfOrder.Bytes()
)

// signer is a parsed signing identity with what verification needs
// precomputed. Signers are cached by their serialized bytes and shared.
type signer struct {
	id    uint64
	ident ledger.Identity
	cert  *smx509.Certificate
	pub   *ecdsa.PublicKey
	sm2   bool
	za    []byte // SM2 Z_A with the default user id
	err   error  // why the identity cannot verify anything
}

// sigResult is the outcome of verifying one signature.
type sigResult struct {
	OK    bool
	HighS bool  // ECDSA s above n/2
	Err   error // encoding or key problem, when not OK
}

// maxSigners and maxVerified bound the verifier's caches; when full they
// are emptied.
const (
	maxSigners  = 4096
	maxVerified = 1 << 16
)

// verifier verifies Fabric signatures, caching parsed signers and the
// triples already verified. It is safe for concurrent use.
type verifier struct {
	mu      sync.Mutex
	signers map[string]*signer
	nextID  uint64

	preMu   sync.Mutex
	preHash string // pinned SM2 convention, empty until detected
	fixed   string // convention imposed by Config, if any

	seenMu sync.Mutex
	seen   map[[32]byte]sigResult

	verifies, reused atomic.Int64
}

func newVerifier(preHash string) *verifier {
	return &verifier{signers: map[string]*signer{}, seen: map[[32]byte]sigResult{}, preHash: preHash, fixed: preHash}
}

// signerOf returns the cached signer of a marshalled SerializedIdentity.
func (v *verifier) signerOf(raw []byte) *signer {
	v.mu.Lock()
	s, ok := v.signers[string(raw)]
	v.mu.Unlock()
	if ok {
		return s
	}
	id, err := fabric.ParseIdentity(raw)
	s = newSigner(id, err)
	v.store(string(raw), s)
	return s
}

// signerOfCert returns the cached signer of a PEM or DER certificate
// belonging to mspID (a BFT consenter identity).
func (v *verifier) signerOfCert(mspID string, cert []byte) *signer {
	k := "cert\x00" + mspID + "\x00" + string(cert)
	v.mu.Lock()
	s, ok := v.signers[k]
	v.mu.Unlock()
	if ok {
		return s
	}
	id, err := fabric.ParseCertificate(cert)
	id.MSPID = mspID
	s = newSigner(id, err)
	v.store(k, s)
	return s
}

func (v *verifier) store(k string, s *signer) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.signers) >= maxSigners {
		v.signers = map[string]*signer{}
	}
	v.nextID++
	s.id = v.nextID
	v.signers[k] = s
}

// newSigner prepares a parsed identity for verification.
func newSigner(id ledger.Identity, err error) *signer {
	s := &signer{ident: id, err: err}
	if err != nil {
		return s
	}
	cert, err := smx509.ParseCertificate(id.Cert)
	if err != nil {
		s.err = fmt.Errorf("certificate: %w", err)
		return s
	}
	s.cert = cert
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		s.err = fmt.Errorf("%w: %s", ErrKeyType, id.KeyAlgorithm)
		return s
	}
	s.pub = pub
	switch {
	case sm2.IsSM2PublicKey(pub):
		s.sm2 = true
		if s.za, err = sm2.CalculateZA(pub, nil); err != nil {
			s.err = fmt.Errorf("sm2 z: %w", err)
		}
	case pub.Curve != elliptic.P256():
		s.err = fmt.Errorf("%w: %s", ErrKeyType, id.KeyAlgorithm)
	}
	return s
}

// PreHash returns the pinned SM2 pre-hash convention, empty before the
// first SM2 signature verified.
func (v *verifier) PreHash() string {
	v.preMu.Lock()
	defer v.preMu.Unlock()
	return v.preHash
}

// verify checks sig over msg by s.
func (v *verifier) verify(s *signer, msg, sig []byte) sigResult {
	if s.err != nil {
		return sigResult{Err: s.err}
	}
	_, sv, err := parseDERSignature(sig)
	if err != nil {
		return sigResult{Err: err}
	}
	if !s.sm2 {
		d := sha256.Sum256(msg)
		return v.once(s, d, sig, func() sigResult {
			return sigResult{HighS: highS(sv), OK: ecdsa.VerifyASN1(s.pub, d[:], sig)}
		})
	}
	v.preMu.Lock()
	pinned := v.preHash
	v.preMu.Unlock()
	if pinned != "" {
		e := sm2Digest(s.za, msg, pinned)
		return v.once(s, e, sig, func() sigResult { return sigResult{OK: sm2.VerifyASN1(s.pub, e[:], sig)} })
	}
	// Not pinned yet: the first signature that verifies under one of the
	// conventions pins it for the chain.
	for _, conv := range preHashes {
		e := sm2Digest(s.za, msg, conv)
		res := v.once(s, e, sig, func() sigResult { return sigResult{OK: sm2.VerifyASN1(s.pub, e[:], sig)} })
		if res.OK {
			v.preMu.Lock()
			if v.preHash == "" {
				v.preHash = conv
			}
			ok := v.preHash == conv
			v.preMu.Unlock()
			return sigResult{OK: ok}
		}
	}
	return sigResult{}
}

// once runs check unless the same signer, digest and signature were
// already verified, in which case the earlier result is reused.
func (v *verifier) once(s *signer, digest [32]byte, sig []byte, check func() sigResult) sigResult {
	h := sha256.New()
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], s.id)
	h.Write(id[:])
	h.Write(digest[:])
	h.Write(sig)
	var k [32]byte
	h.Sum(k[:0])
	v.seenMu.Lock()
	res, ok := v.seen[k]
	v.seenMu.Unlock()
	if ok {
		v.reused.Add(1)
		return res
	}
	res = check()
	v.verifies.Add(1)
	v.seenMu.Lock()
	if len(v.seen) >= maxVerified {
		v.seen = map[[32]byte]sigResult{}
	}
	v.seen[k] = res
	v.seenMu.Unlock()
	return res
}

// highS reports whether an ECDSA P-256 s (big-endian, minimal) is above
// n/2.
func highS(s []byte) bool {
	if len(s) < len(p256HalfOrderBytes) {
		return false
	}
	if len(s) > len(p256HalfOrderBytes) {
		return true
	}
	return bytes.Compare(s, p256HalfOrderBytes) > 0
}

// sm2Digest returns e = SM3(Z_A ‖ M') for the pre-hash convention conv.
func sm2Digest(za, msg []byte, conv string) [32]byte {
	switch conv {
	case PreHashSM3:
		d := sm3.Sum(msg)
		msg = d[:]
	case PreHashSHA256:
		d := sha256.Sum256(msg)
		msg = d[:]
	}
	h := sm3.New()
	h.Write(za)
	h.Write(msg)
	var e [32]byte
	h.Sum(e[:0])
	return e
}
