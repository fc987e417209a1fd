package fisco

import (
	"hash"

	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/crypto/sha3"
)

// Suite is a chain's cryptography: SM2 with SM3 on national-crypto (GM)
// chains, secp256k1 with Keccak-256 otherwise.
type Suite int

// Crypto suites.
const (
	SuiteUnknown Suite = iota
	SuiteStandard
	SuiteGM
)

// String names the suite.
func (s Suite) String() string {
	switch s {
	case SuiteStandard:
		return "secp256k1-keccak256"
	case SuiteGM:
		return "sm2-sm3"
	}
	return "unknown"
}

// newHash returns the suite's hash function.
func (s Suite) newHash() hash.Hash {
	if s == SuiteGM {
		return sm3.New()
	}
	return sha3.NewLegacyKeccak256()
}

// Sum hashes the concatenation of parts with the suite's hash.
func (s Suite) Sum(parts ...[]byte) []byte {
	h := s.newHash()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// Address derives an account address from a 64-byte public key: the last
// 20 bytes of its hash.
func (s Suite) Address(pub64 []byte) []byte {
	return s.Sum(pub64)[12:]
}
