package nodes

import (
	"encoding/pem"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
)

// Kind is what a registered node does.
type Kind string

// Node kinds.
const (
	FabricPeer    Kind = "fabric-peer"
	FabricOrderer Kind = "fabric-orderer"
	EVMRPC        Kind = "evm-rpc"
	EVMValidator  Kind = "evm-validator"
	// FiscoSealer is a FISCO BCOS consensus node (sealer).
	FiscoSealer Kind = "fisco-sealer"
	// FiscoObserver is a FISCO BCOS observer node: it syncs, never signs.
	FiscoObserver Kind = "fisco-observer"
	// FiscoRPC is a FISCO BCOS JSON-RPC endpoint registered without a
	// consensus role (a 3.x Pro/Max RPC service, or an SDK-facing node).
	FiscoRPC Kind = "fisco-rpc"
)

// Kinds lists every node kind.
var Kinds = []Kind{FabricPeer, FabricOrderer, EVMRPC, EVMValidator, FiscoSealer, FiscoObserver, FiscoRPC}

// ChainKind is the chain family a node kind belongs to.
func (k Kind) ChainKind() ledger.Kind {
	switch k {
	case EVMRPC, EVMValidator:
		return ledger.KindEVM
	case FiscoSealer, FiscoObserver, FiscoRPC:
		return ledger.KindFisco
	}
	return ledger.KindFabric
}

// Node is a registered node: where to reach it and who answers for it.
type Node struct {
	ID      string `json:"id"`
	Chain   string `json:"chain"`
	Channel string `json:"channel,omitempty"` // Fabric channel, when the chain is one of several
	// Org is the owning organisation: the MSP id on Fabric, the operator's
	// organisation name on EVM. Operators are scoped to it.
	Org  string `json:"org"`
	Kind Kind   `json:"kind"`
	// Endpoint is the gRPC address host:port (Fabric) or the JSON-RPC URL
	// http(s)://host:port/path (EVM; FISCO BCOS 2.x :8545, 3.x :20200).
	Endpoint string `json:"endpoint"`
	// Operations is the Fabric operations endpoint, host:port or an
	// http(s) URL; empty when not registered.
	Operations string `json:"operations,omitempty"`
	// Admin is the orderer's channel participation (admin) endpoint,
	// host:port; orderers only.
	Admin string `json:"admin,omitempty"`
	// TLSCA is the PEM CA certificate the node's TLS server certificate
	// should chain to (FISCO BCOS: the chain CA, on GM chains the SM2 CA;
	// several PEM blocks are allowed).
	TLSCA string `json:"tlsCA,omitempty"`
	// NodeID is a FISCO BCOS node id: the node's 64-byte public key as
	// 128 hex digits (an optional 0x prefix is accepted).
	NodeID string `json:"nodeId,omitempty"`
	// Group is the FISCO BCOS group: "group0" style in 3.x, a number in
	// 2.x; empty means group0 (3.x) or 1 (2.x).
	Group string `json:"group,omitempty"`
	// P2P is a FISCO BCOS node's P2P SSL endpoint host:port (:30300).
	P2P string `json:"p2p,omitempty"`
	// SDKChannel is a FISCO BCOS 2.x node's SSL channel endpoint host:port
	// (:20200), where SDKs connect.
	SDKChannel string `json:"sdkChannel,omitempty"`
	// ServerName overrides the TLS server name (default: endpoint host).
	ServerName string `json:"serverName,omitempty"`
	// Address is an EVM validator's signer address (0x…).
	Address string `json:"address,omitempty"`
	// Version is the version the operator declares.
	Version string `json:"version,omitempty"`
	Contact string `json:"contact,omitempty"`
	Note    string `json:"note,omitempty"`
	Retired bool   `json:"retired,omitempty"`
}

var (
	nodeID     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	orgName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	evmAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	fiscoNode  = regexp.MustCompile(`^(0x)?[0-9a-fA-F]{128}$`)
	fiscoGroup = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	hostName   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)
)

// Field length limits.
const (
	maxText    = 256
	maxNote    = 2048
	maxPEMSize = 64 << 10
)

// Validate checks the fields of n that do not need the chain catalogue:
// id, org, kind, endpoints, TLS CA, address and text lengths.
func (n *Node) Validate() error {
	switch {
	case !nodeID.MatchString(n.ID):
		return fieldErr("id", "want 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	case n.Chain == "":
		return fieldErr("chain", "required")
	case !orgName.MatchString(n.Org):
		return fieldErr("org", "want an MSP id or organisation name of letters, digits, '.', '_' or '-'")
	}
	switch n.Kind {
	case FabricPeer, FabricOrderer:
		if err := hostPort("endpoint", n.Endpoint); err != nil {
			return err
		}
		if n.Operations != "" {
			if _, err := operationsURL(n.Operations); err != nil {
				return err
			}
		}
		if n.Admin != "" {
			if n.Kind != FabricOrderer {
				return fieldErr("admin", "only orderers have an admin endpoint")
			}
			if err := hostPort("admin", n.Admin); err != nil {
				return err
			}
		}
		if n.Address != "" {
			return fieldErr("address", "only EVM validators have a signer address")
		}
	case FiscoSealer, FiscoObserver, FiscoRPC:
		if err := n.validateFisco(); err != nil {
			return err
		}
	case EVMRPC, EVMValidator:
		if err := rpcURL(n.Endpoint); err != nil {
			return err
		}
		if n.Operations != "" || n.Admin != "" {
			return fieldErr("operations", "EVM nodes have no operations or admin endpoint")
		}
		if n.Address != "" && !evmAddress.MatchString(n.Address) {
			return fieldErr("address", "want 0x and 40 hex digits")
		}
		if n.Kind == EVMValidator && n.Address == "" {
			return fieldErr("address", "required for a validator")
		}
	default:
		return fieldErr("kind", "want one of fabric-peer, fabric-orderer, evm-rpc, evm-validator, fisco-sealer, fisco-observer, fisco-rpc")
	}
	if n.Kind.ChainKind() != ledger.KindFisco {
		for _, f := range []struct{ name, v string }{{"nodeId", n.NodeID}, {"group", n.Group}, {"p2p", n.P2P}, {"sdkChannel", n.SDKChannel}} {
			if f.v != "" {
				return fieldErr(f.name, "only FISCO BCOS nodes have a %s", f.name)
			}
		}
	}
	if n.TLSCA != "" {
		if _, err := parseCAs(n.TLSCA); err != nil {
			return err
		}
	}
	if n.ServerName != "" && !hostName.MatchString(n.ServerName) {
		return fieldErr("serverName", "not a host name")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"channel", n.Channel, maxText}, {"version", n.Version, maxText},
		{"contact", n.Contact, maxText}, {"note", n.Note, maxNote},
	} {
		if len(f.v) > f.max {
			return fieldErr(f.name, "longer than %d bytes", f.max)
		}
		if strings.IndexFunc(f.v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
			return fieldErr(f.name, "contains control characters")
		}
	}
	return nil
}

// CheckChain checks n against the chain it names: the kind must match the
// chain's family and a Fabric channel must match the chain's channel.
func (n *Node) CheckChain(c ledger.Chain) error {
	if n.Kind.ChainKind() != c.Kind {
		return fieldErr("kind", "%s node on %s chain %s", n.Kind, c.Kind, c.ID)
	}
	if n.Channel != "" && c.Channel != "" && n.Channel != c.Channel {
		return fieldErr("channel", "chain %s is channel %s", c.ID, c.Channel)
	}
	return nil
}

// validateFisco checks the fields of a FISCO BCOS registration.
func (n *Node) validateFisco() error {
	if err := rpcURL(n.Endpoint); err != nil {
		return err
	}
	switch {
	case n.Operations != "" || n.Admin != "":
		return fieldErr("operations", "FISCO BCOS nodes have no operations or admin endpoint")
	case n.Address != "":
		return fieldErr("address", "FISCO BCOS nodes are identified by nodeId, not an address")
	case n.NodeID == "" && n.Kind != FiscoRPC:
		return fieldErr("nodeId", "required for a %s (the node's 64-byte public key in hex)", n.Kind)
	case n.NodeID != "" && !fiscoNode.MatchString(n.NodeID):
		return fieldErr("nodeId", "want 128 hex digits (the 64-byte public key, without the 04 prefix)")
	case n.Group != "" && !fiscoGroup.MatchString(n.Group):
		return fieldErr("group", "want a 3.x group id (letters, digits, '_', up to 64) or a 2.x group number")
	}
	if n.P2P != "" {
		if err := hostPort("p2p", n.P2P); err != nil {
			return err
		}
	}
	if n.SDKChannel != "" {
		if err := hostPort("sdkChannel", n.SDKChannel); err != nil {
			return err
		}
	}
	return nil
}

func hostPort(field, s string) error {
	if s == "" {
		return fieldErr(field, "required (host:port)")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fieldErr(field, "want host:port")
	}
	if net.ParseIP(host) == nil && !hostName.MatchString(host) {
		return fieldErr(field, "host %q is not an IP address or host name", host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fieldErr(field, "port %q is not 1-65535", port)
	}
	return nil
}

func rpcURL(s string) error {
	if s == "" {
		return fieldErr("endpoint", "required (http(s)://host:port)")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr("endpoint", "want an http:// or https:// JSON-RPC URL")
	}
	if u.User != nil {
		return fieldErr("endpoint", "must not carry credentials")
	}
	if u.Port() != "" {
		return hostPort("endpoint", u.Host)
	}
	if net.ParseIP(u.Hostname()) == nil && !hostName.MatchString(u.Hostname()) {
		return fieldErr("endpoint", "host is not an IP address or host name")
	}
	return nil
}

// operationsURL turns a registered operations endpoint into a base URL;
// host:port means https when the node has a TLS CA, which the prober
// decides, so it is returned without scheme here.
func operationsURL(s string) (*url.URL, error) {
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, fieldErr("operations", "want host:port or an http(s):// URL without credentials")
		}
		return u, hostPort("operations", u.Host)
	}
	if err := hostPort("operations", s); err != nil {
		return nil, err
	}
	return &url.URL{Host: s}, nil
}

// parseCAs parses PEM certificates, SM2 or not.
func parseCAs(s string) ([]*smx509.Certificate, error) {
	if len(s) > maxPEMSize {
		return nil, fieldErr("tlsCA", "longer than %d bytes", maxPEMSize)
	}
	rest := []byte(s)
	var out []*smx509.Certificate
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := smx509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fieldErr("tlsCA", "certificate does not parse")
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fieldErr("tlsCA", "no PEM certificate")
	}
	return out, nil
}

// Revision is one stored state of a node: the node as of a change, who
// made the change and why.
type Revision struct {
	Node
	Rev    uint64    `json:"rev"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Change string    `json:"change"` // register, update or retire
	Reason string    `json:"reason,omitempty"`
}

// Changes recorded in a Revision.
const (
	ChangeRegister = "register"
	ChangeUpdate   = "update"
	ChangeRetire   = "retire"
)
