package audit

import "fmt"

// parseDERSignature splits a DER ECDSA or SM2 signature, SEQUENCE {r
// INTEGER, s INTEGER}, into the big-endian magnitudes of r and s. It is
// strict: definite minimal lengths, minimal positive integers, no trailing
// bytes. Fabric's own verifiers go through encoding/asn1, which accepts
// the same set of encodings.
func parseDERSignature(sig []byte) (r, s []byte, err error) {
	body, rest, err := derElement(sig, 0x30)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: sequence: %w", ErrSignatureEncoding, err)
	}
	if len(rest) != 0 {
		return nil, nil, fmt.Errorf("%w: %d trailing bytes", ErrSignatureEncoding, len(rest))
	}
	if r, body, err = derInteger(body); err != nil {
		return nil, nil, fmt.Errorf("%w: r: %w", ErrSignatureEncoding, err)
	}
	if s, body, err = derInteger(body); err != nil {
		return nil, nil, fmt.Errorf("%w: s: %w", ErrSignatureEncoding, err)
	}
	if len(body) != 0 {
		return nil, nil, fmt.Errorf("%w: %d bytes after s", ErrSignatureEncoding, len(body))
	}
	return r, s, nil
}

// derInteger reads a positive, minimally encoded INTEGER and returns its
// magnitude without the sign byte.
func derInteger(b []byte) (v, rest []byte, err error) {
	v, rest, err = derElement(b, 0x02)
	switch {
	case err != nil:
		return nil, nil, err
	case len(v) == 0:
		return nil, nil, fmt.Errorf("empty integer")
	case v[0]&0x80 != 0:
		return nil, nil, fmt.Errorf("negative integer")
	case len(v) > 1 && v[0] == 0 && v[1]&0x80 == 0:
		return nil, nil, fmt.Errorf("integer not minimal")
	}
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	if len(v) == 1 && v[0] == 0 {
		return nil, nil, fmt.Errorf("zero integer")
	}
	return v, rest, nil
}

// derElement reads one element with the given tag and a definite,
// minimally encoded length of at most two length bytes.
func derElement(b []byte, tag byte) (content, rest []byte, err error) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, fmt.Errorf("want tag %#x", tag)
	}
	n, hdr := int(b[1]), 2
	switch {
	case n < 0x80:
	case n == 0x81:
		if len(b) < 3 || b[2] < 0x80 {
			return nil, nil, fmt.Errorf("length not minimal")
		}
		n, hdr = int(b[2]), 3
	case n == 0x82:
		if len(b) < 4 || b[2] == 0 {
			return nil, nil, fmt.Errorf("length not minimal")
		}
		n, hdr = int(b[2])<<8|int(b[3]), 4
		if n < 0x100 {
			return nil, nil, fmt.Errorf("length not minimal")
		}
	default:
		return nil, nil, fmt.Errorf("unsupported length form %#x", n)
	}
	if len(b)-hdr < n {
		return nil, nil, fmt.Errorf("truncated: %d of %d bytes", len(b)-hdr, n)
	}
	return b[hdr : hdr+n], b[hdr+n:], nil
}
