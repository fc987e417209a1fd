package evm

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// errScan marks input the fast claim scanner does not handle; the caller
// falls back to encoding/json, which names what is wrong.
var errScan = errors.New("claim scan")

// txClaims reads the node's claims about a transaction — its "hash" and
// "from" — from the top level of the transaction's JSON object in one pass
// without allocating, instead of a second full json.Unmarshal of every
// transaction. Input it cannot read plainly goes to encoding/json.
func txClaims(raw []byte) (txMeta, error) {
	var m txMeta
	hash, from, err := topLevelStrings(raw, "hash", "from")
	if err != nil || hash == nil || from == nil {
		err = json.Unmarshal(raw, &m)
		return m, err
	}
	if err := m.Hash.UnmarshalText(hash); err != nil {
		return m, err
	}
	if err := m.From.UnmarshalText(from); err != nil {
		return m, err
	}
	return m, nil
}

// topLevelStrings returns the raw contents of the string values of keys a
// and b at the top level of a JSON object. Escapes in those values, or any
// structure it cannot skip, give errScan.
func topLevelStrings(raw []byte, a, b string) (va, vb []byte, err error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, nil, errScan
	}
	i++
	for {
		i = skipSpace(raw, i)
		if i < len(raw) && raw[i] == '}' {
			return va, vb, nil
		}
		key, next, ok := readString(raw, i)
		if !ok {
			return nil, nil, errScan
		}
		if k := string(key); (k != a && strings.EqualFold(k, a)) || (k != b && strings.EqualFold(k, b)) || bytes.IndexByte(key, '\\') >= 0 {
			// encoding/json matches keys case-insensitively and unescapes
			// them; leave such objects to it.
			return nil, nil, errScan
		}
		i = skipSpace(raw, next)
		if i >= len(raw) || raw[i] != ':' {
			return nil, nil, errScan
		}
		i = skipSpace(raw, i+1)
		if i < len(raw) && raw[i] == '"' && (string(key) == a || string(key) == b) {
			v, next, ok := readString(raw, i)
			if !ok || bytes.IndexByte(v, '\\') >= 0 {
				return nil, nil, errScan
			}
			if string(key) == a {
				va = v
			} else {
				vb = v
			}
			i = next
		} else if i, ok = skipValue(raw, i); !ok {
			return nil, nil, errScan
		}
		i = skipSpace(raw, i)
		switch {
		case i < len(raw) && raw[i] == ',':
			i++
		case i < len(raw) && raw[i] == '}':
			return va, vb, nil
		default:
			return nil, nil, errScan
		}
	}
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// readString reads the string starting at raw[i] (a quote) and returns its
// contents (escapes left as they are) and the index after it.
func readString(raw []byte, i int) ([]byte, int, bool) {
	if i >= len(raw) || raw[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			j++
		case '"':
			return raw[i+1 : j], j + 1, true
		}
	}
	return nil, i, false
}

// skipValue skips the JSON value starting at raw[i]: a string, or a
// nested object or array (strings inside respected), or a literal.
func skipValue(raw []byte, i int) (int, bool) {
	if i >= len(raw) {
		return i, false
	}
	switch raw[i] {
	case '"':
		_, next, ok := readString(raw, i)
		return next, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(raw); j++ {
			switch raw[j] {
			case '"':
				_, next, ok := readString(raw, j)
				if !ok {
					return j, false
				}
				j = next - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return i, false
	}
	j := i
	for j < len(raw) && raw[j] != ',' && raw[j] != '}' && raw[j] != ']' && raw[j] != ' ' && raw[j] != '\n' && raw[j] != '\t' && raw[j] != '\r' {
		j++
	}
	return j, j > i
}
