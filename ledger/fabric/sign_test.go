package fabric

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
)

// verifyMessage checks a signature over msg the way the fixture networks
// signed: ECDSA over SHA-256, or SM2 with the default user id over the
// raw message.
func verifyMessage(t *testing.T, id ledger.Identity, msg, sig []byte) bool {
	t.Helper()
	c, err := smx509.ParseCertificate(id.Cert)
	if err != nil {
		t.Fatalf("parse signer certificate: %v", err)
	}
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("signer key is %T", c.PublicKey)
	}
	if id.KeyAlgorithm == KeySM2 {
		return sm2.VerifyASN1WithSM2(pub, nil, msg, sig)
	}
	sum := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(pub, sum[:], sig)
}

// TestSignedMessages verifies every signature of every fixture over the
// message SignedMessages derives, and that a changed message fails.
func TestSignedMessages(t *testing.T) {
	roles := map[string]int{}
	for _, file := range fixtureFiles(t) {
		t.Run(file, func(t *testing.T) {
			b := decodeFixture(t, file)
			msgs, err := SignedMessages(b)
			if err != nil {
				t.Fatal(err)
			}
			want := len(b.Signatures)
			for _, tx := range b.Txs {
				want += len(tx.Sigs)
			}
			if len(msgs) != want {
				t.Fatalf("SignedMessages(%s) = %d messages, want %d", file, len(msgs), want)
			}
			for i, m := range msgs {
				var s ledger.Signature
				if m.Tx < 0 {
					s = b.Signatures[m.Sig]
				} else {
					s = b.Txs[m.Tx].Sigs[m.Sig]
				}
				if s.Role != m.Role || string(s.Value) != string(m.Signature) {
					t.Fatalf("message %d (%s) does not align with signature %+v", i, m.Role, s)
				}
				id, err := ParseIdentity(m.Identity)
				if err != nil || id.Fingerprint != s.Signer.Fingerprint {
					t.Fatalf("message %d identity %v does not match signer %s", i, err, s.Signer.Subject)
				}
				if !verifyMessage(t, s.Signer, m.Message, m.Signature) {
					t.Errorf("Block(%s) %s signature %d does not verify", file, m.Role, i)
				}
				tampered := append([]byte{}, m.Message...)
				tampered[len(tampered)/2] ^= 1
				if verifyMessage(t, s.Signer, tampered, m.Signature) {
					t.Errorf("Block(%s) %s signature %d verifies a changed message", file, m.Role, i)
				}
				roles[m.Role]++
			}
		})
	}
	for _, r := range []string{RoleCreator, RoleEndorser, RoleOrderer, RoleConfigUpdate, RoleConfigSubmitter} {
		if roles[r] == 0 {
			t.Errorf("no %s signature among the fixtures", r)
		}
	}
}

// TestSignedMessagesNoRaw checks the error for a block without raw bytes.
func TestSignedMessagesNoRaw(t *testing.T) {
	if _, err := SignedMessages(&ledger.Block{}); !errors.Is(err, ErrNoRaw) {
		t.Errorf("SignedMessages(no raw) error = %v, want ErrNoRaw", err)
	}
}
