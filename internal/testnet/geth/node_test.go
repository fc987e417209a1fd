package geth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want error
	}{
		{"dev", Options{Dir: "d", Period: 1}, nil},
		{"private", Options{Dir: "d", Private: true, ChainID: 7}, nil},
		{"private default chain id", Options{Dir: "d", Private: true}, nil},
		{"no dir", Options{Private: true}, ErrBadOptions},
		{"private with period", Options{Dir: "d", Private: true, Period: 1}, ErrBadOptions},
		{"dev with chain id", Options{Dir: "d", ChainID: 7}, ErrBadOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.opts.Validate(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
}

// flagValue returns the value after flag in args, or "" when absent.
func flagValue(args []string, flag string) (string, bool) {
	i := slices.Index(args, flag)
	if i < 0 {
		return "", false
	}
	if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
		return args[i+1], true
	}
	return "", true
}

func TestArgs(t *testing.T) {
	p := ports{http: 1, ws: 2, authRPC: 3}
	dev := Options{Dir: "d", Period: 2}.args("/data", p)
	private := Options{Dir: "d", Private: true}.args("/data", p)
	custom := Options{Dir: "d", Private: true, ChainID: 99, HTTPAPI: "eth", ExtraArgs: []string{"--x"}}.args("/data", p)
	for _, c := range []struct {
		name string
		args []string
		want map[string]string // flag → value ("" for a switch)
		not  []string
	}{
		{"dev", dev, map[string]string{"--dev": "", "--dev.period": "2", "--http.api": "eth,net,web3", "--http.port": "1", "--datadir": "/data"},
			[]string{"--networkid"}},
		{"private", private, map[string]string{"--networkid": "20261", "--nodiscover": "", "--maxpeers": "0",
			"--http.addr": "127.0.0.1", "--http.api": "eth,net,web3", "--ws.port": "2", "--authrpc.port": "3", "--ipcdisable": ""},
			[]string{"--dev", "--dev.period", "--http.corsdomain", "--http.vhosts", "--unlock", "--allow-insecure-unlock"}},
		{"custom", custom, map[string]string{"--networkid": "99", "--http.api": "eth", "--x": ""}, []string{"--dev"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for flag, want := range c.want {
				if got, ok := flagValue(c.args, flag); !ok || got != want {
					t.Errorf("args %v: %s = %q (present %v), want %q", c.args, flag, got, ok, want)
				}
			}
			for _, flag := range c.not {
				if slices.Contains(c.args, flag) {
					t.Errorf("args %v contain %s", c.args, flag)
				}
			}
		})
	}
}

func TestPrivateGenesis(t *testing.T) {
	b, err := privateGenesis(42)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Config     map[string]any `json:"config"`
		Difficulty string         `json:"difficulty"`
		Alloc      map[string]any `json:"alloc"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("genesis is not JSON: %v\n%s", err, b)
	}
	if g.Config["chainId"] != float64(42) || g.Config["terminalTotalDifficulty"] != float64(0) || g.Config["londonBlock"] != float64(0) {
		t.Errorf("genesis config = %v, want chain id 42, merged at genesis, London at 0", g.Config)
	}
	if _, ok := g.Config["clique"]; ok {
		t.Errorf("genesis config has a clique engine: %v", g.Config)
	}
	if g.Difficulty != "0x0" || len(g.Alloc) != 0 {
		t.Errorf("genesis difficulty %s, alloc %v; want 0x0 and no accounts", g.Difficulty, g.Alloc)
	}
}

// TestStartPrivate starts a private node and checks that it holds no
// accounts, serves only the requested modules at its genesis head, and
// refuses foreign hosts and origins.
func TestStartPrivate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n, err := Start(ctx, Options{Dir: t.TempDir(), Private: true, ChainID: 4242})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	var chainID, head, version string
	var accounts []string
	var modules map[string]string
	for _, c := range []struct {
		out    any
		method string
	}{{&chainID, "eth_chainId"}, {&head, "eth_blockNumber"}, {&version, "web3_clientVersion"}, {&accounts, "eth_accounts"}, {&modules, "rpc_modules"}} {
		if err := n.Call(ctx, c.out, c.method); err != nil {
			t.Fatalf("%s = %v", c.method, err)
		}
	}
	if chainID != "0x1092" || head != "0x0" || len(accounts) != 0 {
		t.Errorf("chain id %s, head %s, accounts %v; want 0x1092, 0x0, none", chainID, head, accounts)
	}
	if !strings.HasPrefix(version, "Geth/v"+strings.TrimPrefix(Version, "v")) {
		t.Errorf("web3_clientVersion = %q, want Geth %s", version, Version)
	}
	for m := range modules {
		if !slices.Contains([]string{"eth", "net", "web3", "rpc"}, m) {
			t.Errorf("rpc_modules = %v, has %s", modules, m)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.HTTP, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.invalid")
	req.Host = "evil.invalid"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign host and origin: HTTP %d, Access-Control-Allow-Origin %q; want 403 and none",
			resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}
