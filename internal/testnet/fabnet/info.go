package fabnet

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Endpoint is a node's gRPC address and the CA certificate that signed its
// TLS server certificate (empty when TLS is disabled).
type Endpoint struct {
	Name    string `json:"name"` // host name in the certificates, e.g. peer0.org1.example.com
	Address string `json:"address"`
	TLSCA   string `json:"tlsCA,omitempty"`
}

// ClientCert is a TLS client certificate and its private key, as PEM
// files.
type ClientCert struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// PeerInfo describes one peer.
type PeerInfo struct {
	Endpoint
	Org        string `json:"org"`
	MSPID      string `json:"mspId"`
	LedgerDir  string `json:"ledgerDir"`  // the channel's block files
	Operations string `json:"operations"` // operations endpoint host:port (/healthz, /metrics)
	// OperationsClient is set when the operations endpoint is served over
	// TLS (server certificate signed by TLSCA) and requires a client
	// certificate: the org admin's TLS client certificate, which it
	// accepts. Nil means plain HTTP.
	OperationsClient *ClientCert `json:"operationsClient,omitempty"`
	Profile          string      `json:"profile"` // fabric-sdk-go connection profile with this org as client
}

// OrdererInfo describes one orderer.
type OrdererInfo struct {
	Endpoint
	MSPID   string `json:"mspId"`
	Cluster string `json:"cluster"` // intra-cluster (consensus) listener, host:port
	// Admin is the channel participation API, host:port. It always
	// requires mutual TLS; AdminClient is a certificate it accepts (the
	// orderer org admin's).
	Admin       string     `json:"admin"`
	AdminClient ClientCert `json:"adminClient"`
	Operations  string     `json:"operations"` // operations endpoint host:port
	// OperationsClient is as in PeerInfo, with the orderer org admin's
	// certificate.
	OperationsClient *ClientCert `json:"operationsClient,omitempty"`
}

// Info describes a running network; cmd/fabnet writes it as network.json.
type Info struct {
	Version           string              `json:"version"`
	Consensus         string              `json:"consensus"`
	Channel           string              `json:"channel"`
	Chaincode         string              `json:"chaincode"`
	EndorsementPolicy string              `json:"endorsementPolicy"`
	TLS               TLSOptions          `json:"tls"`
	Dir               string              `json:"dir"`
	CryptoDir         string              `json:"cryptoDir"`
	Orderer           Endpoint            `json:"orderer"` // the first of Orderers
	Orderers          []OrdererInfo       `json:"orderers"`
	Peers             []PeerInfo          `json:"peers"`
	Users             map[string]Identity `json:"users"` // keys like "Org1/User1", "Orderer/Admin"
}

// Channel returns the application channel name.
func (n *Network) Channel() string { return n.opts.Channel }

// Chaincode returns the name of the committed chaincode.
func (n *Network) Chaincode() string { return DefaultChaincode }

// Dir returns the directory holding all network state.
func (n *Network) Dir() string { return n.opts.Dir }

// CryptoDir returns the cryptogen output directory.
func (n *Network) CryptoDir() string { return n.cryptoDir() }

// Orderer returns the first orderer's client endpoint.
func (n *Network) Orderer() Endpoint { return n.ordererEndpoint(n.orderers[0]) }

func (n *Network) ordererEndpoint(o *ordererNode) Endpoint {
	e := Endpoint{Name: o.Host, Address: o.Addr}
	if !n.opts.TLS.Disabled {
		e.TLSCA = o.tlsCA()
	}
	return e
}

// opsClientCert is the certificate fabnet's operations clients present
// for org, or nil when operations endpoints are plain HTTP.
func (n *Network) opsClientCert(org string) *ClientCert {
	if !n.opts.TLS.OperationsClientAuth {
		return nil
	}
	id := n.admin(org)
	return &ClientCert{Cert: id.TLSCert, Key: id.TLSKey}
}

// Orderers describes every orderer, in consenter order.
func (n *Network) Orderers() []OrdererInfo {
	id := n.admin(OrdererOrg)
	out := make([]OrdererInfo, len(n.orderers))
	for i, o := range n.orderers {
		out[i] = OrdererInfo{
			Endpoint: n.ordererEndpoint(o), MSPID: ordererMSP, Cluster: addr(o.clusterPort),
			Admin: addr(o.adminPort), AdminClient: ClientCert{Cert: id.TLSCert, Key: id.TLSKey},
			Operations: addr(o.opsPort), OperationsClient: n.opsClientCert(OrdererOrg),
		}
	}
	return out
}

// Peers describes the peers, Org1's first.
func (n *Network) Peers() []PeerInfo {
	out := make([]PeerInfo, len(n.peers))
	for i, p := range n.peers {
		out[i] = PeerInfo{
			Endpoint:         Endpoint{Name: peerHost(p.Org), Address: p.Addr},
			Org:              p.Org,
			MSPID:            p.MSPID,
			LedgerDir:        p.ledgerDir(n.opts.Channel),
			Operations:       addr(p.opsPort),
			OperationsClient: n.opsClientCert(p.Org),
			Profile:          n.profilePath(p.Org),
		}
		if !n.opts.TLS.Disabled {
			out[i].TLSCA = p.tlsCA()
		}
	}
	return out
}

// Info collects everything a client needs to reach the network.
func (n *Network) Info() Info {
	info := Info{
		Version: n.opts.Version, Consensus: n.opts.Consensus, Channel: n.opts.Channel,
		Chaincode: DefaultChaincode, EndorsementPolicy: EndorsementPolicy, TLS: n.opts.TLS,
		Dir: n.opts.Dir, CryptoDir: n.cryptoDir(), Orderer: n.Orderer(), Orderers: n.Orderers(), Peers: n.Peers(),
		Users: map[string]Identity{},
	}
	for _, org := range append(append([]string{}, orgNames...), OrdererOrg) {
		for _, name := range []string{"Admin", "User1"} {
			if id, err := n.User(org, name); err == nil {
				info.Users[org+"/"+name] = id
			}
		}
	}
	return info
}

// WriteInfo writes Info as indented JSON to path.
func (n *Network) WriteInfo(path string) error {
	b, err := json.MarshalIndent(n.Info(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode network info: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write network info: %w", err)
	}
	return nil
}

// ConnectionProfile returns the path of a fabric-sdk-go connection profile
// (YAML) whose client organisation is org, e.g. "Org1". Users are found
// under the crypto dir by name ("User1", "Admin").
func (n *Network) ConnectionProfile(org string) (string, error) {
	p, err := n.peer(org)
	if err != nil {
		return "", err
	}
	return n.profilePath(p.Org), nil
}

func (n *Network) profilePath(org string) string {
	return n.path("connection-" + strings.ToLower(org) + ".yaml")
}

// writeProfiles writes one connection profile per peer organisation.
func (n *Network) writeProfiles() error {
	for _, p := range n.peers {
		if err := os.WriteFile(n.profilePath(p.Org), []byte(n.profile(p)), 0o644); err != nil {
			return fmt.Errorf("write connection profile: %w", err)
		}
	}
	return nil
}

// profile renders the connection profile with client as the client org.
func (n *Network) profile(client *peerNode) string {
	scheme := "grpcs"
	if n.opts.TLS.Disabled {
		scheme = "grpc"
	}
	user, _ := n.User(client.Org, "User1")
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1.0.0
client:
  organization: %s
  logging:
    level: info
  peer:
    timeout:
      connection: 15s
      response: 60s
      discovery:
        greylistExpiry: 2s
  orderer:
    timeout:
      connection: 15s
      response: 60s
  global:
    timeout:
      query: 60s
      execute: 60s
      resmgmt: 60s
  cryptoconfig:
    path: %s
  credentialStore:
    path: %s
    cryptoStore:
      path: %s
  tlsCerts:
    systemCertPool: false
    client:
      key:
        path: %s
      cert:
        path: %s
channels:
  %s:
    orderers:
`, client.Org, n.cryptoDir(), n.path("sdk-store"), n.path("sdk-store", "msp"), user.TLSKey, user.TLSCert, n.opts.Channel)
	for _, o := range n.orderers {
		fmt.Fprintf(&b, "      - %s\n", o.Host)
	}
	b.WriteString("    peers:\n")
	for _, p := range n.peers {
		fmt.Fprintf(&b, `      %s:
        endorsingPeer: true
        chaincodeQuery: true
        ledgerQuery: true
        eventSource: true
`, peerHost(p.Org))
	}
	b.WriteString("organizations:\n")
	for _, p := range n.peers {
		fmt.Fprintf(&b, `  %s:
    mspid: %s
    cryptoPath: peerOrganizations/%s/users/{username}@%[3]s/msp
    peers:
      - %s
`, p.Org, p.MSPID, orgDomain(p.Org), peerHost(p.Org))
	}
	fmt.Fprintf(&b, `  OrdererOrg:
    mspid: %s
    cryptoPath: ordererOrganizations/%s/users/{username}@%[2]s/msp
orderers:
`, ordererMSP, ordererDomain)
	for _, o := range n.orderers {
		fmt.Fprintf(&b, `  %s:
    url: %s://%s
    grpcOptions:
      ssl-target-name-override: %[1]s
      allow-insecure: %[4]t
    tlsCACerts:
      path: %s
`, o.Host, scheme, o.Addr, n.opts.TLS.Disabled, o.tlsCA())
	}
	b.WriteString("peers:\n")
	for _, p := range n.peers {
		fmt.Fprintf(&b, `  %s:
    url: %s://%s
    grpcOptions:
      ssl-target-name-override: %[1]s
      allow-insecure: %[4]t
    tlsCACerts:
      path: %s
`, peerHost(p.Org), scheme, p.Addr, n.opts.TLS.Disabled, filepath.Join(p.Dir, "tls", "ca.crt"))
	}
	return b.String()
}
