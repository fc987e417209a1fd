package fisco

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ItemKind says what one piece of handed-over data is.
type ItemKind int

// Item kinds.
const (
	ItemBlock ItemKind = iota + 1
	ItemTx
	ItemReceipt
	ItemRawTx // signed transaction bytes: TARS (3.x) or RLP (2.x)
)

// Item is one JSON-RPC result (or raw transaction) found in a file.
type Item struct {
	Kind   ItemKind
	JSON   json.RawMessage // the bare result
	Raw    []byte          // ItemRawTx bytes
	Height uint64          // ItemBlock
	Hash   string          // lower-case hex: block, tx or receipt's transaction hash
	Where  string          // file and position, for messages
}

// maxFile bounds one file read into memory.
const maxFile = 256 << 20

// ReadFile returns the items in one file: a JSON-RPC response, a batch of
// them, a bare result, several of these one after another, or hex of a
// raw signed transaction (one per line). Results that are none of
// block, transaction or receipt (getClientVersion, say) are skipped.
func ReadFile(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%w: %s is larger than %d MiB", ErrMalformed, path, maxFile>>20)
	}
	items, err := ParseItems(data, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return items, nil
}

// ParseItems parses the content of one file (see ReadFile).
func ParseItems(data []byte, where string) ([]Item, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrMalformed)
	}
	switch trimmed[0] {
	case '{', '[', '"':
	case 'n', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if json.Valid(trimmed) {
			return nil, nil // a scalar result (a block number, null): nothing to verify
		}
		return parseHexLines(trimmed, where)
	default:
		return parseHexLines(trimmed, where)
	}
	var out []Item
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	for n := 0; ; n++ {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: JSON value %d: %w", ErrMalformed, n, err)
		}
		items, err := classify(v, fmt.Sprintf("%s#%d", where, n))
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// parseHexLines reads raw signed transactions, one hex string a line.
func parseHexLines(data []byte, where string) ([]Item, error) {
	var out []Item
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxFile)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		b, err := hex.DecodeString(trim0x(s))
		if err != nil {
			return nil, fmt.Errorf("%w: line %d is neither JSON nor hex: %w", ErrMalformed, line, err)
		}
		out = append(out, Item{Kind: ItemRawTx, Raw: b, Where: fmt.Sprintf("%s:%d", where, line)})
	}
	return out, sc.Err()
}

// classify sorts one JSON value into items.
func classify(v json.RawMessage, where string) ([]Item, error) {
	v = bytes.TrimSpace(v)
	switch v[0] {
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(v, &arr); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, where, err)
		}
		var out []Item
		for i, e := range arr {
			items, err := classify(e, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
		return out, nil
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, where, err)
		}
		b, err := hex.DecodeString(trim0x(s))
		if err != nil || len(b) <= 32 {
			return nil, nil // a bare hash or another scalar result: nothing to verify
		}
		return []Item{{Kind: ItemRawTx, Raw: b, Where: where}}, nil
	case '{':
	default:
		return nil, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(v, &probe); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, where, err)
	}
	if res, ok := probe["result"]; ok && (probe["jsonrpc"] != nil || probe["id"] != nil) {
		if e := probe["error"]; len(e) > 0 && string(e) != "null" {
			return nil, fmt.Errorf("%w: %s is a JSON-RPC error response: %s", ErrMalformed, where, e)
		}
		if len(bytes.TrimSpace(res)) == 0 || string(res) == "null" {
			return nil, nil
		}
		return classify(res, where)
	}
	// Results that wrap the object with its Merkle proof (2.x *WithProof).
	for _, k := range []string{"transaction", "transactionReceipt"} {
		if inner := bytes.TrimSpace(probe[k]); len(inner) > 0 && inner[0] == '{' {
			return classify(inner, where)
		}
	}
	_, hasNumber := probe["number"]
	_, hasHash := probe["hash"]
	switch {
	case hasNumber && DetectVersion(v) != 0:
		var h struct {
			Number num      `json:"number"`
			Hash   hexBytes `json:"hash"`
		}
		if err := json.Unmarshal(v, &h); err != nil {
			return nil, fmt.Errorf("%w: %s: block: %w", ErrMalformed, where, err)
		}
		return []Item{{Kind: ItemBlock, JSON: v, Height: h.Number.v, Hash: hx(h.Hash.b), Where: where}}, nil
	case probe["transactionHash"] != nil && (probe["status"] != nil || probe["gasUsed"] != nil):
		var h struct {
			TxHash hexBytes `json:"transactionHash"`
		}
		if err := json.Unmarshal(v, &h); err != nil {
			return nil, fmt.Errorf("%w: %s: receipt: %w", ErrMalformed, where, err)
		}
		return []Item{{Kind: ItemReceipt, JSON: v, Hash: hx(h.TxHash.b), Where: where}}, nil
	case hasHash && probe["input"] != nil && probe["nonce"] != nil:
		var h struct {
			Hash hexBytes `json:"hash"`
		}
		if err := json.Unmarshal(v, &h); err != nil {
			return nil, fmt.Errorf("%w: %s: transaction: %w", ErrMalformed, where, err)
		}
		return []Item{{Kind: ItemTx, JSON: v, Hash: hx(h.Hash.b), Where: where}}, nil
	}
	return nil, nil
}

// ListFiles returns the data files at path: the file itself, or every
// file under a directory sorted by name, skipping READMEs, Markdown,
// hidden and temporary files.
func ListFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := strings.ToLower(d.Name())
		if d.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "readme") || strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".tmp") {
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	return files, nil
}
