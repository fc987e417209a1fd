package fabnet

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/internal/testnet/repo"
)

// Fixed names of the organisations and nodes.
const (
	ordererMSP    = "OrdererMSP"
	ordererDomain = "example.com"
)

// orgNames are the peer organisations, in order.
var orgNames = []string{"Org1", "Org2"}

func orgDomain(org string) string { return strings.ToLower(org) + ".example.com" }
func orgMSP(org string) string    { return org + "MSP" }
func peerHost(org string) string  { return "peer0." + orgDomain(org) }

// ordererName is the short name of orderer i (from 0): "orderer",
// "orderer2", "orderer3", … It names the cryptogen host, the data
// directory and the log file.
func ordererName(i int) string {
	if i == 0 {
		return "orderer"
	}
	return "orderer" + strconv.Itoa(i+1)
}

// ordererHost is the host name in orderer i's certificates.
func ordererHost(i int) string { return ordererName(i) + "." + ordererDomain }

// cryptoConfig renders cryptogen's crypto-config.yaml for the given number
// of orderers and the peer organisations.
func cryptoConfig(orderers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "OrdererOrgs:\n  - Name: Orderer\n    Domain: %s\n    EnableNodeOUs: true\n    Specs:\n", ordererDomain)
	for i := range orderers {
		fmt.Fprintf(&b, "      - Hostname: %s\n        SANS: [localhost, 127.0.0.1]\n", ordererName(i))
	}
	b.WriteString("PeerOrgs:\n")
	for _, org := range orgNames {
		fmt.Fprintf(&b, `  - Name: %s
    Domain: %s
    EnableNodeOUs: true
    Template:
      Count: 1
      SANS: [localhost, 127.0.0.1]
    Users:
      Count: 1
`, org, orgDomain(org))
	}
	return b.String()
}

// configtx renders configtx.yaml with the profile "App".
func (n *Network) configtx() string {
	var b strings.Builder
	endpoints := make([]string, len(n.orderers))
	for i, o := range n.orderers {
		endpoints[i] = o.Addr
	}
	fmt.Fprintf(&b, `Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: %s
    MSPDir: %s
    Policies:
      Readers: {Type: Signature, Rule: "OR('%[1]s.member')"}
      Writers: {Type: Signature, Rule: "OR('%[1]s.member')"}
      Admins:  {Type: Signature, Rule: "OR('%[1]s.admin')"}
    OrdererEndpoints: [%[3]s]
`, ordererMSP, filepath.Join(n.cryptoDir(), "ordererOrganizations", ordererDomain, "msp"), strings.Join(endpoints, ", "))
	for _, p := range n.peers {
		fmt.Fprintf(&b, `  - &%s
    Name: %[2]s
    ID: %[2]s
    MSPDir: %s
    Policies:
      Readers: {Type: Signature, Rule: "OR('%[2]s.admin', '%[2]s.peer', '%[2]s.client')"}
      Writers: {Type: Signature, Rule: "OR('%[2]s.admin', '%[2]s.client')"}
      Admins:  {Type: Signature, Rule: "OR('%[2]s.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('%[2]s.peer')"}
    AnchorPeers:
      - {Host: 127.0.0.1, Port: %[4]d}
`, p.Org, p.MSPID, filepath.Join(n.cryptoDir(), "peerOrganizations", orgDomain(p.Org), "msp"), p.port)
	}
	chanCap := "V2_0"
	if n.opts.Version != V2_5_9 {
		chanCap = "V3_0"
	}
	fmt.Fprintf(&b, `
Capabilities:
  Channel: &ChannelCapabilities {%s: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}

Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins:  {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities: *ApplicationCapabilities

Orderer: &OrdererDefaults
`, chanCap)
	if n.opts.Consensus == BFT {
		b.WriteString("  OrdererType: BFT\n  ConsenterMapping:\n")
		for i, o := range n.orderers {
			fmt.Fprintf(&b, `    - ID: %d
      Host: 127.0.0.1
      Port: %d
      MSPID: %s
      Identity: %s
      ClientTLSCert: %s
      ServerTLSCert: %[5]s
`, i+1, o.clusterPort, ordererMSP, filepath.Join(o.Dir, "msp", "signcerts", o.Host+"-cert.pem"), filepath.Join(o.Dir, "tls", "server.crt"))
		}
		b.WriteString(`  SmartBFT:
    RequestBatchMaxInterval: 200ms
    RequestForwardTimeout: 5s
    RequestComplainTimeout: 20s
    RequestAutoRemoveTimeout: 3m0s
    ViewChangeResendInterval: 5s
    ViewChangeTimeout: 20s
    LeaderHeartbeatTimeout: 1m0s
    CollectTimeout: 1s
    IncomingMessageBufferSize: 200
    RequestPoolSize: 100000
    LeaderHeartbeatCount: 10
`)
	} else {
		b.WriteString("  OrdererType: etcdraft\n  EtcdRaft:\n    Consenters:\n")
		for _, o := range n.orderers {
			fmt.Fprintf(&b, `      - Host: 127.0.0.1
        Port: %d
        ClientTLSCert: %s
        ServerTLSCert: %[2]s
`, o.clusterPort, filepath.Join(o.Dir, "tls", "server.crt"))
		}
	}
	fmt.Fprintf(&b, `  BatchTimeout: %s
  BatchSize:
    MaxMessageCount: %d
    AbsoluteMaxBytes: %s
    PreferredMaxBytes: %s
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins:  {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}

Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins:  {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities: *ChannelCapabilities

Profiles:
  App:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
      Capabilities: *OrdererCapabilities
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1, *Org2]
      Capabilities: *ApplicationCapabilities
`, n.opts.BatchTimeout, n.opts.MaxMessageCount, byteSize(n.opts.AbsoluteMaxBytes), byteSize(n.opts.PreferredMaxBytes))
	return b.String()
}

// byteSize writes a byte count the way configtx.yaml does ("2 MB" is
// 2 MiB for configtxgen): in MB or KB when exact, else as a plain number.
func byteSize(n int) string {
	switch {
	case n > 0 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MB"
	case n > 0 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KB"
	}
	return strconv.Itoa(n)
}

var (
	builderLine = regexp.MustCompile(`(?m)^(\s*)- name: ccaas_builder\n\s*path: /opt/hyperledger/ccaas_builder\n`)
	dockerLine  = regexp.MustCompile(`(?m)^(\s*)endpoint: unix:///var/run/docker\.sock$`)
)

// coreYAML patches the sample core.yaml: our external builder replaces the
// sample one, and the Docker endpoint is emptied so no container runtime is
// needed.
func coreYAML(sample []byte, builderDir string) ([]byte, error) {
	s := string(sample)
	if len(builderLine.FindAllStringIndex(s, -1)) != 1 || len(dockerLine.FindAllStringIndex(s, -1)) != 1 {
		return nil, fmt.Errorf("%w: unexpected sample core.yaml layout", ErrCommand)
	}
	s = builderLine.ReplaceAllString(s, "${1}- name: lianjian_ccaas\n${1}  path: "+builderDir+"\n")
	s = dockerLine.ReplaceAllString(s, `${1}endpoint: ""`)
	return []byte(s), nil
}

// writeConfig writes crypto-config.yaml, runs cryptogen, copies the
// builder and writes core.yaml, orderer.yaml and configtx.yaml.
func (n *Network) writeConfig() error {
	cfgDir := n.configDir()
	for _, d := range []string{cfgDir, n.path("logs"), n.path("tmp"), filepath.Join(n.path("builder"), "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	root, err := repo.Root()
	if err != nil {
		return err
	}
	for _, f := range []string{"detect", "build", "release"} {
		src := filepath.Join(root, "internal", "testnet", "builder", "bin", f)
		if err := copyFile(src, filepath.Join(n.path("builder"), "bin", f), 0o755); err != nil {
			return fmt.Errorf("copy builder: %w", err)
		}
	}
	sample, err := os.ReadFile(filepath.Join(n.bin.SampleConfig(), "core.yaml"))
	if err != nil {
		return fmt.Errorf("read sample core.yaml: %w", err)
	}
	core, err := coreYAML(sample, n.path("builder"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "core.yaml"), core, 0o644); err != nil {
		return fmt.Errorf("write core.yaml: %w", err)
	}
	if err := copyFile(filepath.Join(n.bin.SampleConfig(), "orderer.yaml"), filepath.Join(cfgDir, "orderer.yaml"), 0o644); err != nil {
		return fmt.Errorf("copy orderer.yaml: %w", err)
	}
	return os.WriteFile(filepath.Join(cfgDir, "configtx.yaml"), []byte(n.configtx()), 0o644)
}
