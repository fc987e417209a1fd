package fisco

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/lianjian/lianjian/audit/ecfast"
)

// sm2UserID is the default SM2 user id FISCO BCOS signs with.
var sm2UserID = []byte("1234567812345678")

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
	k, err := s.keys.sm2Key(pub64)
	if err != nil {
		return false, err
	}
	// e = SM3(Z_A ‖ M); FISCO's M is a 32-byte hash, so Z_A ‖ M fits
	// one block on the stack.
	var buf [64]byte
	in := append(append(buf[:0], k.za...), msg...)
	e := sm3.Sum(in)
	if t := s.keys.table(k, SuiteGM); t != nil {
		return t.VerifySM2(e[:], rs[:32], rs[32:64]), nil
	}
	return sm2.Verify(k.sm2, e[:], new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:64])), nil
}

// recoveryID returns a 65-byte secp256k1 signature's recovery id as
// crypto.Ecrecover takes it (27 and 28 mean 0 and 1); ok is false for
// any other value.
func recoveryID(sig []byte) (byte, bool) {
	v := sig[64]
	if v >= 27 {
		v -= 27
	}
	return v, v <= 1
}

// recoversTo reports whether k is hot and its table confirms that
// recovering sig over hash yields k. A false result proves nothing: the
// caller then recovers the key the slow way.
func (s signer) recoversTo(k *pubKey, hash, sig []byte) bool {
	t := s.keys.table(k, SuiteStandard)
	if t == nil {
		return false
	}
	v, ok := recoveryID(sig)
	return ok && t.RecoversTo(hash, sig[:32], sig[32:64], v)
}

// recover returns the 64-byte secp256k1 public key that made sig (r‖s‖v,
// v in {0,1} or {27,28}) over hash.
func recoverSecp256k1(hash, sig []byte) ([]byte, error) {
	if len(sig) != 65 {
		return nil, fmt.Errorf("%w: %d bytes, want 65", errSigLength, len(sig))
	}
	v, ok := recoveryID(sig)
	if !ok {
		return nil, fmt.Errorf("recovery id %d", sig[64])
	}
	rsv := bytes.Clone(sig)
	rsv[64] = v
	pub, err := crypto.Ecrecover(hash, rsv)
	if err != nil {
		return nil, err
	}
	return pub[1:], nil
}

// sign parts of a signature check that the caller reports.
type sigResult struct {
	pub   []byte // 64-byte key that signed (carried or recovered)
	addr  string // the address pub derives, when already known
	ok    bool
	err   error
	suite Suite // the suite the signature's layout belongs to
}

// batchAnswer is what a batched table check said about one secp256k1
// transaction signature.
type batchAnswer struct {
	asked bool      // a hot sender's table was asked
	ok    bool      // and it confirmed that recovery yields the sender's key
	key   senderKey // that sender
}

// recoverBatch asks, in one audit/ecfast batch that shares the modular
// inversions, the tables of hot secp256k1 senders whether recovering
// each 65-byte signature over its hash yields the key known for the from
// it reports. Signatures without a hot sender are not asked.
func (s signer) recoverBatch(hashes, sigs [][]byte, froms []string) []batchAnswer {
	out := make([]batchAnswer, len(sigs))
	checks := make([]ecfast.RecoverCheck, 0, len(sigs))
	idx := make([]int, 0, len(sigs))
	for i, sig := range sigs {
		if len(sig) != 65 || hashes[i] == nil {
			continue
		}
		sk, ok := s.keys.sender(froms[i])
		if !ok {
			continue
		}
		v, ok := recoveryID(sig)
		if !ok {
			continue
		}
		t := s.keys.table(sk.k, SuiteStandard)
		if t == nil {
			continue
		}
		checks = append(checks, ecfast.RecoverCheck{Key: t, Digest: hashes[i], R: sig[:32], S: sig[32:64], V: v})
		idx = append(idx, i)
		out[i] = batchAnswer{asked: true, key: sk}
	}
	ecfast.RecoversToBatch(checks)
	for j, c := range checks {
		out[idx[j]].ok = c.OK
	}
	return out
}

// checkTxSig verifies a transaction signature over hash: GM r‖s‖pub (128
// bytes) with SM2, or r‖s‖v (65 bytes) by secp256k1 recovery. from is the
// sender the node reported: a hot sender's table confirms that recovery
// yields its known key without recovering it; ans is the answer of a
// batched table check, when one was made.
func (s signer) checkTxSig(hash, sig []byte, from string, ans batchAnswer) sigResult {
	switch len(sig) {
	case 128:
		pub := sig[64:]
		ok, err := s.verifySM2(pub, hash, sig[:64])
		return sigResult{pub: pub, ok: ok, err: err, suite: SuiteGM}
	case 65:
		if ans.ok {
			return sigResult{pub: ans.key.k.pub64, addr: ans.key.addr, ok: true, suite: SuiteStandard}
		}
		if sk, ok := s.keys.sender(from); ok && !ans.asked && s.recoversTo(sk.k, hash, sig) {
			return sigResult{pub: sk.k.pub64, addr: sk.addr, ok: true, suite: SuiteStandard}
		}
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
	if len(sig) == 65 && len(nodeID) == 64 && s.recoversTo(s.keys.secpKey(nodeID), hash, sig) {
		return true, nil
	}
	pub, err := recoverSecp256k1(hash, sig)
	if err != nil {
		return false, err
	}
	return bytes.Equal(pub, nodeID), nil
}
