package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return e.Message }

func errParams(format string, a ...any) error {
	return &rpcError{Code: -32602, Message: fmt.Sprintf(format, a...)}
}

type request struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

type response struct {
	ID      json.RawMessage `json:"id"`
	JSONRPC string          `json:"jsonrpc"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type handler func(p params) (any, error)

// ServeHTTP answers JSON-RPC 2.0 over HTTP POST, single or batch.
func (c *Chain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST JSON-RPC 2.0 only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var reqs []request
		if err := json.Unmarshal(body, &reqs); err != nil {
			json.NewEncoder(w).Encode(response{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &rpcError{-32700, "JSON_PARSE_ERROR"}})
			return
		}
		out := make([]response, len(reqs))
		for i := range reqs {
			out[i] = c.call(&reqs[i])
		}
		json.NewEncoder(w).Encode(out)
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		json.NewEncoder(w).Encode(response{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &rpcError{-32700, "JSON_PARSE_ERROR"}})
		return
	}
	json.NewEncoder(w).Encode(c.call(&req))
}

func (c *Chain) call(req *request) response {
	resp := response{ID: req.ID, JSONRPC: "2.0"}
	if resp.ID == nil {
		resp.ID = json.RawMessage("null")
	}
	methods := c.methods2()
	if c.cfg.V3 {
		methods = c.methods3()
	}
	methods["fiscochain_nodes"] = c.nodeInfo
	h, ok := methods[req.Method]
	if !ok {
		resp.Error = &rpcError{-32601, "Method not found"}
		return resp
	}
	res, err := h(params(req.Params))
	if err != nil {
		re, ok := err.(*rpcError)
		if !ok {
			re = &rpcError{-32603, err.Error()}
		}
		resp.Error = re
		return resp
	}
	if res == nil {
		res = json.RawMessage("null")
	}
	resp.Result = res
	return resp
}

// params are positional JSON-RPC parameters.
type params []json.RawMessage

func (p params) str(i int) (string, error) {
	if i >= len(p) {
		return "", errParams("missing parameter %d", i)
	}
	var s string
	if err := json.Unmarshal(p[i], &s); err != nil {
		return "", errParams("parameter %d: want a string", i)
	}
	return s, nil
}

func (p params) boolean(i int, def bool) bool {
	var b bool
	if i >= len(p) || json.Unmarshal(p[i], &b) != nil {
		return def
	}
	return b
}

// number reads a block number given as a JSON number, a decimal string or
// a 0x-prefixed hex string.
func (p params) number(i int) (int64, error) {
	if i >= len(p) {
		return 0, errParams("missing block number")
	}
	var n int64
	if json.Unmarshal(p[i], &n) == nil {
		return n, nil
	}
	s, err := p.str(i)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err = strconv.ParseInt(s[2:], 16, 64)
	} else {
		n, err = strconv.ParseInt(s, 10, 64)
	}
	if err != nil {
		return 0, errParams("bad block number %q", s)
	}
	return n, nil
}

func (p params) hash(i int) ([]byte, error) {
	s, err := p.str(i)
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil || len(b) != 32 {
		return nil, errParams("bad hash %q", s)
	}
	return b, nil
}

// block returns block n or an error a node would give.
func (c *Chain) block(n int64) (*Block, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n < 0 || n >= int64(len(c.blocks)) {
		return nil, &rpcError{Code: -32602, Message: fmt.Sprintf("block %d does not exist", n)}
	}
	return c.blocks[n], nil
}

func (c *Chain) blockByHash(h []byte) (*Block, error) {
	c.mu.RLock()
	n, ok := c.byHash[string(h)]
	c.mu.RUnlock()
	if !ok {
		return nil, nil
	}
	return c.block(n)
}

// tx finds a transaction by hash.
func (c *Chain) tx(h []byte) (*Block, int, bool) {
	c.mu.RLock()
	loc, ok := c.txs[string(h)]
	var b *Block
	if ok {
		b = c.blocks[loc[0]]
	}
	c.mu.RUnlock()
	return b, int(loc[1]), ok
}

// nodeInfo (fiscochain_nodes, not a FISCO method) lists the TEST node
// ids by key index with their current role, so tests can check sealer
// lists and signatures.
func (c *Chain) nodeInfo(params) (any, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	type node struct {
		Index  int    `json:"index"`
		NodeID string `json:"nodeID"`
		Role   string `json:"role"`
		Weight int64  `json:"weight,omitempty"`
	}
	out := []node{}
	for i, k := range c.nodes {
		n := node{Index: i, NodeID: hex.EncodeToString(k.id), Role: "none"}
		for _, m := range c.sealers {
			if m.node == i {
				n.Role, n.Weight = "sealer", m.weight
			}
		}
		for _, o := range c.observers {
			if o == i {
				n.Role = "observer"
			}
		}
		out = append(out, n)
	}
	return map[string]any{"gm": c.cfg.GM, "nodes": out, "testKeys": "TEST KEYS: derived from the seed; they protect nothing"}, nil
}

func hexp(b []byte) string { return "0x" + hex.EncodeToString(b) }
