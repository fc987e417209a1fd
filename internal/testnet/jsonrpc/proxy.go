package jsonrpc

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
)

// Proxy returns a reverse proxy to the JSON-RPC endpoint target that
// hands every result object of each answer, single or batch, to edit and
// serves the object as edit leaves it when edit returns true: a lying
// node, or a man in the middle, for tamper tests.
func Proxy(target *url.URL, edit func(result map[string]any) bool) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Header.Del("Accept-Encoding") // plain bodies to rewrite: geth would gzip its answers
		},
		ModifyResponse: func(r *http.Response) error {
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				return err
			}
			body = rewrite(body, edit)
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
}

// rewrite applies edit to the result objects of a JSON-RPC answer.
func rewrite(body []byte, edit func(result map[string]any) bool) []byte {
	var batch []map[string]json.RawMessage
	single := false
	if json.Unmarshal(body, &batch) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(body, &one) != nil {
			return body
		}
		batch, single = []map[string]json.RawMessage{one}, true
	}
	changed := false
	for _, msg := range batch {
		var res map[string]any
		if json.Unmarshal(msg["result"], &res) != nil || !edit(res) {
			continue
		}
		msg["result"], _ = json.Marshal(res)
		changed = true
	}
	if !changed {
		return body
	}
	if single {
		out, _ := json.Marshal(batch[0])
		return out
	}
	out, _ := json.Marshal(batch)
	return out
}

// BlockAt returns an edit for Proxy that applies edit to every block at
// height at: an EVM or FISCO BCOS block, a result object with a
// parentHash (EVM, FISCO 2.x) or parentInfo (FISCO 3.x) and a number,
// hex (EVM, FISCO 2.x) or decimal (FISCO 3.x).
func BlockAt(at uint64, edit func(b map[string]any)) func(map[string]any) bool {
	return func(b map[string]any) bool {
		if b["parentHash"] == nil && b["parentInfo"] == nil {
			return false
		}
		var n uint64
		switch v := b["number"].(type) {
		case string:
			var err error
			if n, err = strconv.ParseUint(v, 0, 64); err != nil {
				return false
			}
		case float64:
			n = uint64(v)
		default:
			return false
		}
		if n != at {
			return false
		}
		edit(b)
		return true
	}
}
