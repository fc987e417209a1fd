package audit

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/audit/ecfast"
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

	// A hot signer gets a per-key precomputed table (see verifier.table).
	uses  atomic.Int64
	table atomic.Pointer[ecfast.Key]
	tried atomic.Bool
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

// hotUses is the number of signatures a signer has verified by the
// standard libraries before it gets a per-key table: building one costs
// about as much as 70 verifications, and every later verification with it
// is about 2.7 times as fast, so a table pays for itself after about 120.
const hotUses = 64

// DefaultKeyTables is the default bound on per-key tables an auditor
// keeps (each ecfast.KeyTableBytes, about 449 KiB: 28 MiB in all).
const DefaultKeyTables = 64

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

	// maxTables bounds the per-key tables held by cached signers; tables
	// counts them. Zero or less disables them.
	maxTables int64
	tables    atomic.Int64

	verifies, reused, tabled atomic.Int64
}

func newVerifier(preHash string, maxTables int) *verifier {
	return &verifier{signers: map[string]*signer{}, seen: map[[32]byte]sigResult{}, preHash: preHash, fixed: preHash, maxTables: int64(maxTables)}
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
		v.tables.Store(0) // the dropped signers' tables go with them
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
	rv, sv, err := parseDERSignature(sig)
	if err != nil {
		return sigResult{Err: err}
	}
	if !s.sm2 {
		d := sha256.Sum256(msg)
		return v.once(s, d, sig, func() sigResult {
			res := sigResult{HighS: highS(sv)}
			if k := v.table(s); k != nil {
				res.OK = k.VerifyECDSA(d[:], rv, sv)
			} else {
				res.OK = ecdsa.VerifyASN1(s.pub, d[:], sig)
			}
			return res
		})
	}
	check := func(e [32]byte) func() sigResult {
		return func() sigResult {
			if k := v.table(s); k != nil {
				return sigResult{OK: k.VerifySM2(e[:], rv, sv)}
			}
			return sigResult{OK: sm2.VerifyASN1(s.pub, e[:], sig)}
		}
	}
	v.preMu.Lock()
	pinned := v.preHash
	v.preMu.Unlock()
	if pinned != "" {
		e := sm2Digest(s.za, msg, pinned)
		return v.once(s, e, sig, check(e))
	}
	// Not pinned yet: the first signature that verifies under one of the
	// conventions pins it for the chain.
	for _, conv := range preHashes {
		e := sm2Digest(s.za, msg, conv)
		res := v.once(s, e, sig, check(e))
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

// table returns the signer's per-key table, building it once the signer
// is hot and the verifier's bound allows; nil means verify with the
// standard library. Tables give exactly the library's verdicts (ecfast is
// tested differentially against crypto/ecdsa and gmsm).
func (v *verifier) table(s *signer) *ecfast.Key {
	if k := s.table.Load(); k != nil {
		v.tabled.Add(1)
		return k
	}
	if v.maxTables <= 0 || s.uses.Add(1) < hotUses || v.tables.Load() >= v.maxTables || s.tried.Swap(true) {
		return nil
	}
	if v.tables.Add(1) > v.maxTables {
		v.tables.Add(-1)
		s.tried.Store(false) // another signer took the last slot; try again later
		return nil
	}
	c := ecfast.P256
	if s.sm2 {
		c = ecfast.SM2
	}
	point, err := publicPoint(s.cert)
	var k *ecfast.Key
	if err == nil {
		k, err = ecfast.NewKeyFromBytes(c, point)
	}
	if err != nil {
		v.tables.Add(-1)
		return nil
	}
	s.table.Store(k)
	v.tabled.Add(1)
	return k
}

// publicPoint returns the uncompressed public point of a certificate's
// EC key, the BIT STRING of its SubjectPublicKeyInfo.
func publicPoint(c *smx509.Certificate) ([]byte, error) {
	var spki struct {
		Algorithm asn1.RawValue
		Key       asn1.BitString
	}
	rest, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki)
	switch {
	case err != nil:
		return nil, fmt.Errorf("public key info: %w", err)
	case len(rest) != 0 || spki.Key.BitLength%8 != 0:
		return nil, fmt.Errorf("public key info: malformed")
	}
	return spki.Key.Bytes, nil
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
