package nodes

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// fabnetSync commits the blocks of a fabnet channel that an index lacks,
// as Org1's peer stores them.
type fabnetSync struct {
	n    *fabnet.Network
	db   *index.DB
	dec  *fabric.ChannelDecoder
	next uint64
}

func newFabnetSync(t *testing.T, n *fabnet.Network, db *index.DB, chain string) *fabnetSync {
	t.Helper()
	dec, err := fabric.NewChannelDecoder(chain, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return &fabnetSync{n: n, db: db, dec: dec}
}

func (s *fabnetSync) sync(ctx context.Context, t *testing.T) {
	t.Helper()
	h, err := s.n.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for ; s.next < h; s.next++ {
		raw, err := s.n.FetchBlock(ctx, s.next)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.dec.Decode(raw)
		if err != nil {
			t.Fatalf("Decode(%d) = %v", s.next, err)
		}
		if err := s.db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d) = %v", s.next, err)
		}
	}
}

// ingestEVM commits every block of an EVM node up to its head.
func ingestEVM(ctx context.Context, t *testing.T, db *index.DB, chain, url string) uint64 {
	t.Helper()
	c, err := evm.Dial(ctx, evm.Config{Chain: chain, HTTP: url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head, err := c.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := c.Blocks(ctx, 0, head)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%s %d) = %v", chain, b.Height, err)
		}
	}
	return head
}

// TestWellConfigured is the false-positive check: a network configured
// the way the rules ask yields no high or critical finding. It runs one
// full supervision round (probes, ledger-derived health, posture, risk)
// over
//   - a Fabric 2.5.9 network of three Raft orderers and two orgs, with TLS
//     and required client certificates on every gRPC, admin and
//     operations endpoint, every node registered with all its endpoints,
//     its ledger indexed;
//   - a geth that is not in developer mode (no keys, HTTP API
//     eth,net,web3, no CORS, virtual hosts localhost), its chain indexed.
//
// Findings of lower severity are logged; each high or critical one fails
// the test with its rule, message and evidence.
func TestWellConfigured(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real Fabric network and geth")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	begin := time.Now()
	n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir(), Orderers: 3,
		TLS: fabnet.TLSOptions{PeerClientAuth: true, OrdererClientAuth: true, OperationsClientAuth: true}})
	if err != nil {
		t.Fatalf("fabnet.Start = %v", err)
	}
	defer n.Stop()
	if _, err := n.Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	fabUp := time.Since(begin)
	begin = time.Now()
	g, err := geth.Start(ctx, geth.Options{Dir: t.TempDir(), Private: true})
	if err != nil {
		t.Fatalf("geth.Start = %v", err)
	}
	defer g.Stop()
	gethUp := time.Since(begin)

	begin = time.Now()
	db, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fab := ledger.Chain{ID: "live", Kind: ledger.KindFabric, Channel: n.Channel()}
	priv := ledger.Chain{ID: "priv", Kind: ledger.KindEVM}
	for _, c := range []ledger.Chain{fab, priv} {
		if err := db.PutChain(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	newFabnetSync(t, n, db, fab.ID).sync(ctx, t)
	evmHead := ingestEVM(ctx, t, db, priv.ID, g.HTTP)
	ingested := time.Since(begin)

	reg := NewRegistry(db, db)
	register := func(node Node) {
		t.Helper()
		if _, err := reg.Register(ctx, node, "t"); err != nil {
			t.Fatalf("Register(%s) = %v", node.ID, err)
		}
	}
	// The registry holds no client certificates: probes reach every
	// endpoint as an anonymous client, which a well-configured node
	// refuses.
	for _, p := range n.Peers() {
		if p.OperationsClient == nil {
			t.Fatalf("peer %s operations endpoint without client authentication", p.Name)
		}
		register(Node{ID: strings.ToLower(p.Org) + "-peer0", Chain: fab.ID, Org: p.MSPID, Kind: FabricPeer,
			Endpoint: p.Address, Operations: p.Operations, TLSCA: readPEM(t, p.TLSCA), Version: fabnet.V2_5_9})
	}
	orderers := n.Orderers()
	for i, o := range orderers {
		register(Node{ID: fmt.Sprintf("orderer%d", i), Chain: fab.ID, Org: o.MSPID, Kind: FabricOrderer,
			Endpoint: o.Address, Admin: o.Admin, Operations: o.Operations, TLSCA: readPEM(t, o.TLSCA), Version: fabnet.V2_5_9})
	}
	register(Node{ID: "geth0", Chain: priv.ID, Org: "EVMOps", Kind: EVMRPC, Endpoint: g.HTTP})

	sup, err := NewSupervisor(Config{Timeout: 5 * time.Second, Jitter: time.Millisecond}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	begin = time.Now()
	st, err := sup.Round(ctx)
	if err != nil {
		t.Fatalf("Round = %v", err)
	}
	round := time.Since(begin)
	t.Logf("timings: fabric up %s, geth up %s, ingest %s, round %s; round %+v",
		fabUp.Round(time.Millisecond), gethUp.Round(time.Millisecond), ingested.Round(time.Millisecond), round.Round(time.Millisecond), st)
	if want := len(n.Peers()) + len(orderers) + 1; st.Probed != want {
		t.Errorf("Round probed %d nodes, want %d", st.Probed, want)
	}

	fs, _, err := db.Findings(ctx, ledger.FindingFilter{}, ledger.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		line := fmt.Sprintf("%s %s [%s %s] %s; evidence %v", f.Severity, f.Rule, f.Chain, f.Subject.Ref, f.Message, f.Evidence)
		if f.Severity == ledger.High || f.Severity == ledger.Critical {
			t.Errorf("well-configured network raised %s", line)
			continue
		}
		t.Logf("finding: %s", line)
	}
	t.Logf("%d finding(s)", len(fs))

	checkProbes(ctx, t, db, reg, evmHead)
	for _, subject := range []string{SubjectKey(SubjectChain, fab.ID, fab.ID), SubjectKey(SubjectChain, priv.ID, priv.ID)} {
		pts, err := db.RiskTrend(ctx, subject, time.Time{}, 1)
		if err != nil || len(pts) != 1 {
			t.Fatalf("RiskTrend(%s) = %v, %v", subject, pts, err)
		}
		var sc Score
		if err := json.Unmarshal(pts[0].Doc, &sc); err != nil {
			t.Fatal(err)
		}
		t.Logf("risk %s: %s", subject, sc.Explanation)
		if sc.Level == "high" || sc.Level == "critical" {
			t.Errorf("risk %s = %d (%s), want below high", subject, sc.Score, sc.Level)
		}
	}
}

// checkProbes makes sure the round really exercised what it judged:
// every node answered, every Fabric operations and admin endpoint refused
// the anonymous probe at the TLS layer, and geth reported its version and
// a head that matches the ingested one.
func checkProbes(ctx context.Context, t *testing.T, db *index.DB, reg *Registry, evmHead uint64) {
	t.Helper()
	revs, err := reg.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range Active(revs) {
		recs, err := db.Probes(ctx, node.Org, node.ID, 1)
		if err != nil || len(recs) != 1 {
			t.Fatalf("Probes(%s) = %v, %v", node.ID, recs, err)
		}
		var res Result
		if err := json.Unmarshal(recs[0].Doc, &res); err != nil {
			t.Fatal(err)
		}
		ok := map[string]bool{}
		for _, ev := range res.Evidence {
			if ev.OK {
				ok[ev.Check] = true
			}
		}
		t.Logf("probe %s: reachable %v, version %q, head %d, passed checks %v", node.ID, res.Reachable, res.Version, res.Head, slices.Sorted(maps.Keys(ok)))
		want := []string{}
		switch node.Kind {
		case FabricPeer:
			want = []string{"grpc-tls", "operations-mtls"}
		case FabricOrderer:
			want = []string{"grpc-tls", "operations-mtls", "admin-mtls"}
		case EVMRPC:
			want = []string{"liveness", "version", "rpc-modules", "accounts"}
			if res.Head != evmHead || res.Ingested != evmHead || !strings.HasPrefix(res.Version, "Geth/") {
				t.Errorf("probe %s: head %d, ingested %d, version %q; want head %d and a Geth version", node.ID, res.Head, res.Ingested, res.Version, evmHead)
			}
		}
		for _, c := range want {
			if !ok[c] {
				t.Errorf("probe %s: check %s did not pass; evidence %+v", node.ID, c, res.Evidence)
			}
		}
		if !res.Reachable {
			t.Errorf("probe %s: not reachable", node.ID)
		}
	}
}
