package main

import (
	"math/big"

	sm2ecdsa "github.com/FISCO-BCOS/crypto/ecdsa"
	"github.com/FISCO-BCOS/crypto/elliptic"
)

type smPub = sm2ecdsa.PublicKey

// smcryptoPub wraps a public key in a PrivateKey (D unset), the type
// smcrypto.SM2PreProcess reads the public key from.
func smcryptoPub(x, y *big.Int) *sm2ecdsa.PrivateKey {
	return &sm2ecdsa.PrivateKey{PublicKey: sm2ecdsa.PublicKey{Curve: elliptic.Sm2p256v1(), X: x, Y: y}}
}
