package fisco

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// num is a JSON number as FISCO nodes serve them: a JSON integer (3.x), a
// "0x"-prefixed hex string (2.x) or a decimal string.
type num struct {
	v   uint64
	set bool
}

// UnmarshalJSON accepts 12, "12" and "0xc".
func (n *num) UnmarshalJSON(b []byte) error {
	if v, ok := smallDecimal(b); ok {
		*n = num{v: v, set: true}
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*n = num{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		var err error
		if s, err = jsonString(b); err != nil {
			return err
		}
	}
	v, err := parseUint(s)
	if err != nil {
		return err
	}
	*n = num{v: v, set: true}
	return nil
}

// smallDecimal reads a plain JSON integer of at most 19 digits, the common
// case, without allocating.
func smallDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// parseUint reads a decimal or 0x-hex unsigned integer.
func parseUint(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		if len(s) == 2 {
			return 0, nil
		}
		v, err := strconv.ParseUint(s[2:], 16, 64)
		if err != nil {
			return 0, fmt.Errorf("number %q: %w", s, err)
		}
		return v, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// A JSON number that went through a float (1.6e+12) or a signed
		// value: accept exact integers only.
		f, ok := new(big.Float).SetString(s)
		if !ok {
			return 0, fmt.Errorf("number %q: %w", s, err)
		}
		i, acc := f.Uint64()
		if acc != big.Exact {
			return 0, fmt.Errorf("number %q is not an unsigned integer", s)
		}
		return i, nil
	}
	return v, nil
}

// hexBytes is a hex string with or without "0x".
type hexBytes struct {
	b   []byte
	set bool
}

// UnmarshalJSON decodes a hex string. An odd number of digits is padded
// with a leading zero, as nodes print some quantities that way.
func (h *hexBytes) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*h = hexBytes{}
		return nil
	}
	if v, ok := plainHex(b); ok {
		*h = hexBytes{b: v, set: true}
		return nil
	}
	s, err := jsonString(b)
	if err != nil {
		return fmt.Errorf("want a hex string: %w", err)
	}
	v, err := decodeHex(s)
	if err != nil {
		return err
	}
	*h = hexBytes{b: v, set: true}
	return nil
}

// plainHex decodes the common case of a hex string, quoted, without
// escapes and with an even number of valid digits, straight from the JSON
// bytes; ok is false for anything else, which decodeHex then handles (and
// explains).
func plainHex(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	t := b[1 : len(b)-1]
	if len(t) >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		t = t[2:]
	}
	if len(t)%2 == 1 {
		return nil, false
	}
	out := make([]byte, len(t)/2)
	if _, err := hex.Decode(out, t); err != nil {
		return nil, false
	}
	return out, true
}

func decodeHex(s string) ([]byte, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(t)%2 == 1 {
		t = "0" + t
	}
	v, err := hex.DecodeString(t)
	if err != nil {
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return nil, fmt.Errorf("hex %q: %w", s, err)
	}
	return v, nil
}

// strOrNum is a JSON value that may be a string or a number; the text is
// kept as served (3.x gasUsed, value and gas fields).
type strOrNum string

// UnmarshalJSON keeps strings as they are and numbers in their JSON text.
func (s *strOrNum) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		v, err := jsonString(b)
		if err != nil {
			return err
		}
		*s = strOrNum(v)
		return nil
	}
	*s = strOrNum(b)
	return nil
}

// jsonString reads a JSON string. Node output almost never escapes
// anything, so a string without a backslash is taken between its quotes
// directly; others go through encoding/json.
func jsonString(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && bytes.IndexByte(b[1:len(b)-1], '"') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", err
	}
	return s, nil
}
