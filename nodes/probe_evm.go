package nodes

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Probe inputs sent to EVM nodes.
const (
	probeOrigin = "https://lianjian-probe.invalid"
	probeHost   = "lianjian-probe.invalid"
	// probeMessage is what eth_sign is asked to sign ("lianjian probe"):
	// a fixed text, never a transaction.
	probeMessage = "0x6c69616e6a69616e2070726f6265"
)

// rpcReply is a JSON-RPC response with its transport details.
type rpcReply struct {
	status int
	header http.Header
	body   []byte
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (r *probeRun) httpClient() *http.Client {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	if r.t.Node.TLSCA != "" {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(r.t.Node.TLSCA))
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr, Timeout: r.p.cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// rpc calls method on the node's endpoint with extra headers and records
// the exchange as evidence of check.
func (r *probeRun) rpc(ctx context.Context, c *http.Client, check, method string, params []any, hdr map[string]string) (*rpcReply, error) {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	ctx, cancel := context.WithTimeout(ctx, r.p.cfg.Timeout)
	defer cancel()
	ev := Evidence{Check: check, Target: r.t.Node.Endpoint, Request: string(body)}
	for k, v := range hdr {
		ev.Request = k + ": " + v + "\n" + ev.Request
	}
	start := time.Now()
	rep, err := func() (*rpcReply, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.t.Node.Endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		rep := &rpcReply{status: resp.StatusCode, header: resp.Header, body: b}
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(b, rep); err != nil {
				return rep, fmt.Errorf("decode reply: %w", err)
			}
		}
		return rep, nil
	}()
	ev.Millis = time.Since(start).Milliseconds()
	if rep != nil {
		ev.Response = fmt.Sprintf("HTTP %d", rep.status)
		if v := rep.header.Get("Access-Control-Allow-Origin"); v != "" {
			ev.Response += "\nAccess-Control-Allow-Origin: " + v
		}
		ev.Response += "\n" + string(rep.body)
	}
	if err != nil {
		ev.Error = err.Error()
	}
	ev.OK = err == nil && rep != nil && rep.status == http.StatusOK && rep.Error == nil
	r.evidence(ev)
	return rep, err
}

// evm runs the EVM checks: liveness and lag, client version, RPC modules,
// accounts, CORS and virtual hosts.
func (r *probeRun) evm(ctx context.Context) {
	c := r.httpClient()
	rep, err := r.rpc(ctx, c, "liveness", "eth_blockNumber", nil, nil)
	if err != nil || rep.status != http.StatusOK || rep.Error != nil {
		msg := "no JSON-RPC answer"
		if err != nil {
			msg = err.Error()
		} else if rep.Error != nil {
			msg = rep.Error.Message
		} else {
			msg = fmt.Sprintf("HTTP %d", rep.status)
		}
		r.finding(RuleUnreachable, "", "EVM RPC endpoint does not answer eth_blockNumber: "+msg, map[string]string{"error": msg})
		return
	}
	r.res.Reachable = true
	var hexHead string
	if json.Unmarshal(rep.Result, &hexHead) == nil {
		if h, err := strconv.ParseUint(strings.TrimPrefix(hexHead, "0x"), 16, 64); err == nil {
			r.res.Head = h
			r.lag(ctx)
		}
	}
	if rep, err := r.rpc(ctx, c, "version", "web3_clientVersion", nil, nil); err == nil && rep.Error == nil {
		_ = json.Unmarshal(rep.Result, &r.res.Version)
	}
	r.modules(ctx, c)
	r.accounts(ctx, c)
	r.cors(ctx, c)
	r.vhosts(ctx, c)
}

func (r *probeRun) lag(ctx context.Context) {
	if r.p.heads == nil {
		return
	}
	cp, err := r.p.heads.Checkpoint(ctx, r.t.Node.Chain)
	if err != nil {
		return // nothing ingested yet: no lag to judge
	}
	r.res.Ingested = cp.Height
	if cp.Height > r.res.Head && cp.Height-r.res.Head > r.p.cfg.MaxLag {
		r.finding(RuleLag, "", fmt.Sprintf("node head %d is %d blocks behind the ingested height %d", r.res.Head, cp.Height-r.res.Head, cp.Height),
			map[string]string{"head": strconv.FormatUint(r.res.Head, 10), "ingested": strconv.FormatUint(cp.Height, 10),
				"lag": strconv.FormatUint(cp.Height-r.res.Head, 10)})
	}
}

func (r *probeRun) modules(ctx context.Context, c *http.Client) {
	rep, err := r.rpc(ctx, c, "rpc-modules", "rpc_modules", nil, nil)
	if err != nil || rep.Error != nil {
		return
	}
	var mods map[string]string
	if json.Unmarshal(rep.Result, &mods) != nil {
		return
	}
	var names []string
	for m := range mods {
		names = append(names, m)
	}
	slices.Sort(names)
	all := strings.Join(names, ",")
	pick := func(want ...string) []string {
		var out []string
		for _, w := range want {
			if _, ok := mods[w]; ok {
				out = append(out, w)
			}
		}
		return out
	}
	if got := pick("admin", "personal"); len(got) > 0 {
		r.finding(RuleEVMAdminAPI, "", "HTTP RPC exposes "+strings.Join(got, ", "), map[string]string{"modules": all, "exposed": strings.Join(got, ",")})
	}
	if got := pick("debug", "miner"); len(got) > 0 {
		r.finding(RuleEVMDebugAPI, "", "HTTP RPC exposes "+strings.Join(got, ", "), map[string]string{"modules": all, "exposed": strings.Join(got, ",")})
	}
	if got := pick("txpool"); len(got) > 0 {
		r.finding(RuleEVMTxpoolAPI, "", "HTTP RPC exposes txpool", map[string]string{"modules": all})
	}
}

func (r *probeRun) accounts(ctx context.Context, c *http.Client) {
	rep, err := r.rpc(ctx, c, "accounts", "eth_accounts", nil, nil)
	if err != nil || rep.Error != nil {
		return
	}
	var accts []string
	if json.Unmarshal(rep.Result, &accts) != nil || len(accts) == 0 {
		return
	}
	ev := map[string]string{"accounts": strings.Join(accts, ",")}
	sig, err := r.rpc(ctx, c, "accounts-unlocked", "eth_sign", []any{accts[0], probeMessage}, nil)
	if err == nil && sig.Error == nil && len(sig.Result) > 2 {
		ev["signedBy"] = accts[0]
		r.finding(RuleEVMUnlocked, "", fmt.Sprintf("account %s is unlocked: eth_sign signed the probe message", accts[0]), ev)
		return
	}
	r.finding(RuleEVMAccounts, "", fmt.Sprintf("node holds %d account(s); eth_sign refused", len(accts)), ev)
}

func (r *probeRun) cors(ctx context.Context, c *http.Client) {
	rep, err := r.rpc(ctx, c, "cors", "rpc_modules", nil, map[string]string{"Origin": probeOrigin})
	if err != nil || rep == nil {
		return
	}
	acao := rep.header.Get("Access-Control-Allow-Origin")
	if acao == "*" || acao == probeOrigin {
		r.finding(RuleEVMCORS, "", "RPC answers a foreign origin with Access-Control-Allow-Origin: "+acao,
			map[string]string{"origin": probeOrigin, "allowOrigin": acao})
	}
}

func (r *probeRun) vhosts(ctx context.Context, c *http.Client) {
	// geth answers 403 "invalid host specified" before any method runs;
	// any JSON-RPC reply means the request was served.
	rep, err := r.rpc(ctx, c, "vhosts", "rpc_modules", nil, map[string]string{"Host": probeHost})
	if err == nil && rep.status == http.StatusOK {
		r.finding(RuleEVMVhosts, "", "RPC serves requests for the foreign host "+probeHost,
			map[string]string{"host": probeHost})
	}
}
