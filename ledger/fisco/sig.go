package fisco

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/ethereum/go-ethereum/crypto"
)

// sm2UserID is the default SM2 user id FISCO BCOS signs with.
var sm2UserID = []byte("1234567812345678")

// SM2Key verifies SM2 signatures under one public key, given the digest
// e = SM3(Z_A ‖ M): a per-key precomputed table (audit/ecfast.Key).
type SM2Key interface {
	VerifySM2(e, r, s []byte) bool
}

// SM2Tables builds a per-key table for an uncompressed public point
// (0x04 ‖ X ‖ Y). Keys that
// sign often (sealers, busy senders) get one after hotUses signatures;
// its verdicts must be exactly gmsm's.
type SM2Tables func(pub64 []byte) (SM2Key, error)

// Errors of signature checks.
var (
	errSigLength = errors.New("signature has the wrong length")
	errBadKey    = errors.New("public key is not on the curve")
)

// signer checks signatures of one suite.
type signer struct {
	suite Suite
	keys  *keyCache // SM2 public keys with their Z_A and, when hot, a table
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
	k, err := s.keys.get(pub64)
	if err != nil {
		return false, err
	}
	h := sm3.New()
	h.Write(k.za)
	h.Write(msg)
	e := h.Sum(nil)
	if t := s.keys.table(k, pub64); t != nil {
		return t.VerifySM2(e, rs[:32], rs[32:64]), nil
	}
	return sm2.Verify(k.pub, e, new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:64])), nil
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
