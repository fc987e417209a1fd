package evm

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/holiman/uint256"
	"golang.org/x/crypto/sha3"
)

// Hash is the hash function a chain's Solidity compiler derives function
// selectors, event topics, error selectors and constant keccak256(...)
// expressions with. Ethereum and most consortium chains use Keccak-256;
// FISCO BCOS national-crypto (GM) chains use SM3, so the selector of
// "set(string)" is the first four bytes of SM3("set(string)"). The zero
// value means Keccak-256.
type Hash string

// Hashes a scan can use.
const (
	HashKeccak256 Hash = "keccak256"
	HashSM3       Hash = "sm3"
)

// ParseHash reads a hash name, case-insensitively: "keccak256" or
// "keccak" (also the empty string), and "sm3" or "gm" for FISCO BCOS
// national-crypto chains.
func ParseHash(name string) (Hash, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "keccak", "keccak256", "keccak-256":
		return HashKeccak256, nil
	case "sm3", "gm":
		return HashSM3, nil
	}
	return "", fmt.Errorf("%w: %q is not keccak256 or sm3", ErrUnknownHash, name)
}

// Validate reports ErrUnknownHash for anything but the zero value,
// HashKeccak256 and HashSM3.
func (h Hash) Validate() error {
	if h != "" && h != HashKeccak256 && h != HashSM3 {
		return fmt.Errorf("%w: %q", ErrUnknownHash, string(h))
	}
	return nil
}

// String returns the hash's name; the zero value is "keccak256".
func (h Hash) String() string {
	if h == "" {
		return string(HashKeccak256)
	}
	return string(h)
}

// Sum returns the 32-byte digest of data. It panics on a hash that fails
// Validate, as crypto.Hash.New does for an unavailable hash.
func (h Hash) Sum(data []byte) []byte {
	switch h {
	case "", HashKeccak256:
		k := sha3.NewLegacyKeccak256()
		k.Write(data)
		return k.Sum(nil)
	case HashSM3:
		d := sm3.Sum(data)
		return d[:]
	}
	panic("evm: unknown hash " + string(h))
}

// Selector returns the 4-byte selector of a text signature such as
// "transfer(address,uint256)": the first four bytes of its digest. Event
// topics are the whole digest, Sum([]byte(signature)).
func (h Hash) Selector(signature string) uint32 {
	return binary.BigEndian.Uint32(h.Sum([]byte(signature))[:4])
}

// known holds the hash-dependent constants the scan matches, derived
// from their text once per hash at init.
type known struct {
	builtin Signatures // well-known function signatures
	panic   uint32     // selector of Panic(uint256), solc 0.8 checked arithmetic
	// slots maps EIP-1967 proxy slots (0x hex, as Value.Const.Hex prints
	// them) to their role: "implementation", "admin" or "beacon".
	slots map[string]string
}

var knowns = map[Hash]*known{HashKeccak256: newKnown(HashKeccak256), HashSM3: newKnown(HashSM3)}

// known returns the constants of h; the zero value is Keccak-256.
func (h Hash) known() *known {
	if h == "" {
		return knowns[HashKeccak256]
	}
	return knowns[h]
}

func newKnown(h Hash) *known {
	k := &known{builtin: make(Signatures, len(builtinSignatures)), panic: h.Selector("Panic(uint256)"), slots: map[string]string{}}
	for _, sig := range builtinSignatures {
		k.builtin[h.Selector(sig)] = sig
	}
	// EIP-1967 fixes each slot as keccak256(label) - 1. OpenZeppelin
	// writes them as literals, which a GM compiler keeps, while a proxy
	// that spells out keccak256(label) - 1 gets the SM3 value on a GM
	// chain: recognise both there.
	hashes := []Hash{HashKeccak256}
	if h != HashKeccak256 {
		hashes = append(hashes, h)
	}
	for _, role := range []string{"implementation", "admin", "beacon"} {
		for _, sh := range hashes {
			var slot uint256.Int
			slot.SetBytes(sh.Sum([]byte("eip1967.proxy." + role)))
			slot.SubUint64(&slot, 1)
			k.slots[slot.Hex()] = role
		}
	}
	return k
}
