package nodes

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// curveName names the key algorithm of an elliptic-curve certificate key:
// SM2 for the SM2 curve, ECDSA-P256 and so on for NIST curves, "" when the
// key is not an ECDSA key.
func curveName(c *smx509.Certificate) string {
	k, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return ""
	}
	if k.Curve == sm2.P256() {
		return "SM2"
	}
	switch k.Curve.Params().Name {
	case "P-256":
		return "ECDSA-P256"
	case "P-384":
		return "ECDSA-P384"
	case "P-521":
		return "ECDSA-P521"
	}
	return "ECDSA-" + k.Curve.Params().Name
}

// certKeyAlgorithm names any certificate key: SM2, ECDSA-P256, RSA,
// Ed25519.
func certKeyAlgorithm(c *smx509.Certificate) string {
	switch c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return curveName(c)
	case *rsa.PublicKey:
		return "RSA"
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}
