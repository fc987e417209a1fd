// Package jsonrpc makes single JSON-RPC 2.0 calls over HTTP for the test
// networks (geth, fiscochain): the few lines every runner needs to ask its
// node something, in one place.
package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Call posts one JSON-RPC request to url and decodes its result into out
// (if not nil). A JSON-RPC error becomes an error naming the method, its
// message and code.
func Call(ctx context.Context, url string, out any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		if len(raw) > 200 {
			raw = raw[len(raw)-200:]
		}
		return fmt.Errorf("%s: %w: %s", method, err, raw)
	}
	if r.Error != nil {
		return fmt.Errorf("%s: %s (code %d)", method, r.Error.Message, r.Error.Code)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Result, out)
}
