package fabnet

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// laidOut returns a network with opts laid out on consecutive ports from
// 7000, without starting anything.
func laidOut(t *testing.T, opts Options) *Network {
	t.Helper()
	opts.Dir = t.TempDir()
	if err := opts.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	n := &Network{opts: opts.withDefaults()}
	ports := make([]int, 4*n.opts.Orderers+1+3*len(orgNames))
	for i := range ports {
		ports[i] = 7000 + i
	}
	n.layout(ports)
	return n
}

func TestLayoutPorts(t *testing.T) {
	for _, orderers := range []int{1, 3} {
		n := laidOut(t, Options{Orderers: orderers})
		if len(n.orderers) != orderers || len(n.peers) != len(orgNames) {
			t.Fatalf("layout(%d orderers) = %d orderers, %d peers", orderers, len(n.orderers), len(n.peers))
		}
		seen := map[int]string{}
		claim := func(port int, what string) {
			if prev, ok := seen[port]; ok {
				t.Errorf("layout(%d orderers): port %d used by %s and %s", orderers, port, prev, what)
			}
			seen[port] = what
		}
		for _, o := range n.orderers {
			claim(o.port, o.Name+" listen")
			claim(o.clusterPort, o.Name+" cluster")
			claim(o.adminPort, o.Name+" admin")
			claim(o.opsPort, o.Name+" operations")
		}
		for _, p := range n.peers {
			claim(p.port, p.Org+" listen")
			claim(p.ccPort, p.Org+" chaincode")
			claim(p.opsPort, p.Org+" operations")
		}
		if want := 4*orderers + 3*len(orgNames); len(seen) != want {
			t.Errorf("layout(%d orderers) uses %d ports, want %d", orderers, len(seen), want)
		}
	}
	n := laidOut(t, Options{Orderers: 3})
	var names, hosts []string
	for _, o := range n.orderers {
		names, hosts = append(names, o.Name), append(hosts, o.Host)
		if !strings.HasSuffix(o.Dir, filepath.Join("orderers", o.Host)) {
			t.Errorf("%s crypto dir = %s, want …/orderers/%s", o.Name, o.Dir, o.Host)
		}
	}
	if want := []string{"orderer", "orderer2", "orderer3"}; !slices.Equal(names, want) {
		t.Errorf("orderer names = %v, want %v", names, want)
	}
	if want := []string{"orderer.example.com", "orderer2.example.com", "orderer3.example.com"}; !slices.Equal(hosts, want) {
		t.Errorf("orderer hosts = %v, want %v", hosts, want)
	}
}

func TestCryptoConfig(t *testing.T) {
	one := cryptoConfig(1)
	if strings.Count(one, "- Hostname:") != 1 || !strings.Contains(one, "      - Hostname: orderer\n        SANS: [localhost, 127.0.0.1]\n") {
		t.Errorf("cryptoConfig(1) =\n%s\nwant one orderer spec with loopback SANs", one)
	}
	three := cryptoConfig(3)
	for _, h := range []string{"orderer", "orderer2", "orderer3"} {
		if !strings.Contains(three, "- Hostname: "+h+"\n") {
			t.Errorf("cryptoConfig(3) lacks host %s:\n%s", h, three)
		}
	}
	for _, org := range orgNames {
		if !strings.Contains(three, "Domain: "+orgDomain(org)+"\n") {
			t.Errorf("cryptoConfig(3) lacks org %s", org)
		}
	}
}

func TestConfigtxOrderers(t *testing.T) {
	t.Run("raft", func(t *testing.T) {
		n := laidOut(t, Options{Orderers: 3})
		tx := n.configtx()
		want := "OrdererEndpoints: [" + n.orderers[0].Addr + ", " + n.orderers[1].Addr + ", " + n.orderers[2].Addr + "]"
		if !strings.Contains(tx, want) {
			t.Errorf("configtx() lacks %q:\n%s", want, tx)
		}
		if got := strings.Count(tx, "      - Host: 127.0.0.1\n"); got != 3 {
			t.Errorf("configtx() has %d Raft consenters, want 3:\n%s", got, tx)
		}
		for _, o := range n.orderers {
			cert := filepath.Join(o.Dir, "tls", "server.crt")
			if !strings.Contains(tx, "Port: "+strconv.Itoa(o.clusterPort)+"\n        ClientTLSCert: "+cert+"\n        ServerTLSCert: "+cert+"\n") {
				t.Errorf("configtx() lacks consenter %s on cluster port %d", o.Name, o.clusterPort)
			}
		}
	})
	t.Run("bft", func(t *testing.T) {
		n := laidOut(t, Options{Version: V3_1_1, Consensus: BFT, Orderers: 4})
		tx := n.configtx()
		for i, o := range n.orderers {
			want := "    - ID: " + strconv.Itoa(i+1) + "\n      Host: 127.0.0.1\n      Port: " + strconv.Itoa(o.clusterPort) + "\n      MSPID: OrdererMSP\n" +
				"      Identity: " + filepath.Join(o.Dir, "msp", "signcerts", o.Host+"-cert.pem") + "\n"
			if !strings.Contains(tx, want) {
				t.Errorf("configtx() lacks BFT consenter %d:\n%q\nin\n%s", i+1, want, tx)
			}
		}
		if strings.Count(tx, "SmartBFT:") != 1 || strings.Contains(tx, "EtcdRaft") {
			t.Errorf("configtx() has not exactly one SmartBFT section and no Raft:\n%s", tx)
		}
	})
}

// envOf turns KEY=VALUE lines into a map, keeping only Fabric's keys.
func envOf(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ORDERER_") || strings.HasPrefix(k, "CORE_") {
			m[k] = v
		}
	}
	return m
}

func TestNodeEnv(t *testing.T) {
	for _, opsAuth := range []bool{false, true} {
		n := laidOut(t, Options{Orderers: 3, TLS: TLSOptions{PeerClientAuth: true, OrdererClientAuth: true, OperationsClientAuth: opsAuth}})
		for _, o := range n.orderers {
			env := envOf(n.ordererEnv(o))
			for k, want := range map[string]string{
				"ORDERER_GENERAL_LISTENPORT":             strconv.Itoa(o.port),
				"ORDERER_GENERAL_CLUSTER_LISTENPORT":     strconv.Itoa(o.clusterPort),
				"ORDERER_ADMIN_LISTENADDRESS":            addr(o.adminPort),
				"ORDERER_OPERATIONS_LISTENADDRESS":       addr(o.opsPort),
				"ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED": "true",
				"ORDERER_ADMIN_TLS_ENABLED":              "true",
				"ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED":   "true",
				"ORDERER_ADMIN_TLS_CLIENTROOTCAS":        "[" + o.tlsCA() + "]",
				"ORDERER_FILELEDGER_LOCATION":            filepath.Join(n.opts.Dir, o.Name, "ledger"),
			} {
				if env[k] != want {
					t.Errorf("%s (ops auth %v) %s = %q, want %q", o.Name, opsAuth, k, env[k], want)
				}
			}
			checkOpsEnv(t, o.Name, opsAuth, env, map[string]string{
				"ORDERER_OPERATIONS_TLS_ENABLED":            "true",
				"ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED": "true",
				"ORDERER_OPERATIONS_TLS_CERTIFICATE":        filepath.Join(o.Dir, "tls", "server.crt"),
				"ORDERER_OPERATIONS_TLS_PRIVATEKEY":         filepath.Join(o.Dir, "tls", "server.key"),
				"ORDERER_OPERATIONS_TLS_CLIENTROOTCAS":      "[" + o.tlsCA() + "]",
			})
		}
		for _, p := range n.peers {
			env := envOf(n.peerNodeEnv(p))
			if env["CORE_OPERATIONS_LISTENADDRESS"] != addr(p.opsPort) || env["CORE_PEER_TLS_CLIENTAUTHREQUIRED"] != "true" {
				t.Errorf("%s env = %v, want its operations port and client auth", p.Org, env)
			}
			checkOpsEnv(t, p.Org, opsAuth, env, map[string]string{
				"CORE_OPERATIONS_TLS_ENABLED":             "true",
				"CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED":  "true",
				"CORE_OPERATIONS_TLS_CERT_FILE":           filepath.Join(p.Dir, "tls", "server.crt"),
				"CORE_OPERATIONS_TLS_KEY_FILE":            filepath.Join(p.Dir, "tls", "server.key"),
				"CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES": p.tlsCA(),
			})
		}
	}
}

// checkOpsEnv checks the operations TLS settings are all there with
// client auth on, and none of them without.
func checkOpsEnv(t *testing.T, node string, on bool, env, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := env[k]
		switch {
		case on && got != v:
			t.Errorf("%s %s = %q, want %q", node, k, got, v)
		case !on && ok:
			t.Errorf("%s sets %s=%q without operations client auth", node, k, got)
		}
	}
}

func TestInfoOrderers(t *testing.T) {
	for _, opsAuth := range []bool{false, true} {
		n := laidOut(t, Options{Orderers: 3, TLS: TLSOptions{OperationsClientAuth: opsAuth}})
		ords := n.Orderers()
		if len(ords) != 3 || n.Orderer() != ords[0].Endpoint {
			t.Fatalf("Orderers() = %+v, Orderer() = %+v; want 3 with Orderer the first", ords, n.Orderer())
		}
		for i, o := range ords {
			node := n.orderers[i]
			if o.Address != node.Addr || o.Admin != addr(node.adminPort) || o.Operations != addr(node.opsPort) ||
				o.Cluster != addr(node.clusterPort) || o.Name != node.Host || o.TLSCA != node.tlsCA() || o.MSPID != ordererMSP {
				t.Errorf("Orderers()[%d] = %+v, want the addresses of %s", i, o, node.Name)
			}
			if !strings.HasSuffix(o.AdminClient.Cert, filepath.Join("Admin@example.com", "tls", "client.crt")) {
				t.Errorf("Orderers()[%d].AdminClient = %+v, want the orderer admin's TLS certificate", i, o.AdminClient)
			}
			if (o.OperationsClient != nil) != opsAuth || opsAuth && *o.OperationsClient != o.AdminClient {
				t.Errorf("Orderers()[%d].OperationsClient = %+v with ops auth %v", i, o.OperationsClient, opsAuth)
			}
		}
		for _, p := range n.Peers() {
			if (p.OperationsClient != nil) != opsAuth {
				t.Errorf("Peers() %s OperationsClient = %+v with ops auth %v", p.Org, p.OperationsClient, opsAuth)
			}
			if opsAuth && !strings.HasSuffix(p.OperationsClient.Cert, filepath.Join("Admin@"+orgDomain(p.Org), "tls", "client.crt")) {
				t.Errorf("Peers() %s OperationsClient = %+v, want its org admin's TLS certificate", p.Org, p.OperationsClient)
			}
		}
	}
}

func TestProfileListsOrderers(t *testing.T) {
	n := laidOut(t, Options{Orderers: 3})
	prof := n.profile(n.peers[0])
	for _, o := range n.orderers {
		if !strings.Contains(prof, "      - "+o.Host+"\n") || !strings.Contains(prof, "  "+o.Host+":\n    url: grpcs://"+o.Addr+"\n") {
			t.Errorf("profile() lacks orderer %s at %s:\n%s", o.Host, o.Addr, prof)
		}
	}
}
