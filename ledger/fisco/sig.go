package fisco

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
	"github.com/ethereum/go-ethereum/crypto"
)

// sm2UserID is the default SM2 user id FISCO BCOS signs with.
var sm2UserID = []byte("1234567812345678")

// SM2Verifier verifies an SM2 signature (r, s) over digest e, where e is
// SM3(Z_A ‖ message) already computed for the 64-byte public key. The
// auditor passes one backed by per-key precomputed tables for hot signers;
// nil uses gmsm.
type SM2Verifier func(pub64, e, r, s []byte) bool

// Errors of signature checks.
var (
	errSigLength = errors.New("signature has the wrong length")
	errBadKey    = errors.New("public key is not on the curve")
)

// signer checks signatures of one suite.
type signer struct {
	suite Suite
	sm2   SM2Verifier
}

// sm2Digest is e = SM3(Z_A ‖ msg) for the default user id.
func sm2Digest(pub64, msg []byte) ([]byte, error) {
	pub, err := sm2.NewPublicKey(append([]byte{4}, pub64...))
	if err != nil {
		return nil, errBadKey
	}
	return sm2.CalculateSM2Hash(pub, msg, sm2UserID)
}

// verifySM2 checks an SM2 signature r‖s by pub64 over msg (FISCO signs the
// 32-byte hash as the SM2 message).
func (s signer) verifySM2(pub64, msg, rs []byte) (bool, error) {
	if len(pub64) != 64 {
		return false, fmt.Errorf("%w: public key of %d bytes", errBadKey, len(pub64))
	}
	if len(rs) < 64 {
		return false, fmt.Errorf("%w: %d bytes", errSigLength, len(rs))
	}
	e, err := sm2Digest(pub64, msg)
	if err != nil {
		return false, err
	}
	if s.sm2 != nil {
		return s.sm2(pub64, e, rs[:32], rs[32:64]), nil
	}
	pub, _ := sm2.NewPublicKey(append([]byte{4}, pub64...))
	return sm2.Verify(pub, e, new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:64])), nil
}

// recover returns the 64-byte secp256k1 public key that made sig (r‖s‖v,
// v in {0,1} or {27,28}) over hash.
func recoverSecp256k1(hash, sig []byte) ([]byte, error) {
	if len(sig) != 65 {
		return nil, fmt.Errorf("%w: %d bytes, want 65", errSigLength, len(sig))
	}
	rsv := bytes.Clone(sig)
	if rsv[64] >= 27 {
		rsv[64] -= 27
	}
	if rsv[64] > 1 {
		return nil, fmt.Errorf("recovery id %d", sig[64])
	}
	pub, err := crypto.Ecrecover(hash, rsv)
	if err != nil {
		return nil, err
	}
	return pub[1:], nil
}

// sign parts of a signature check that the caller reports.
type sigResult struct {
	pub   []byte // 64-byte key that signed (carried or recovered)
	ok    bool
	err   error
	suite Suite // the suite the signature's layout belongs to
}

// checkTxSig verifies a transaction signature over hash: GM r‖s‖pub (128
// bytes) with SM2, or r‖s‖v (65 bytes) by secp256k1 recovery.
func (s signer) checkTxSig(hash, sig []byte) sigResult {
	switch len(sig) {
	case 128:
		pub := sig[64:]
		ok, err := s.verifySM2(pub, hash, sig[:64])
		return sigResult{pub: pub, ok: ok, err: err, suite: SuiteGM}
	case 65:
		pub, err := recoverSecp256k1(hash, sig)
		return sigResult{pub: pub, ok: err == nil, err: err, suite: SuiteStandard}
	}
	return sigResult{err: fmt.Errorf("%w: %d bytes (want 65 secp256k1 or 128 SM2)", errSigLength, len(sig))}
}

// checkSealerSig verifies a sealer's signature over a block hash against
// the sealer's node id (its 64-byte public key).
func (s signer) checkSealerSig(nodeID, hash, sig []byte) (bool, error) {
	if s.suite == SuiteGM {
		if len(sig) != 64 && len(sig) != 128 {
			return false, fmt.Errorf("%w: %d bytes (want 64 or 128 for SM2)", errSigLength, len(sig))
		}
		if len(sig) == 128 && !bytes.Equal(sig[64:], nodeID) {
			return false, nil
		}
		return s.verifySM2(nodeID, hash, sig[:64])
	}
	pub, err := recoverSecp256k1(hash, sig)
	if err != nil {
		return false, err
	}
	return bytes.Equal(pub, nodeID), nil
}
