package nodes

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
)

// TestProbeGeth probes a real geth started once with safe flags and once
// with --http.api eth,admin,debug --http.corsdomain '*' --http.vhosts '*',
// and must see the difference.
func TestProbeGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	p, err := NewProber(Config{Timeout: 5 * time.Second, Jitter: time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	chain := ledger.Chain{ID: "dev", Kind: ledger.KindEVM}
	cases := []struct {
		name    string
		opts    geth.Options
		want    []string // rules that must fire
		wantNot []string // rules that must not
	}{
		{"safe", geth.Options{HTTPAPI: "eth,net,web3"}, nil,
			[]string{"NODE-EVM-ADMIN-API", "NODE-EVM-DEBUG-API", "NODE-EVM-CORS", "NODE-EVM-VHOSTS", "NODE-UNREACHABLE"}},
		{"unsafe", geth.Options{HTTPAPI: "eth,admin,debug", ExtraArgs: []string{"--http.corsdomain", "*", "--http.vhosts", "*"}},
			[]string{"NODE-EVM-ADMIN-API", "NODE-EVM-DEBUG-API", "NODE-EVM-CORS", "NODE-EVM-VHOSTS"}, []string{"NODE-UNREACHABLE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Dir = t.TempDir()
			n, err := geth.Start(ctx, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Stop()
			node := Node{ID: "geth-" + c.name, Chain: "dev", Org: "Ops", Kind: EVMRPC, Endpoint: n.HTTP}
			res := p.Probe(ctx, Target{Node: node, Chain: chain})
			got := rulesOf(res.Findings)
			t.Logf("%s: rules %v, version %q, head %d", c.name, slices.Sorted(maps.Keys(got)), res.Version, res.Head)
			if !res.Reachable || res.Head == 0 && res.Version == "" && c.name == "safe" {
				t.Errorf("Probe(%s) reachable=%v version=%q, want reachable (with a version when web3 is on)", c.name, res.Reachable, res.Version)
			}
			for _, r := range c.want {
				if got[r] == 0 {
					t.Errorf("Probe(%s) lacks %s; evidence %+v", c.name, r, res.Evidence)
				}
			}
			for _, r := range c.wantNot {
				if got[r] != 0 {
					t.Errorf("Probe(%s) raised %s", c.name, r)
				}
			}
			if len(res.Evidence) < 5 {
				t.Errorf("Probe(%s) kept %d evidence records, want every exchange", c.name, len(res.Evidence))
			}
		})
	}
}

// TestProbeUnreachable: a dead endpoint is a finding, not a stall.
func TestProbeUnreachable(t *testing.T) {
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProber(Config{Timeout: time.Second, Jitter: time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := []Target{
		{Node: Node{ID: "dead-evm", Chain: "c", Org: "O", Kind: EVMRPC, Endpoint: "http://127.0.0.1:" + itoa(port)}, Chain: ledger.Chain{ID: "c", Kind: ledger.KindEVM}},
		{Node: Node{ID: "dead-fab", Chain: "f", Org: "O", Kind: FabricPeer, Endpoint: "127.0.0.1:" + itoa(port)}, Chain: ledger.Chain{ID: "f", Kind: ledger.KindFabric}},
	}
	start := time.Now()
	res := p.ProbeAll(context.Background(), ts)
	if time.Since(start) > 5*time.Second {
		t.Errorf("ProbeAll of dead nodes took %v", time.Since(start))
	}
	for _, r := range res {
		if r.Reachable || rulesOf(r.Findings)[RuleUnreachable.ID] != 1 {
			t.Errorf("Probe(%s) reachable=%v rules=%v, want NODE-UNREACHABLE", r.Node, r.Reachable, rulesOf(r.Findings))
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
