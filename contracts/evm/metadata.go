package evm

import (
	"fmt"
	"strconv"
	"strings"
)

// Metadata is the CBOR map solc (and vyper) append to runtime bytecode:
// a hash of the metadata JSON and, since solc 0.5.9, the compiler version.
type Metadata struct {
	Raw          []byte            // the CBOR bytes, without the 2-byte length
	Hashes       map[string][]byte // "ipfs", "bzzr0" or "bzzr1" -> digest
	Solc         string            // compiler version, "" when not recorded
	Experimental bool              // compiled with experimental features
}

// Version parses Solc into major, minor and patch numbers.
func (m *Metadata) Version() (major, minor, patch int, ok bool) {
	if m == nil || m.Solc == "" {
		return 0, 0, 0, false
	}
	v, _, _ := strings.Cut(m.Solc, "-")
	v, _, _ = strings.Cut(v, "+")
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, s := range parts {
		x, err := strconv.Atoi(s)
		if err != nil {
			return 0, 0, 0, false
		}
		n[i] = x
	}
	return n[0], n[1], n[2], true
}

// SplitMetadata separates code into its executable part and the compiler
// metadata tail. When no well-formed tail is found the code is returned
// whole with a nil Metadata.
func SplitMetadata(code []byte) ([]byte, *Metadata) {
	if len(code) < 3 {
		return code, nil
	}
	n := int(code[len(code)-2])<<8 | int(code[len(code)-1])
	start := len(code) - 2 - n
	if n < 2 || start < 0 || code[start] < 0xa1 || code[start] > 0xa5 {
		return code, nil
	}
	raw := code[start : len(code)-2]
	md, err := parseMetadata(raw)
	if err != nil {
		return code, nil
	}
	return code[:start], md
}

// parseMetadata decodes the small CBOR subset solc emits: a map from text
// keys to byte strings, text strings or booleans.
func parseMetadata(raw []byte) (*Metadata, error) {
	d := cborReader{b: raw}
	major, count, err := d.head()
	if err != nil {
		return nil, err
	}
	if major != 5 {
		return nil, fmt.Errorf("metadata: major type %d, want map", major)
	}
	md := &Metadata{Raw: raw, Hashes: map[string][]byte{}}
	for range count {
		km, kn, err := d.head()
		if err != nil {
			return nil, err
		}
		if km != 3 {
			return nil, fmt.Errorf("metadata: key of major type %d", km)
		}
		key, err := d.bytes(kn)
		if err != nil {
			return nil, err
		}
		vm, vn, err := d.head()
		if err != nil {
			return nil, err
		}
		switch vm {
		case 2, 3:
			val, err := d.bytes(vn)
			if err != nil {
				return nil, err
			}
			switch {
			case string(key) == "solc" && vm == 2 && len(val) == 3:
				md.Solc = fmt.Sprintf("%d.%d.%d", val[0], val[1], val[2])
			case string(key) == "solc":
				md.Solc = string(val)
			default:
				md.Hashes[string(key)] = val
			}
		case 7:
			md.Experimental = md.Experimental || (string(key) == "experimental" && vn == 21)
		default:
			return nil, fmt.Errorf("metadata: value of major type %d", vm)
		}
	}
	if d.off != len(raw) {
		return nil, fmt.Errorf("metadata: %d trailing bytes", len(raw)-d.off)
	}
	return md, nil
}

type cborReader struct {
	b   []byte
	off int
}

func (r *cborReader) head() (major byte, n int, err error) {
	if r.off >= len(r.b) {
		return 0, 0, fmt.Errorf("metadata: truncated")
	}
	c := r.b[r.off]
	r.off++
	major, info := c>>5, int(c&31)
	switch {
	case info < 24:
		return major, info, nil
	case info == 24 && r.off < len(r.b):
		r.off++
		return major, int(r.b[r.off-1]), nil
	case info == 25 && r.off+1 < len(r.b):
		r.off += 2
		return major, int(r.b[r.off-2])<<8 | int(r.b[r.off-1]), nil
	}
	return 0, 0, fmt.Errorf("metadata: unsupported cbor head 0x%02x", c)
}

func (r *cborReader) bytes(n int) ([]byte, error) {
	if n < 0 || r.off+n > len(r.b) {
		return nil, fmt.Errorf("metadata: truncated string")
	}
	r.off += n
	return r.b[r.off-n : r.off], nil
}
