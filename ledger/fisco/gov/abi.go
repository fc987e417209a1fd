package gov

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// This file holds a small, strict Solidity ABI decoder for the handful of
// argument types the system contracts use. go-ethereum's accounts/abi is
// kept to the EVM packages by the project's import rules; the tests encode
// with it, so the two implementations check each other.

type kind uint8

const (
	kindAddress kind = iota
	kindBool
	kindUint   // bits in abiType.size
	kindInt    // bits in abiType.size
	kindFixed  // bytesN, N in abiType.size
	kindString // dynamic
	kindBytes  // dynamic
)

type abiType struct {
	kind kind
	size int
}

func (t abiType) dynamic() bool { return t.kind == kindString || t.kind == kindBytes }

// parseType maps a type name from a FISCO signature to its ABI type.
// "std::string", which FISCO hashes verbatim in rotateWorkingSealer, is
// encoded like bytes (its values are binary VRF data).
func parseType(s string) (abiType, error) {
	switch s {
	case "address":
		return abiType{kind: kindAddress}, nil
	case "bool":
		return abiType{kind: kindBool}, nil
	case "string":
		return abiType{kind: kindString}, nil
	case "bytes", "std::string":
		return abiType{kind: kindBytes}, nil
	}
	for _, p := range []struct {
		prefix string
		kind   kind
	}{{"uint", kindUint}, {"int", kindInt}, {"bytes", kindFixed}} {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok {
			n, err := strconv.Atoi(rest)
			if err != nil {
				break
			}
			if p.kind == kindFixed && n >= 1 && n <= 32 ||
				p.kind != kindFixed && n >= 8 && n <= 256 && n%8 == 0 {
				return abiType{kind: p.kind, size: n}, nil
			}
		}
	}
	return abiType{}, fmt.Errorf("unsupported ABI type %q", s)
}

// value is one decoded argument.
type value struct {
	typ   abiType
	num   *big.Int // uint, int
	bytes []byte   // address (20), fixed, string, bytes
	flag  bool     // bool
}

// text renders v for Call.Args.
func (v value) text() string {
	switch v.typ.kind {
	case kindAddress, kindFixed, kindBytes:
		return "0x" + hex.EncodeToString(v.bytes)
	case kindBool:
		return strconv.FormatBool(v.flag)
	case kindUint, kindInt:
		return v.num.String()
	default:
		return string(v.bytes)
	}
}

// decodeArgs decodes data (the input after the selector) as the ABI tuple
// types. It rejects truncation, offsets outside data and non-canonical
// static words (dirty padding, bools other than 0 and 1, integers that
// overflow their width). Trailing bytes after the arguments are allowed, as
// Solidity and FISCO allow them.
func decodeArgs(types []abiType, data []byte) ([]value, error) {
	if need := 32 * len(types); len(data) < need {
		return nil, fmt.Errorf("%w: %d bytes of arguments, need at least %d", ErrMalformed, len(data), need)
	}
	out := make([]value, len(types))
	for i, t := range types {
		word := data[32*i : 32*i+32]
		var err error
		if t.dynamic() {
			out[i], err = decodeDynamic(t, word, data)
		} else {
			out[i], err = decodeStatic(t, word)
		}
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return out, nil
}

func decodeStatic(t abiType, w []byte) (value, error) {
	v := value{typ: t}
	switch t.kind {
	case kindAddress:
		if !zero(w[:12]) {
			return v, fmt.Errorf("%w: address with non-zero padding %x", ErrMalformed, w)
		}
		v.bytes = append([]byte(nil), w[12:]...)
	case kindBool:
		if !zero(w[:31]) || w[31] > 1 {
			return v, fmt.Errorf("%w: bool word %x", ErrMalformed, w)
		}
		v.flag = w[31] == 1
	case kindUint:
		if !zero(w[:32-t.size/8]) {
			return v, fmt.Errorf("%w: uint%d overflows: %x", ErrMalformed, t.size, w)
		}
		v.num = new(big.Int).SetBytes(w)
	case kindInt:
		n := new(big.Int).SetBytes(w)
		if w[0]&0x80 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), 256))
		}
		if n.BitLen() > t.size-1 && !(n.Sign() < 0 && isMinInt(n, t.size)) {
			return v, fmt.Errorf("%w: int%d overflows: %x", ErrMalformed, t.size, w)
		}
		v.num = n
	case kindFixed:
		if !zero(w[t.size:]) {
			return v, fmt.Errorf("%w: bytes%d with non-zero padding %x", ErrMalformed, t.size, w)
		}
		v.bytes = append([]byte(nil), w[:t.size]...)
	}
	return v, nil
}

// isMinInt reports whether n is -2^(bits-1), the one negative value whose
// bit length equals bits.
func isMinInt(n *big.Int, bits int) bool {
	return new(big.Int).Neg(n).Cmp(new(big.Int).Lsh(big.NewInt(1), uint(bits-1))) == 0
}

func decodeDynamic(t abiType, head, data []byte) (value, error) {
	off, ok := smallUint(head)
	if !ok || len(data) < 32 || off > uint64(len(data))-32 {
		return value{}, fmt.Errorf("%w: offset %x outside %d bytes of arguments", ErrMalformed, head, len(data))
	}
	n, ok := smallUint(data[off : off+32])
	start := off + 32
	if !ok || n > uint64(len(data))-start {
		return value{}, fmt.Errorf("%w: length %x at offset %d exceeds %d bytes of arguments", ErrMalformed, data[off:off+32], off, len(data))
	}
	return value{typ: t, bytes: append([]byte(nil), data[start:start+n]...)}, nil
}

// smallUint reads a 32-byte big-endian word that must fit in 63 bits.
func smallUint(w []byte) (uint64, bool) {
	if !zero(w[:24]) {
		return 0, false
	}
	n := binary.BigEndian.Uint64(w[24:])
	return n, n < 1<<63
}

func zero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
