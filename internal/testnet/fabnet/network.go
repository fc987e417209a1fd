package fabnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stopGrace is how long a node gets to exit after SIGTERM.
const stopGrace = 5 * time.Second

// Network is a running Fabric network started by Start. Its methods are
// safe for concurrent use.
type Network struct {
	opts     Options
	bin      Bin
	orderers []*ordererNode
	peers    []*peerNode

	txs atomic.Int64 // transactions known to be in the channel's ledger

	mu        sync.Mutex
	stopped   bool
	cc        *proc
	ccAddr    string
	packageID string
}

type ordererNode struct {
	Name        string // short name: orderer, orderer2, … (data dir, log)
	Host        string // host name in its certificates
	Dir         string // cryptogen node dir (msp, tls)
	Addr        string
	port        int
	clusterPort int
	adminPort   int
	opsPort     int
	proc        *proc
}

type peerNode struct {
	Org     string
	MSPID   string
	Dir     string // cryptogen node dir (msp, tls)
	Addr    string
	DataDir string // CORE_PEER_FILESYSTEMPATH
	port    int
	ccPort  int
	opsPort int
	proc    *proc
}

// Start builds the binaries if needed and starts a network in opts.Dir:
// opts.Orderers orderers (one by default), one peer in each of Org1MSP and
// Org2MSP, an application channel all of them joined, and the key/value
// chaincode committed with the endorsement policy
// AND('Org1MSP.peer','Org2MSP.peer'). On error every started process is
// stopped again. Call Stop when done.
func Start(ctx context.Context, opts Options) (*Network, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if entries, err := os.ReadDir(opts.Dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%w: dir %s is not empty", ErrBadOptions, opts.Dir)
	}
	bin := opts.Bin
	if bin == "" {
		var err error
		if bin, err = Build(ctx, opts.Version, opts.Logger); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create network dir: %w", err)
	}
	begin := time.Now()
	var n *Network
	for attempt := 1; ; attempt++ {
		n = &Network{opts: opts, bin: bin}
		err := n.start(ctx)
		if err == nil {
			break
		}
		n.Stop()
		// A free port can be taken by another process between reservation
		// and bind; start afresh on new ports then.
		if attempt == 3 || !n.portClash() {
			return nil, err
		}
		opts.Logger.Warn("port taken, restarting network", "attempt", attempt, "err", err)
		if err := clearDir(opts.Dir); err != nil {
			return nil, err
		}
	}
	opts.Logger.Info("fabric network up", "version", opts.Version, "consensus", opts.Consensus,
		"channel", opts.Channel, "dir", opts.Dir, "took", time.Since(begin).Round(time.Millisecond))
	return n, nil
}

func (n *Network) start(ctx context.Context) error {
	log := n.opts.Logger
	ports, err := freePorts(4*n.opts.Orderers + 1 + 3*len(orgNames))
	if err != nil {
		return err
	}
	n.layout(ports)
	if err := os.WriteFile(n.path("crypto-config.yaml"), []byte(cryptoConfig(len(n.orderers))), 0o644); err != nil {
		return fmt.Errorf("write crypto-config.yaml: %w", err)
	}
	if _, err := n.tool(ctx, "cryptogen", nil, "generate", "--config", n.path("crypto-config.yaml"), "--output", n.cryptoDir()); err != nil {
		return err
	}
	if err := n.writeConfig(); err != nil {
		return err
	}
	if _, err := n.tool(ctx, "configtxgen", []string{"FABRIC_CFG_PATH=" + n.configDir()},
		"-profile", "App", "-channelID", n.opts.Channel, "-outputBlock", n.genesisPath()); err != nil {
		return err
	}
	log.Debug("crypto and genesis ready")
	for _, o := range n.orderers {
		if err := n.startOrderer(o); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(n.peers)+len(n.orderers))
	for i, p := range n.peers {
		wg.Go(func() { errs[i] = n.startPeer(ctx, p) })
	}
	for i, o := range n.orderers {
		wg.Go(func() {
			errs[len(n.peers)+i] = waitReady(ctx, o.proc, n.opts.ReadyTimeout, n.logPath(o.Name), n.healthz(OrdererOrg, o.tlsCA(), o.opsPort))
		})
	}
	wg.Wait()
	if err := firstErr(errs); err != nil {
		return err
	}
	if err := n.eachOrderer(func(o *ordererNode) error { return n.joinOrderer(ctx, o) }); err != nil {
		return err
	}
	log.Debug("orderers joined channel", "orderers", len(n.orderers))
	if err := n.eachPeer(func(p *peerNode) error { return n.joinPeer(ctx, p) }); err != nil {
		return err
	}
	log.Debug("peers joined channel")
	n.txs.Add(1) // the genesis block's config transaction
	if err := n.writeProfiles(); err != nil {
		return err
	}
	if err := n.deployChaincode(ctx); err != nil {
		return err
	}
	// Service discovery (used by SDK clients) needs each peer to know the
	// other org's peer through gossip.
	return n.eachPeer(func(p *peerNode) error { return n.waitMembership(ctx, p) })
}

// layout assigns the nodes their names, directories and ports: four per
// orderer (listen, cluster, admin, operations), one for the chaincode
// server, three per peer (listen, chaincode, operations).
func (n *Network) layout(ports []int) {
	n.orderers, n.peers = nil, nil
	for i := range n.opts.Orderers {
		p := ports[4*i:]
		o := &ordererNode{
			Name: ordererName(i), Host: ordererHost(i),
			Dir:  filepath.Join(n.cryptoDir(), "ordererOrganizations", ordererDomain, "orderers", ordererHost(i)),
			Addr: addr(p[0]), port: p[0], clusterPort: p[1], adminPort: p[2], opsPort: p[3],
		}
		n.orderers = append(n.orderers, o)
	}
	rest := ports[4*n.opts.Orderers:]
	n.ccAddr = addr(rest[0])
	for i, org := range orgNames {
		p := rest[1+3*i:]
		n.peers = append(n.peers, &peerNode{
			Org: org, MSPID: orgMSP(org),
			Dir:     filepath.Join(n.cryptoDir(), "peerOrganizations", orgDomain(org), "peers", peerHost(org)),
			Addr:    addr(p[0]),
			DataDir: n.path(strings.ToLower(peerHost(org))),
			port:    p[0], ccPort: p[1], opsPort: p[2],
		})
	}
}

// waitMembership waits until p's gossip knows every other peer on the
// channel, read from its Prometheus metrics.
func (n *Network) waitMembership(ctx context.Context, p *peerNode) error {
	line := `gossip_membership_total_peers_known{channel="` + n.opts.Channel + `"} ` + strconv.Itoa(len(n.peers)-1)
	return waitReady(ctx, p.proc, n.opts.ReadyTimeout, n.logPath(peerHost(p.Org)), func(ctx context.Context) error {
		body, err := n.opsGet(ctx, p.Org, p.tlsCA(), p.opsPort, "/metrics")
		if err != nil {
			return err
		}
		if !strings.Contains(body, line+"\n") {
			return fmt.Errorf("gossip membership incomplete")
		}
		return nil
	})
}

// portClash reports whether a node log shows a failed bind.
func (n *Network) portClash() bool {
	logs, _ := filepath.Glob(n.path("logs", "*.log"))
	for _, l := range logs {
		if b, err := os.ReadFile(l); err == nil && strings.Contains(string(b), "address already in use") {
			return true
		}
	}
	return false
}

// clearDir removes everything inside dir.
func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("clear network dir: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("clear network dir: %w", err)
		}
	}
	return nil
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// eachOrderer runs f for every orderer concurrently and returns the first
// error.
func (n *Network) eachOrderer(f func(*ordererNode) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(n.orderers))
	for i, o := range n.orderers {
		wg.Go(func() { errs[i] = f(o) })
	}
	wg.Wait()
	return firstErr(errs)
}

// eachPeer runs f for every peer concurrently and returns the first error.
func (n *Network) eachPeer(f func(*peerNode) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(n.peers))
	for i, p := range n.peers {
		wg.Go(func() { errs[i] = f(p) })
	}
	wg.Wait()
	return firstErr(errs)
}

func (n *Network) path(elem ...string) string {
	return filepath.Join(append([]string{n.opts.Dir}, elem...)...)
}
func (n *Network) cryptoDir() string          { return n.path("crypto") }
func (n *Network) configDir() string          { return n.path("config") }
func (n *Network) genesisPath() string        { return n.path(n.opts.Channel + ".block") }
func (n *Network) logPath(name string) string { return n.path("logs", name+".log") }

// tlsOn renders the TLS switch as an environment value.
func (n *Network) tlsOn() string { return strconv.FormatBool(!n.opts.TLS.Disabled) }

// listVal renders a list for the orderer's environment overrides.
func listVal(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

// tlsCAs lists every organisation's TLS CA certificate.
func (n *Network) tlsCAs() []string {
	cas := []string{n.orderers[0].tlsCA()}
	for _, p := range n.peers {
		cas = append(cas, p.tlsCA())
	}
	return cas
}

// tlsCA is the orderer organisation's TLS CA certificate, which signed
// the node's TLS server certificate.
func (o *ordererNode) tlsCA() string { return filepath.Join(o.Dir, "tls", "ca.crt") }

// tlsCA is the peer organisation's TLS CA certificate, which signed the
// node's TLS server certificate.
func (p *peerNode) tlsCA() string { return filepath.Join(p.Dir, "tls", "ca.crt") }

// ordererEnv is orderer o's environment: its ports and identity, TLS
// with client authentication as configured, the admin listener always
// with mutual TLS (Fabric refuses anything else), and operations TLS when
// configured.
func (n *Network) ordererEnv(o *ordererNode) []string {
	data := n.path(o.Name)
	tls := filepath.Join(o.Dir, "tls")
	env := append(cleanEnv(),
		"FABRIC_CFG_PATH="+n.configDir(),
		"FABRIC_LOGGING_SPEC=info",
		"ORDERER_GENERAL_LISTENADDRESS=127.0.0.1",
		"ORDERER_GENERAL_LISTENPORT="+strconv.Itoa(o.port),
		"ORDERER_GENERAL_LOCALMSPID="+ordererMSP,
		"ORDERER_GENERAL_LOCALMSPDIR="+filepath.Join(o.Dir, "msp"),
		"ORDERER_GENERAL_TLS_ENABLED="+n.tlsOn(),
		"ORDERER_GENERAL_TLS_PRIVATEKEY="+filepath.Join(tls, "server.key"),
		"ORDERER_GENERAL_TLS_CERTIFICATE="+filepath.Join(tls, "server.crt"),
		"ORDERER_GENERAL_TLS_ROOTCAS="+listVal(o.tlsCA()),
		"ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED="+strconv.FormatBool(n.opts.TLS.OrdererClientAuth),
		"ORDERER_GENERAL_TLS_CLIENTROOTCAS="+listVal(n.tlsCAs()...),
		"ORDERER_GENERAL_CLUSTER_LISTENADDRESS=127.0.0.1",
		"ORDERER_GENERAL_CLUSTER_LISTENPORT="+strconv.Itoa(o.clusterPort),
		"ORDERER_GENERAL_CLUSTER_SERVERCERTIFICATE="+filepath.Join(tls, "server.crt"),
		"ORDERER_GENERAL_CLUSTER_SERVERPRIVATEKEY="+filepath.Join(tls, "server.key"),
		"ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="+filepath.Join(tls, "server.crt"),
		"ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="+filepath.Join(tls, "server.key"),
		"ORDERER_GENERAL_CLUSTER_ROOTCAS="+listVal(o.tlsCA()),
		"ORDERER_GENERAL_BOOTSTRAPMETHOD=none",
		"ORDERER_GENERAL_PROFILE_ENABLED=false",
		"ORDERER_CHANNELPARTICIPATION_ENABLED=true",
		"ORDERER_ADMIN_LISTENADDRESS="+addr(o.adminPort),
		"ORDERER_ADMIN_TLS_ENABLED=true",
		"ORDERER_ADMIN_TLS_PRIVATEKEY="+filepath.Join(tls, "server.key"),
		"ORDERER_ADMIN_TLS_CERTIFICATE="+filepath.Join(tls, "server.crt"),
		"ORDERER_ADMIN_TLS_ROOTCAS="+listVal(o.tlsCA()),
		"ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true",
		"ORDERER_ADMIN_TLS_CLIENTROOTCAS="+listVal(o.tlsCA()),
		"ORDERER_FILELEDGER_LOCATION="+filepath.Join(data, "ledger"),
		"ORDERER_CONSENSUS_WALDIR="+filepath.Join(data, "wal"),
		"ORDERER_CONSENSUS_SNAPDIR="+filepath.Join(data, "snap"),
		"ORDERER_OPERATIONS_LISTENADDRESS="+addr(o.opsPort),
		"ORDERER_METRICS_PROVIDER=disabled",
	)
	if n.opts.TLS.OperationsClientAuth {
		env = append(env,
			"ORDERER_OPERATIONS_TLS_ENABLED=true",
			"ORDERER_OPERATIONS_TLS_CERTIFICATE="+filepath.Join(tls, "server.crt"),
			"ORDERER_OPERATIONS_TLS_PRIVATEKEY="+filepath.Join(tls, "server.key"),
			"ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED=true",
			"ORDERER_OPERATIONS_TLS_CLIENTROOTCAS="+listVal(o.tlsCA()),
		)
	}
	return env
}

func (n *Network) startOrderer(o *ordererNode) error {
	p, err := startProc(o.Name, n.bin.Path("orderer"), nil, n.ordererEnv(o), n.logPath(o.Name))
	if err != nil {
		return err
	}
	o.proc = p
	return nil
}

func (n *Network) peerNodeEnv(p *peerNode) []string {
	tls := filepath.Join(p.Dir, "tls")
	env := append(cleanEnv(),
		"FABRIC_CFG_PATH="+n.configDir(),
		"FABRIC_LOGGING_SPEC=info",
		"CORE_PEER_ID="+peerHost(p.Org),
		"CORE_PEER_ADDRESS="+p.Addr,
		"CORE_PEER_LISTENADDRESS="+p.Addr,
		"CORE_PEER_CHAINCODEADDRESS="+addr(p.ccPort),
		"CORE_PEER_CHAINCODELISTENADDRESS="+addr(p.ccPort),
		"CORE_PEER_GOSSIP_BOOTSTRAP="+p.Addr,
		"CORE_PEER_GOSSIP_EXTERNALENDPOINT="+p.Addr,
		"CORE_PEER_GOSSIP_USELEADERELECTION=false",
		"CORE_PEER_GOSSIP_ORGLEADER=true",
		"CORE_PEER_LOCALMSPID="+p.MSPID,
		"CORE_PEER_MSPCONFIGPATH="+filepath.Join(p.Dir, "msp"),
		"CORE_PEER_TLS_ENABLED="+n.tlsOn(),
		"CORE_PEER_TLS_CERT_FILE="+filepath.Join(tls, "server.crt"),
		"CORE_PEER_TLS_KEY_FILE="+filepath.Join(tls, "server.key"),
		"CORE_PEER_TLS_ROOTCERT_FILE="+filepath.Join(tls, "ca.crt"),
		"CORE_PEER_TLS_CLIENTAUTHREQUIRED="+strconv.FormatBool(n.opts.TLS.PeerClientAuth),
		"CORE_PEER_TLS_CLIENTROOTCAS_FILES="+strings.Join(n.tlsCAs(), " "),
		"CORE_PEER_FILESYSTEMPATH="+p.DataDir,
		"CORE_PEER_PROFILE_ENABLED=false",
		"CORE_LEDGER_SNAPSHOTS_ROOTDIR="+filepath.Join(p.DataDir, "snapshots"),
		"CORE_OPERATIONS_LISTENADDRESS="+addr(p.opsPort),
		"CORE_METRICS_PROVIDER=prometheus",
		"CORE_PEER_GOSSIP_RECONNECTINTERVAL=1s",
		"CORE_CHAINCODE_EXECUTETIMEOUT=60s",
	)
	if n.opts.TLS.OperationsClientAuth {
		env = append(env,
			"CORE_OPERATIONS_TLS_ENABLED=true",
			"CORE_OPERATIONS_TLS_CERT_FILE="+filepath.Join(tls, "server.crt"),
			"CORE_OPERATIONS_TLS_KEY_FILE="+filepath.Join(tls, "server.key"),
			"CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED=true",
			"CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES="+p.tlsCA(),
		)
	}
	return env
}

func (n *Network) startPeer(ctx context.Context, p *peerNode) error {
	name := peerHost(p.Org)
	proc, err := startProc(name, n.bin.Path("peer"), []string{"node", "start"}, n.peerNodeEnv(p), n.logPath(name))
	if err != nil {
		return err
	}
	p.proc = proc
	// The operations endpoint comes up before the gRPC listener.
	return waitReady(ctx, proc, n.opts.ReadyTimeout, n.logPath(name), func(ctx context.Context) error {
		if err := n.healthz(p.Org, p.tlsCA(), p.opsPort)(ctx); err != nil {
			return err
		}
		return dialable(p.Addr)(ctx)
	})
}

// RestartPeer stops the peer of org (e.g. "Org1") and starts it again with
// the same identity, ports and ledger, waiting until it is healthy.
func (n *Network) RestartPeer(ctx context.Context, org string) error {
	p, err := n.peer(org)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	p.proc.stop(stopGrace)
	if err := n.startPeer(ctx, p); err != nil {
		return err
	}
	return n.waitMembership(ctx, p)
}

// Stop stops the chaincode, the peers and the orderers. The state in Dir
// is kept. Stop is idempotent.
func (n *Network) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return
	}
	n.stopped = true
	n.cc.stop(stopGrace)
	var wg sync.WaitGroup
	for _, p := range n.peers {
		wg.Go(func() { p.proc.stop(stopGrace) })
	}
	wg.Wait()
	for _, o := range n.orderers {
		wg.Go(func() { o.proc.stop(stopGrace) })
	}
	wg.Wait()
}

func (n *Network) peer(org string) (*peerNode, error) {
	for _, p := range n.peers {
		if strings.EqualFold(p.Org, org) || p.MSPID == org {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownOrg, org)
}
