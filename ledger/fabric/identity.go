package fabric

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/hyperledger/fabric-protos-go/msp"

	"github.com/lianjian/lianjian/ledger"
)

// Key algorithm names used in ledger.Identity.KeyAlgorithm.
const (
	KeySM2       = "SM2"
	KeyECDSAP256 = "ECDSA-P256"
	KeyRSA       = "RSA"
	KeyEd25519   = "Ed25519"
)

// ParseIdentity decodes a marshalled msp.SerializedIdentity (the creator
// of a signature header, the endorser of an endorsement) and its X.509
// certificate, SM2 or international. On a certificate error the returned
// identity still carries the MSP id and the certificate bytes.
func ParseIdentity(raw []byte) (ledger.Identity, error) {
	var si msp.SerializedIdentity
	if err := unmarshal("identity", raw, &si); err != nil {
		return ledger.Identity{}, err
	}
	id := ledger.Identity{MSPID: si.Mspid}
	if len(si.IdBytes) == 0 {
		return id, fmt.Errorf("identity of %q: %w: no certificate", si.Mspid, ErrMalformed)
	}
	if err := fillCert(&id, certDER(si.IdBytes)); err != nil {
		return id, fmt.Errorf("identity of %q: %w", si.Mspid, err)
	}
	return id, nil
}

// ParseCertificate describes a DER or PEM certificate as an identity
// without MSP id.
func ParseCertificate(cert []byte) (ledger.Identity, error) {
	var id ledger.Identity
	err := fillCert(&id, certDER(cert))
	return id, err
}

// certDER returns the DER bytes of a PEM block, or b itself when it is not
// PEM.
func certDER(b []byte) []byte {
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes
	}
	return b
}

// fillCert sets the certificate fields of id from der.
func fillCert(id *ledger.Identity, der []byte) error {
	id.Cert = der
	sum := sha256.Sum256(der)
	id.Fingerprint = hex.EncodeToString(sum[:])
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("certificate: %w: %w", ErrMalformed, err)
	}
	id.Subject = c.Subject.String()
	id.Issuer = c.Issuer.String()
	if c.SerialNumber != nil {
		id.Serial = c.SerialNumber.Text(16)
	}
	id.NotBefore = c.NotBefore.UTC()
	id.NotAfter = c.NotAfter.UTC()
	id.KeyAlgorithm = keyAlgorithm(c.PublicKey)
	id.OUs = c.Subject.OrganizationalUnit
	return nil
}

// keyAlgorithm names the algorithm of a parsed public key.
func keyAlgorithm(pub any) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if sm2.IsSM2PublicKey(k) {
			return KeySM2
		}
		if k.Curve == nil {
			return "ECDSA"
		}
		return "ECDSA-" + strings.ReplaceAll(k.Curve.Params().Name, "-", "")
	case *rsa.PublicKey:
		return KeyRSA
	case ed25519.PublicKey:
		return KeyEd25519
	}
	return fmt.Sprintf("%T", pub)
}

// sigAlgorithm names the signature algorithm an identity signs with as
// Fabric uses it: SM2 keys sign with SM3, P-256 keys with SHA-256.
func sigAlgorithm(id ledger.Identity) string {
	switch id.KeyAlgorithm {
	case KeySM2:
		return "SM2-SM3"
	case KeyECDSAP256:
		return "ECDSA-P256-SHA256"
	}
	return id.KeyAlgorithm
}

// identity parses a serialized identity, reusing earlier results for the
// same bytes: within the block, then across blocks through the decoder.
func (s *state) identity(raw []byte) (ledger.Identity, error) {
	if id, ok := s.ids[string(raw)]; ok {
		return id, nil
	}
	id, ok := s.d.ids.get(raw)
	if !ok {
		var err error
		if id, err = ParseIdentity(raw); err != nil {
			return id, err
		}
		s.d.ids.put(raw, id)
	}
	if s.ids == nil {
		s.ids = make(map[string]ledger.Identity)
	}
	s.ids[string(raw)] = id
	return id, nil
}

// maxCachedIdentities bounds the decoder's identity cache; a channel has
// few signers, so the cache is simply emptied when it fills up.
const maxCachedIdentities = 256

// identityCache remembers parsed identities by their serialized bytes.
// Cached identities share their slices; callers must not modify them.
type identityCache struct {
	mu  sync.Mutex
	ids map[string]ledger.Identity
}

func (c *identityCache) get(raw []byte) (ledger.Identity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[string(raw)]
	return id, ok
}

func (c *identityCache) put(raw []byte, id ledger.Identity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || len(c.ids) >= maxCachedIdentities {
		c.ids = make(map[string]ledger.Identity)
	}
	c.ids[string(raw)] = id
}
