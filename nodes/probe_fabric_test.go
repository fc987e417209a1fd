package nodes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/ledger"
)

// TestProbeFabnet probes the peers and the orderer of a real Fabric
// network brought up with TLS off, TLS on without client authentication
// and TLS with client authentication required, and must tell them apart.
func TestProbeFabnet(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts real Fabric networks")
	}
	cases := []struct {
		name    string
		tls     fabnet.TLSOptions
		want    []string
		wantNot []string
	}{
		{"tls-off", fabnet.TLSOptions{Disabled: true}, []string{"NODE-FAB-PLAINTEXT"},
			[]string{"NODE-FAB-NO-CLIENT-AUTH", "NODE-UNREACHABLE", "NODE-TLS-SAN", "NODE-TLS-UNTRUSTED"}},
		{"tls-no-client-auth", fabnet.TLSOptions{}, []string{"NODE-FAB-NO-CLIENT-AUTH"},
			[]string{"NODE-FAB-PLAINTEXT", "NODE-UNREACHABLE", "NODE-TLS-SAN", "NODE-TLS-UNTRUSTED", "NODE-TLS-EXPIRED"}},
		{"tls-client-auth", fabnet.TLSOptions{PeerClientAuth: true, OrdererClientAuth: true}, nil,
			[]string{"NODE-FAB-PLAINTEXT", "NODE-FAB-NO-CLIENT-AUTH", "NODE-UNREACHABLE", "NODE-TLS-SAN", "NODE-TLS-UNTRUSTED", "NODE-TLS-EXPIRED"}},
	}
	p, err := NewProber(Config{Timeout: 5 * time.Second, Jitter: time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	chain := ledger.Chain{ID: "fab", Kind: ledger.KindFabric, Channel: fabnet.DefaultChannel}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir(), TLS: c.tls})
			if err != nil {
				t.Fatalf("fabnet.Start = %v", err)
			}
			defer n.Stop()
			var ts []Target
			for _, pi := range n.Peers() {
				node := Node{ID: strings.ToLower(pi.Org) + "-peer0", Chain: "fab", Org: pi.MSPID, Kind: FabricPeer,
					Endpoint: pi.Address, Operations: pi.Operations, TLSCA: readPEM(t, pi.TLSCA), Version: "2.5.9"}
				ts = append(ts, Target{Node: node, Chain: chain})
			}
			o := n.Orderer()
			ts = append(ts, Target{Node: Node{ID: "orderer0", Chain: "fab", Org: "OrdererMSP", Kind: FabricOrderer,
				Endpoint: o.Address, TLSCA: readPEM(t, o.TLSCA)}, Chain: chain})
			for _, res := range p.ProbeAll(ctx, ts) {
				got := rulesOf(res.Findings)
				t.Logf("%s %s: rules %v, version %q", c.name, res.Node, slices.Sorted(maps.Keys(got)), res.Version)
				if !res.Reachable {
					t.Errorf("Probe(%s) not reachable: %+v", res.Node, res.Evidence)
				}
				for _, r := range c.want {
					if got[r] == 0 {
						t.Errorf("Probe(%s/%s) lacks %s; evidence %+v", c.name, res.Node, r, res.Evidence)
					}
				}
				for _, r := range c.wantNot {
					if got[r] != 0 {
						t.Errorf("Probe(%s/%s) raised %s", c.name, res.Node, r)
					}
				}
				if res.Kind == FabricPeer {
					// The harness serves operations over plain HTTP, open to all.
					if got["NODE-FAB-OPS-PLAINTEXT"] == 0 || got["NODE-FAB-OPS-OPEN"] == 0 || res.Version == "" {
						t.Errorf("Probe(%s) operations: rules %v version %q, want plaintext, open and a version", res.Node, got, res.Version)
					}
				}
			}
		})
	}
}

func readPEM(t *testing.T, path string) string {
	t.Helper()
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestProbeAdmin probes an HTTPS participation API served with and
// without required client certificates.
func TestProbeAdmin(t *testing.T) {
	for _, c := range []struct {
		name string
		auth tls.ClientAuthType
		open bool
	}{
		{"mtls", tls.RequireAndVerifyClientCert, false},
		{"no-client-auth", tls.NoClientCert, true},
		{"optional", tls.VerifyClientCertIfGiven, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"channels":[]}`))
			}))
			srv.TLS = &tls.Config{ClientAuth: c.auth, ClientCAs: x509.NewCertPool()}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
			srv.StartTLS()
			defer srv.Close()
			addr := strings.TrimPrefix(srv.URL, "https://")
			ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
			p, err := NewProber(Config{Timeout: 2 * time.Second}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			node := Node{ID: "o", Chain: "f", Org: "OrdererMSP", Kind: FabricOrderer, Endpoint: addr, Admin: addr, TLSCA: ca}
			r := &probeRun{p: p, t: Target{Node: node, Chain: ledger.Chain{ID: "f", Kind: ledger.KindFabric}}, res: Result{Time: time.Now()}}
			r.admin(context.Background())
			if got := rulesOf(r.res.Findings)[RuleAdminOpen.ID] == 1; got != c.open {
				t.Errorf("admin(%s) open = %v, want %v; evidence %+v", c.name, got, c.open, r.res.Evidence)
			}
			if len(r.res.Evidence) == 0 {
				t.Errorf("admin(%s) kept no evidence", c.name)
			}
		})
	}
}

// TestProbeTLSCertificate runs the gRPC checks against an HTTP/2 TLS
// server whose certificate does not chain to the registered CA and does
// not name the registered server name, on a GM chain.
func TestProbeTLSCertificate(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "https://")
	other := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: testCA(t, "other", time.Now().AddDate(1, 0, 0))}))
	p, err := NewProber(Config{Timeout: 2 * time.Second}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	node := Node{ID: "p", Chain: "f", Org: "Org1MSP", Kind: FabricPeer, Endpoint: addr, TLSCA: other, ServerName: "peer0.org1.example.com"}
	res := p.Probe(context.Background(), Target{Node: node, Chain: ledger.Chain{ID: "f", Kind: ledger.KindFabric, Crypto: ledger.CryptoGM}})
	got := rulesOf(res.Findings)
	for _, r := range []string{"NODE-FAB-NO-CLIENT-AUTH", "NODE-TLS-UNTRUSTED", "NODE-TLS-SAN", "NODE-TLS-NOT-SM2"} {
		if got[r] != 1 {
			t.Errorf("Probe(httptest TLS) lacks %s: %v; evidence %+v", r, got, res.Evidence)
		}
	}
}

// TestProbeOperations probes an HTTPS operations endpoint that requires
// client certificates (nothing to report) and one that does not.
func TestProbeOperations(t *testing.T) {
	for _, c := range []struct {
		name string
		auth tls.ClientAuthType
		want []string
	}{
		{"mtls", tls.RequireAndVerifyClientCert, nil},
		{"open", tls.NoClientCert, []string{RuleOpsOpen.ID}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/version" {
					_, _ = w.Write([]byte(`{"Version":"2.4.4","CommitSHA":"x"}`))
				}
			}))
			srv.TLS = &tls.Config{ClientAuth: c.auth, ClientCAs: x509.NewCertPool()}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.StartTLS()
			defer srv.Close()
			p, err := NewProber(Config{Timeout: 2 * time.Second}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			node := Node{ID: "p", Chain: "f", Org: "Org1MSP", Kind: FabricPeer, Endpoint: "127.0.0.1:1", Operations: strings.TrimPrefix(srv.URL, "https://")}
			r := &probeRun{p: p, t: Target{Node: node, Chain: ledger.Chain{ID: "f", Kind: ledger.KindFabric}}, res: Result{Time: time.Now()}}
			r.operations(context.Background())
			r.versionChecks()
			got := slices.Sorted(maps.Keys(rulesOf(r.res.Findings)))
			if c.want != nil {
				c.want = append(c.want, RuleAdvisory.ID) // /version answered 2.4.4
				slices.Sort(c.want)
			}
			if !slices.Equal(got, c.want) || !r.res.Reachable {
				t.Errorf("operations(%s) rules = %v reachable %v, want %v; evidence %+v", c.name, got, r.res.Reachable, c.want, r.res.Evidence)
			}
		})
	}
}

// tlsOnlyServer listens on loopback and behaves like a port that speaks
// a TLS variant the prober cannot complete (GM-TLS/TLCP, for one): a
// ClientHello gets bytes that are no TLS record, a plain HTTP request
// gets the 400 Go's HTTPS servers send.
func tlsOnlyServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				first := make([]byte, 1)
				if _, err := io.ReadFull(c, first); err != nil {
					return
				}
				if first[0] == 0x16 { // TLS handshake record
					_, _ = c.Write([]byte("GMTLS?\n"))
					return
				}
				_, _ = c.Write([]byte("HTTP/1.0 400 Bad Request\r\n\r\n" + httpsOnlyAnswer + ".\n"))
			}()
		}
	}()
	return l.Addr().String()
}

// TestProbeOperationsPlain: an operations port that refuses plain HTTP
// because it wants TLS is not "served over plain HTTP", even when the
// prober cannot complete its TLS handshake; a real plain HTTP endpoint is.
func TestProbeOperationsPlain(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	defer plain.Close()
	for _, c := range []struct {
		name, ops string
		want      []string
	}{
		{"tls-only", tlsOnlyServer(t), []string{RuleTLSHandshake.ID}},
		{"plain", strings.TrimPrefix(plain.URL, "http://"), []string{RuleOpsOpen.ID, RuleOpsPlain.ID}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewProber(Config{Timeout: 2 * time.Second}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			node := Node{ID: "p", Chain: "f", Org: "Org1MSP", Kind: FabricPeer, Endpoint: "127.0.0.1:1", Operations: c.ops}
			r := &probeRun{p: p, t: Target{Node: node, Chain: ledger.Chain{ID: "f", Kind: ledger.KindFabric}}, res: Result{Time: time.Now()}}
			r.operations(context.Background())
			got := slices.Sorted(maps.Keys(rulesOf(r.res.Findings)))
			if !slices.Equal(got, c.want) || !r.res.Reachable {
				t.Errorf("operations(%s) rules = %v reachable %v, want %v; evidence %+v", c.name, got, r.res.Reachable, c.want, r.res.Evidence)
			}
		})
	}
}

// TestSuperviseFabnet runs a whole supervision round against a real
// two-org network with TLS and client authentication on: its ledger
// (fetched from the peer and indexed), its registered nodes, its channel
// config and chaincode definition. Then a config update pushes the batch
// timeout out of range, which must surface as a posture weakening that
// names both config heights.
func TestSuperviseFabnet(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a real Fabric network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir(), TLS: fabnet.TLSOptions{PeerClientAuth: true, OrdererClientAuth: true}})
	if err != nil {
		t.Fatalf("fabnet.Start = %v", err)
	}
	defer n.Stop()
	if _, err := n.Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	db := memIndex(t)
	chain := ledger.Chain{ID: "live", Kind: ledger.KindFabric, Channel: n.Channel()}
	if err := db.PutChain(ctx, chain); err != nil {
		t.Fatal(err)
	}
	ingest := newFabnetSync(t, n, db, "live")
	ingest.sync(ctx, t)
	reg := NewRegistry(db, db)
	for _, pi := range n.Peers() {
		node := Node{ID: strings.ToLower(pi.Org) + "-peer0", Chain: "live", Org: pi.MSPID, Kind: FabricPeer, Endpoint: pi.Address, TLSCA: readPEM(t, pi.TLSCA)}
		if _, err := reg.Register(ctx, node, "t"); err != nil {
			t.Fatal(err)
		}
	}
	o := n.Orderer()
	if _, err := reg.Register(ctx, Node{ID: "orderer0", Chain: "live", Org: "OrdererMSP", Kind: FabricOrderer, Endpoint: o.Address, TLSCA: readPEM(t, o.TLSCA)}, "t"); err != nil {
		t.Fatal(err)
	}
	sup, err := NewSupervisor(Config{Timeout: 5 * time.Second, Jitter: time.Millisecond}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	round := func() map[string]int {
		t.Helper()
		if _, err := sup.Round(ctx); err != nil {
			t.Fatalf("Round = %v", err)
		}
		fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "live"}, ledger.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, f := range fs {
			got[f.Rule]++
		}
		return got
	}
	got := round()
	t.Logf("live network findings: %v", got)
	// One orderer is a real weakness (high); Raft is CFT (low). Nothing
	// else: both orgs registered their nodes, kvcc needs both orgs, the
	// transport is mutually authenticated, the CAs are fresh.
	if !maps.Equal(got, map[string]int{"CONS-NO-FAULT-TOLERANCE": 1, "CONS-CFT-ONLY": 1}) {
		t.Errorf("Round(live network) findings = %v, want only CONS-NO-FAULT-TOLERANCE and CONS-CFT-ONLY", got)
	}
	p, err := BlockParticipation(ctx, db, "live", nil, false, 100)
	if err != nil || len(p.Unsigned) != 0 || len(p.Signers) != 1 || p.Signers[0].Signed != p.Blocks-1 {
		t.Errorf("BlockParticipation(live) = %+v, %v; want one orderer signing every block after genesis", p, err)
	}

	h, err := n.UpdateBatchTimeout(ctx, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ingest.sync(ctx, t)
	got = round()
	if got[RuleWeakened.ID] != 1 || got[RuleBatch.ID] != 1 {
		t.Fatalf("after the batch timeout update findings = %v, want CONS-POSTURE-WEAKENED and CONS-BATCH-RANGE", got)
	}
	fs, _, _ := db.Findings(ctx, ledger.FindingFilter{Chain: "live", Rule: RuleWeakened.ID}, ledger.Page{Limit: 1})
	if ev := fs[0].Evidence; ev["toHeight"] != strconv.FormatUint(h, 10) || ev["fromHeight"] != "0" ||
		ev["diff"] != "/api/v1/chains/live/config/diff?from=0&to="+strconv.FormatUint(h, 10) {
		t.Errorf("weakened evidence = %v, want heights 0 and %d", ev, h)
	}
}
