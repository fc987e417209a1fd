package main

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"
	"math/big"

	sm2ecdsa "github.com/FISCO-BCOS/crypto/ecdsa"
	"github.com/FISCO-BCOS/go-sdk/v3/smcrypto"
	"github.com/FISCO-BCOS/go-sdk/v3/smcrypto/sm3"
	"github.com/ethereum/go-ethereum/crypto"
)

// suite is the chain's crypto: SM2/SM3 on GM (national crypto) chains,
// secp256k1/keccak256 otherwise. Every signature is made with the
// reference code: go-ethereum's secp256k1 (which go-sdk's SignTx calls)
// or go-sdk v3's smcrypto SM2 (default user id 1234567812345678).
type suite struct{ gm bool }

// key is a TEST key pair, derived deterministically from the seed. These
// keys protect nothing: never use them outside tests.
type key struct {
	secp *ecdsa.PrivateKey
	sm2  *sm2ecdsa.PrivateKey
	// id is the 64-byte public key (the FISCO node id).
	id []byte
	// addr is the 20-byte account address: H(id)[12:].
	addr []byte
}

// hash is the chain's hasher over the concatenation of parts.
func (s suite) hash(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	buf := make([]byte, 0, n)
	for _, p := range parts {
		buf = append(buf, p...)
	}
	if s.gm {
		return sm3.Hash(buf)
	}
	return crypto.Keccak256(buf)
}

// selector is the 4-byte function selector of a Solidity signature and
// topic its 32-byte event topic: SM3 on GM chains, keccak otherwise.
func (s suite) selector(sig string) []byte { return s.hash([]byte(sig))[:4] }

func (s suite) topic(sig string) []byte { return s.hash([]byte(sig)) }

// deriveKey returns TEST key number idx of the given kind for a seed. It
// retries until the key is valid and neither public key coordinate starts
// with a zero byte: go-sdk's SM2PubBytes and SM2PreProcess do not pad
// short coordinates (so their node id, address and SM2 Z value would
// differ from FISCO's), and FISCO 2.x GM carries the public key as a
// fixed 64-byte v, which go-sdk v1 would shorten.
func (s suite) deriveKey(seed, kind string, idx int) (*key, error) {
	for ctr := uint32(0); ctr < 1000; ctr++ {
		var b [8]byte
		binary.BigEndian.PutUint32(b[:4], uint32(idx))
		binary.BigEndian.PutUint32(b[4:], ctr)
		d := crypto.Keccak256([]byte("lianjian fiscochain TEST key"), []byte(seed), []byte(kind), b[:])
		k, err := s.keyFromBytes(d)
		if err != nil || k.id[0] == 0 || (s.gm && (len(k.sm2.X.Bytes()) != 32 || len(k.sm2.Y.Bytes()) != 32)) {
			continue
		}
		return k, nil
	}
	return nil, fmt.Errorf("derive %s key %d: no valid key", kind, idx)
}

func (s suite) keyFromBytes(d []byte) (*key, error) {
	if s.gm {
		p, err := smcrypto.ToSM2(d)
		if err != nil {
			return nil, err
		}
		id := smcrypto.SM2PubBytes(&p.PublicKey)
		addr := smcrypto.PubkeyToAddress(p.PublicKey)
		return &key{sm2: p, id: id, addr: addr.Bytes()}, nil
	}
	p, err := crypto.ToECDSA(d)
	if err != nil {
		return nil, err
	}
	id := crypto.FromECDSAPub(&p.PublicKey)[1:]
	return &key{secp: p, id: id, addr: crypto.PubkeyToAddress(p.PublicKey).Bytes()}, nil
}

// sign signs a 32-byte hash. Non-GM: r‖s‖v with v ∈ {0,1} (65 bytes). GM:
// SM2 over the hash with the default user id, as r‖s (64 bytes), followed
// by the 64-byte public key when withPub is set (the 128-byte form FISCO
// uses for transaction signatures).
func (s suite) sign(k *key, h []byte, withPub bool) ([]byte, error) {
	if !s.gm {
		return crypto.Sign(h, k.secp)
	}
	r, ss, err := smcrypto.SM2Sign(h, k.sm2)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64, 128)
	r.FillBytes(out[:32])
	ss.FillBytes(out[32:64])
	if withPub {
		out = append(out, k.id...)
	}
	return out, nil
}

// be32 and be64 are big-endian encodings used by FISCO 3.x hashing.
func be32(v int32) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(v))
	return b[:]
}

func be64(v int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	return b[:]
}

// bigHash turns a hash into a positive big integer (for 2.x nonces).
func bigHash(h []byte) *big.Int { return new(big.Int).SetBytes(h[1:]) }
