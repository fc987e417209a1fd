package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/internal/testnet/jsonrpc"
)

// lyingRPC serves target's JSON-RPC through a proxy that rewrites, with
// edit, every block it serves at height at, as a compromised node or a
// man in the middle would.
func lyingRPC(t *testing.T, target string, at uint64, edit func(b map[string]any)) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(jsonrpc.Proxy(u, jsonrpc.BlockAt(at, edit)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// flipHex changes the hex digit at index i of s (counted from the end
// when negative).
func flipHex(s string, i int) string {
	if i < 0 {
		i += len(s)
	}
	c := byte('1')
	if s[i] == '1' {
		c = '2'
	}
	return s[:i] + string(c) + s[i+1:]
}

// apiFinding is a finding as the API lists it.
type apiFinding struct {
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	Subject  struct {
		Kind   string `json:"kind"`
		Ref    string `json:"ref"`
		Height uint64 `json:"height"`
	} `json:"subject"`
}

// chainFindings lists every finding of chain id through the API.
func chainFindings(t *testing.T, base, id string) []apiFinding {
	t.Helper()
	var out []apiFinding
	cursor := ""
	for {
		var page struct {
			Items []apiFinding `json:"items"`
			Next  string       `json:"next"`
		}
		if err := getJSON(base+"/findings?limit=500&chain="+id+"&cursor="+cursor, &page); err != nil {
			t.Fatalf("GET findings of %s: %v", id, err)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		cursor = page.Next
	}
}

// blockAudit is what the API shows of a block's verification.
type blockAudit struct {
	Verdict struct {
		Status string `json:"status"`
	} `json:"verdict"`
	Audit *struct {
		Status   string   `json:"status"`
		Findings []string `json:"findings"`
	} `json:"audit"`
}

// TestServeTamperOneFinding serves tampered blocks to lianjian, from a
// real geth node and from FISCO BCOS test chains (2.x, and 3.x with
// national crypto) through proxies that alter one block's signature or
// hash, and follows each problem from ingest to the audit through the
// API. Ingest runs alone first (lianjian ingest, then serve --role api
// shows what it filed); then serve ingests on and audits. Ingest and the
// audit run the adapter's same checks on the same bytes, so each problem
// is one finding: the ids ingest filed about the tampered block are
// exactly the ids the block's audit names, nothing else is filed about
// it, and no rule names one subject twice.
//
// A forged block hash makes a second finding, on purpose: the next block
// does not link to the block indexed, so ingest files a BRK-UNLINKED
// break at it (once) and stops there. That finding is about another
// block and another fact (the chain cannot be followed past the forged
// block) and only ingest can see it, as the block that does not link is
// never stored for the audit to re-verify.
func TestServeTamperOneFinding(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real geth node and two FISCO test chains")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node, err := geth.Start(ctx, geth.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Stop()
	if _, err := node.Drive(ctx, geth.TrafficOptions{Bulk: 3}); err != nil {
		t.Fatal(err)
	}
	gm, err := fisconet.Start(ctx, fisconet.Options{Version: 3, GM: true, Interval: 100 * time.Millisecond, Txs: 2, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer gm.Stop()
	v2, err := fisconet.Start(ctx, fisconet.Options{Version: 2, Interval: 100 * time.Millisecond, Txs: 2, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Stop()

	// The EVM block to tamper with is the first that holds a
	// transaction; the FISCO chains have transactions in every block.
	var evmAt uint64
	for h := uint64(1); evmAt == 0; h++ {
		var b struct {
			Transactions []json.RawMessage `json:"transactions"`
		}
		if err := node.Call(ctx, &b, "eth_getBlockByNumber", fmt.Sprintf("0x%x", h), false); err != nil || h > 50 {
			t.Fatalf("no geth block with a transaction up to %d: %v", h, err)
		}
		if len(b.Transactions) > 0 {
			evmAt = h
		}
	}
	const fiscoAt = 3
	for _, c := range []*fisconet.Chain{gm, v2} {
		waitFor(t, "the FISCO test chain to pass block "+strconv.Itoa(fiscoAt+2), time.Minute, func() bool {
			var n json.RawMessage
			params := []any{c.Group, ""}
			if _, two := c.Group.(int); two {
				params = []any{c.Group}
			}
			if c.Call(ctx, &n, "getBlockNumber", params...) != nil {
				return false
			}
			h, _ := strconv.ParseUint(strings.Trim(string(n), `"`), 0, 64)
			return h >= fiscoAt+2
		})
	}

	hash := func(b map[string]any) { b["hash"] = flipHex(b["hash"].(string), -1) }
	evmSig := func(b map[string]any) {
		tx := b["transactions"].([]any)[0].(map[string]any)
		tx["s"] = flipHex(tx["s"].(string), -1)
	}
	fiscoSig := func(b map[string]any) {
		s := b["signatureList"].([]any)[0].(map[string]any)
		s["signature"] = flipHex(s["signature"].(string), 10)
	}
	cases := []struct {
		id, yaml, target string
		at               uint64
		edit             func(b map[string]any)
		// hashed is true when the block's hash was altered: the next
		// block does not link to the block stored, so ingest stops at it.
		hashed bool
		want   []string // rules that must be among the findings
	}{
		{"evm-sig", `evm: {http: %q}`, node.HTTP, evmAt, evmSig, false, []string{"EVM-TX-HASH", "EVM-SENDER", "EVM-TX-ROOT"}},
		{"evm-hash", `evm: {http: %q}`, node.HTTP, evmAt, hash, true, []string{"EVM-HEADER-HASH"}},
		{"gm3-sig", `kind: fisco, crypto: gm, fisco: {rpc: %q, group: group0}`, gm.URL, fiscoAt, fiscoSig, false, []string{"FISCO-SEALER-SIGNATURE"}},
		{"gm3-hash", `kind: fisco, crypto: gm, fisco: {rpc: %q, group: group0}`, gm.URL, fiscoAt, hash, true, []string{"FISCO-HEADER-HASH"}},
		{"v2-sig", `kind: fisco, fisco: {rpc: %q, group: "1", version: 2}`, v2.URL, fiscoAt, fiscoSig, false, []string{"FISCO-SEALER-SIGNATURE"}},
		{"v2-hash", `kind: fisco, fisco: {rpc: %q, group: "1", version: 2}`, v2.URL, fiscoAt, hash, true, []string{"FISCO-HEADER-HASH"}},
	}
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	var chains strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&chains, "  - {id: %s, %s, ingest: {poll_interval: 200ms}}\n", c.id, fmt.Sprintf(c.yaml, lyingRPC(t, c.target, c.at, c.edit)))
	}
	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\napi: {listen: \"127.0.0.1:%d\"}\nchains:\n%s",
		filepath.Join(t.TempDir(), "data"), port, chains.String()))
	apiToken = createToken(t, cfg)
	defer func() { apiToken = "" }()
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1", port)
	// Ingest alone: up to the tampered block when its hash lies (the
	// next one cannot link to it), two blocks past it otherwise.
	for _, c := range cases {
		to := c.at + 2
		if c.hashed {
			to = c.at
		}
		if _, stderr, err := runCmd(t, "ingest", "--config", cfg, "--chain", c.id, "--to", strconv.FormatUint(to, 10), "--progress", "never"); err != nil {
			t.Fatalf("ingest %s --to %d: %v\n%s", c.id, to, err, stderr)
		}
	}
	apiOnly := startLianjian(t, "serve", "--config", cfg, "--role", "api")
	ingested := map[string][]apiFinding{}
	waitFor(t, "serve --role api", 30*time.Second, func() bool { return getJSON(base+"/chains", new(any)) == nil })
	for _, c := range cases {
		for _, f := range chainFindings(t, base, c.id) {
			if f.Subject.Height == c.at {
				ingested[c.id] = append(ingested[c.id], f)
			}
		}
		var b blockAudit
		if err := getJSON(fmt.Sprintf("%s/chains/%s/blocks/%d", base, c.id, c.at), &b); err != nil || b.Audit != nil || b.Verdict.Status != "failed" {
			t.Errorf("%s block %d after ingest alone: verdict %q, audit %+v, %v; want failed, not audited", c.id, c.at, b.Verdict.Status, b.Audit, err)
		}
	}
	apiOnly.Process.Signal(syscall.SIGTERM)
	apiOnly.Wait()

	serve := startLianjian(t, "serve", "--config", cfg)
	defer func() { serve.Process.Kill(); serve.Wait() }()
	waitFor(t, "serve", 30*time.Second, func() bool { return getJSON(base+"/chains", new(any)) == nil })
	for _, c := range cases {
		waitFor(t, c.id+" audited past the tampered block", time.Minute, func() bool {
			var v chainView
			return getJSON(base+"/chains/"+c.id, &v) == nil && v.AuditHeight != nil && *v.AuditHeight >= c.at
		})
		if c.hashed {
			waitFor(t, c.id+" ingest to file the block that does not link", 30*time.Second, func() bool {
				var page struct {
					Items []apiFinding `json:"items"`
				}
				return getJSON(base+"/findings?rule=BRK-UNLINKED&chain="+c.id, &page) == nil && len(page.Items) > 0
			})
		}
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			var b blockAudit
			if err := getJSON(fmt.Sprintf("%s/chains/%s/blocks/%d", base, c.id, c.at), &b); err != nil || b.Audit == nil || b.Audit.Status != "failed" {
				t.Fatalf("block %d: audit %+v, %v; want failed", c.at, b.Audit, err)
			}
			// (a) the findings are there, filed by ingest.
			var rules, ids []string
			for _, f := range ingested[c.id] {
				rules, ids = append(rules, f.Rule), append(ids, f.ID)
			}
			t.Logf("block %d: ingest and audit filed %v", c.at, rules)
			for _, r := range c.want {
				if !slices.Contains(rules, r) {
					t.Errorf("ingest filed %v about block %d, want %s among them", rules, c.at, r)
				}
			}
			// (b) the audit raised the same findings: the same ids.
			slices.Sort(ids)
			audited := slices.Sorted(slices.Values(b.Audit.Findings))
			if !slices.Equal(ids, audited) {
				t.Errorf("block %d: ingest filed findings %v (%v), the audit raised %v; want the same ids", c.at, ids, rules, audited)
			}
			all := chainFindings(t, base, c.id)
			seen := map[string]string{}
			var about []string
			breaks := 0
			for _, f := range all {
				key := f.Rule + " " + f.Subject.Kind + " " + f.Subject.Ref
				if id, dup := seen[key]; dup {
					t.Errorf("%s is filed twice: %s and %s", key, id, f.ID)
				}
				seen[key] = f.ID
				switch {
				case f.Subject.Height == c.at:
					about = append(about, f.ID)
				case c.hashed && f.Rule == "BRK-UNLINKED" && f.Subject.Height == c.at+1:
					breaks++
				case f.Category == "integrity" || f.Category == "crypto":
					t.Errorf("finding outside the tampered block %d: %s %s at %d (%s %s)", c.at, f.Severity, f.Rule, f.Subject.Height, f.Subject.Kind, f.Subject.Ref)
				}
			}
			if slices.Sort(about); !slices.Equal(about, ids) {
				t.Errorf("findings about block %d after the audit = %v, want ingest's %v and no more", c.at, about, ids)
			}
			if want := map[bool]int{true: 1}[c.hashed]; breaks != want {
				t.Errorf("%d BRK-UNLINKED findings at block %d, want %d", breaks, c.at+1, want)
			}
		})
	}
}
