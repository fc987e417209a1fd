package audit

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// Minimum key sizes below which CRY-KEY-WEAK is raised.
const (
	minRSABits = 2048
	minECBits  = 256
)

// gm reports whether the chain is declared to use national crypto.
func (a *fabricChecks) gm() bool { return a.cfg.Chain.Crypto == ledger.CryptoGM }

// checkConfig applies the crypto rules to a channel config: its hashing
// algorithm and every CA, TLS CA and consenter TLS certificate.
func (a *fabricChecks) checkConfig(res *BlockResult, cfg *ledger.Config) {
	if a.gm() && cfg.HashingAlgo != fabric.SM3 {
		a.report(res, RuleGMHash, ledger.Subject{Kind: "config", Ref: "HashingAlgorithm", Height: cfg.Height},
			fmt.Sprintf("config of block %d sets HashingAlgorithm %s on a chain declared GM", cfg.Height, cfg.HashingAlgo),
			map[string]string{"block": fmt.Sprint(cfg.Height), "hashingAlgorithm": cfg.HashingAlgo})
	}
	for _, m := range cfg.MSPs {
		for _, set := range []struct {
			kind string
			ders [][]byte
		}{{"CA", m.RootCerts}, {"intermediate CA", m.Intermediates}, {"TLS CA", m.TLSRootCerts}, {"TLS intermediate CA", m.TLSIntermediates}} {
			for _, der := range set.ders {
				if c, err := smx509.ParseCertificate(der); err == nil {
					a.certRules(res, c, m.ID, set.kind, cfg.Height)
				}
			}
		}
	}
	for _, cs := range cfg.Consenters {
		for _, raw := range [][]byte{cs.ClientTLS, cs.ServerTLS} {
			der := raw
			if blk, _ := pem.Decode(raw); blk != nil {
				der = blk.Bytes
			}
			if c, err := smx509.ParseCertificate(der); err == nil {
				a.certRules(res, c, cs.MSPID, "consenter TLS", cfg.Height)
			}
		}
	}
}

// certRules applies the crypto rules to a certificate once per run: SM2
// key and signature on GM chains, key size and expiry on every chain.
func (a *fabricChecks) certRules(res *BlockResult, c *smx509.Certificate, mspID, kind string, height uint64) {
	if c == nil {
		return
	}
	sum := sha256.Sum256(c.Raw)
	fp := hex.EncodeToString(sum[:])
	if a.checked[fp] {
		return
	}
	a.checked[fp] = true
	subj := ledger.Subject{Kind: "identity", Ref: fp, Height: height, Org: mspID}
	name := fmt.Sprintf("%s certificate %q of %s", kind, c.Subject.String(), mspID)
	// certKind repeats kind for message templates, where {kind} names the
	// subject's kind.
	ev := map[string]string{"certificate": c.Subject.String(), "kind": kind, "certKind": kind, "msp": mspID, "fingerprint": fp}
	pub, isEC := c.PublicKey.(*ecdsa.PublicKey)
	if a.gm() {
		if !isEC || !sm2.IsSM2PublicKey(pub) {
			a.report(res, RuleGMKey, subj, fmt.Sprintf("%s has a %s key on a chain declared GM", name, keyName(c.PublicKey)),
				withEvidence(ev, "keyType", keyName(c.PublicKey)))
		}
		if c.SignatureAlgorithm != smx509.SM2WithSM3 {
			a.report(res, RuleGMCertSig, subj, fmt.Sprintf("%s is signed with %s, not SM2-SM3", name, c.SignatureAlgorithm),
				withEvidence(ev, "signatureAlgorithm", c.SignatureAlgorithm.String()))
		}
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			a.report(res, RuleWeakKey, subj, fmt.Sprintf("%s has a %d-bit RSA key", name, k.N.BitLen()),
				withEvidence(ev, "keyType", "RSA", "keyBits", strconv.Itoa(k.N.BitLen())))
		}
	case *ecdsa.PublicKey:
		if k.Curve != nil && k.Curve.Params().BitSize < minECBits {
			a.report(res, RuleWeakKey, subj, fmt.Sprintf("%s has a %d-bit elliptic-curve key", name, k.Curve.Params().BitSize),
				withEvidence(ev, "keyType", keyName(k), "keyBits", strconv.Itoa(k.Curve.Params().BitSize)))
		}
	}
	now := a.cfg.Now()
	switch {
	case now.After(c.NotAfter):
		a.report(res, RuleCertExpired, subj, fmt.Sprintf("%s expired on %s", name, c.NotAfter.UTC().Format(time.DateOnly)),
			withEvidence(ev, "notAfter", c.NotAfter.UTC().Format(time.DateOnly)))
	case now.Add(a.cfg.ExpiryWarning).After(c.NotAfter):
		a.report(res, RuleCertExpiring, subj, fmt.Sprintf("%s expires on %s", name, c.NotAfter.UTC().Format(time.DateOnly)),
			withEvidence(ev, "notAfter", c.NotAfter.UTC().Format(time.DateOnly)))
	}
}

// keyName names a public key type for messages.
func keyName(pub any) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if sm2.IsSM2PublicKey(k) {
			return "SM2"
		}
		if k.Curve != nil {
			return "ECDSA " + k.Curve.Params().Name
		}
		return "ECDSA"
	case *rsa.PublicKey:
		return "RSA"
	}
	return fmt.Sprintf("%T", pub)
}
