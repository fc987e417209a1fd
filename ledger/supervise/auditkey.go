package supervise

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// PEM block types of audit-log keys.
const (
	pemPrivateKey = "PRIVATE KEY" // PKCS #8
	pemPublicKey  = "PUBLIC KEY"  // PKIX SubjectPublicKeyInfo
)

// PublicKey verifies checkpoints. Its ID is the hex SM3 hash of its PKIX
// (SubjectPublicKeyInfo) DER encoding, as a certificate-transparency log
// id is the hash of the log's key.
type PublicKey struct {
	key *ecdsa.PublicKey
	id  string
}

// ID is the key id that checkpoints signed by the key carry.
func (k PublicKey) ID() string { return k.id }

// IsZero reports whether k holds no key.
func (k PublicKey) IsZero() bool { return k.key == nil }

// Signer signs checkpoints with an SM2 private key.
type Signer struct {
	priv *sm2.PrivateKey
	pub  PublicKey
}

// Public is the key that verifies the signer's checkpoints.
func (s *Signer) Public() PublicKey { return s.pub }

// GenerateKey makes a new SM2 key pair for signing checkpoints and returns
// the private key (PKCS #8) and the public key (PKIX), both PEM-encoded.
func GenerateKey() (priv, pub []byte, err error) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate sm2 key: %w", err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, nil, fmt.Errorf("encode sm2 key: %w", err)
	}
	pubDER, err := smx509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("encode sm2 public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: pubDER}), nil
}

// NewSigner parses a PEM-encoded SM2 private key (PKCS #8, as GenerateKey
// writes it, or SEC 1 "EC PRIVATE KEY").
func NewSigner(pemBytes []byte) (*Signer, error) {
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrKey)
	}
	var key any
	var err error
	switch b.Type {
	case pemPrivateKey:
		key, err = smx509.ParsePKCS8PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = smx509.ParseSM2PrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q, want %q", ErrKey, b.Type, pemPrivateKey)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	priv, ok := key.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not an SM2 key", ErrKey, key)
	}
	pub, err := newPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Signer{priv: priv, pub: pub}, nil
}

// ParsePublicKey parses a PEM-encoded SM2 public key (PKIX "PUBLIC KEY").
// A private key is accepted too, and its public half returned, so that a
// host holding the signing key needs no second file.
func ParsePublicKey(pemBytes []byte) (PublicKey, error) {
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		return PublicKey{}, fmt.Errorf("%w: no PEM block", ErrKey)
	}
	if b.Type != pemPublicKey {
		s, err := NewSigner(pemBytes)
		if err != nil {
			return PublicKey{}, err
		}
		return s.pub, nil
	}
	key, err := smx509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: %w", ErrKey, err)
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return PublicKey{}, fmt.Errorf("%w: %T is not an SM2 public key", ErrKey, key)
	}
	return newPublicKey(pub)
}

func newPublicKey(pub *ecdsa.PublicKey) (PublicKey, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: %w", ErrKey, err)
	}
	h := sm3.Sum(der)
	return PublicKey{key: pub, id: hex.EncodeToString(h[:])}, nil
}

// Sign sets c's key id and signs it: SM2 with the default user id over
// SM3, of c.Message().
func (s *Signer) Sign(c *Checkpoint) error {
	c.KeyID = s.pub.id
	sig, err := s.priv.Sign(rand.Reader, c.Message(), sm2.DefaultSM2SignerOpts)
	if err != nil {
		return fmt.Errorf("sign checkpoint %d: %w", c.Seq, err)
	}
	c.Sig = sig
	return nil
}

// Verify checks that k signed c. The error is a *Problem of kind
// ProblemWrongKey or ProblemBadSignature.
func (k PublicKey) Verify(c *Checkpoint) error {
	if p := k.verify(c); p != nil {
		return p
	}
	return nil
}

func (k PublicKey) verify(c *Checkpoint) *Problem {
	if c.KeyID != k.id {
		return &Problem{Kind: ProblemWrongKey, Checkpoint: c.Seq, Have: c.KeyID, Want: k.id}
	}
	if !sm2.VerifyASN1WithSM2(k.key, nil, c.Message(), c.Sig) {
		return &Problem{Kind: ProblemBadSignature, Checkpoint: c.Seq}
	}
	return nil
}
