package fabnet

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"
)

// Consensus types for the orderer.
const (
	EtcdRaft = "etcdraft" // Raft, both versions
	BFT      = "BFT"      // SmartBFT, Fabric 3.x only
)

// Default option values.
const (
	DefaultChannel   = "lianjian"
	DefaultChaincode = "kvcc"
)

// Default batch sizes of the orderer, as in Fabric's sample configtx.yaml.
const (
	DefaultPreferredMaxBytes = 2 << 20  // 2 MiB
	DefaultAbsoluteMaxBytes  = 10 << 20 // 10 MiB
)

// MaxAbsoluteMaxBytes bounds Options.AbsoluteMaxBytes. A block is its
// batch plus a header and metadata, and it travels whole in one gRPC
// message (orderer deliver to the peers, qscc GetBlockByNumber to
// clients), which the sample core.yaml and orderer.yaml cap at 100 MiB;
// 99 MiB leaves room for the envelope around the block.
const MaxAbsoluteMaxBytes = 99 << 20

// MaxOrderers bounds Options.Orderers: enough for Raft with f=3 or BFT
// with f=2, few enough for a test machine.
const MaxOrderers = 7

// TLSOptions selects transport security. The zero value means TLS on for
// every node, without client authentication.
type TLSOptions struct {
	// Disabled turns TLS off for peers, the orderer and clients. The orderer's
	// cluster and admin listeners keep TLS, as Fabric requires.
	Disabled bool `json:"disabled"`
	// PeerClientAuth makes peers require a client certificate.
	PeerClientAuth bool `json:"peerClientAuth"`
	// OrdererClientAuth makes the orderers require a client certificate.
	OrdererClientAuth bool `json:"ordererClientAuth"`
	// OperationsClientAuth serves every node's operations endpoint (peers
	// and orderers) over TLS, with the node's TLS server certificate, and
	// requires a client certificate issued by the node's own organisation's
	// TLS CA (operations.tls.clientAuthRequired). The org admin's TLS
	// client certificate is accepted; PeerInfo and OrdererInfo name it.
	OperationsClientAuth bool `json:"operationsClientAuth"`
}

// Options configures Start.
type Options struct {
	// Dir holds all state: crypto, config, ledgers and logs. Required; it
	// must not exist yet or be empty.
	Dir string
	// Version is the Fabric version, V2_5_9 (default) or V3_1_1.
	Version string
	// Consensus is EtcdRaft (default) or BFT (V3_1_1 only).
	Consensus string
	// Orderers is the number of orderer nodes (default 1, at most
	// MaxOrderers). All of them are consenters of the channel, listed in
	// its orderer endpoints, and joined to it with osnadmin.
	Orderers int
	// Channel is the application channel name (default DefaultChannel).
	Channel string
	// TLS selects transport security.
	TLS TLSOptions
	// BatchTimeout is the orderer's block cutting timeout (default 1s).
	BatchTimeout time.Duration
	// MaxMessageCount is the most transactions per block (default 10).
	MaxMessageCount int
	// PreferredMaxBytes is the orderer's BatchSize.PreferredMaxBytes
	// (default DefaultPreferredMaxBytes): a block is cut before the
	// serialised transactions in it would exceed it, and a transaction
	// larger than it gets a block of its own.
	PreferredMaxBytes int
	// AbsoluteMaxBytes is the orderer's BatchSize.AbsoluteMaxBytes
	// (default DefaultAbsoluteMaxBytes; not below PreferredMaxBytes,
	// not above MaxAbsoluteMaxBytes): the orderer refuses a larger transaction.
	AbsoluteMaxBytes int
	// Bin is a bin dir from Build; when empty Start calls Build.
	Bin Bin
	// Logger receives progress messages (default: discard).
	Logger *slog.Logger
	// ReadyTimeout bounds each wait for a node or the chaincode (default 60s).
	ReadyTimeout time.Duration
}

// withDefaults returns o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.Version == "" {
		o.Version = V2_5_9
	}
	if o.Consensus == "" {
		o.Consensus = EtcdRaft
	}
	if o.Orderers == 0 {
		o.Orderers = 1
	}
	if o.Channel == "" {
		o.Channel = DefaultChannel
	}
	if o.BatchTimeout == 0 {
		o.BatchTimeout = time.Second
	}
	if o.MaxMessageCount == 0 {
		o.MaxMessageCount = 10
	}
	if o.PreferredMaxBytes == 0 {
		o.PreferredMaxBytes = DefaultPreferredMaxBytes
	}
	if o.AbsoluteMaxBytes == 0 {
		o.AbsoluteMaxBytes = DefaultAbsoluteMaxBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	if o.Dir != "" {
		if abs, err := filepath.Abs(o.Dir); err == nil {
			o.Dir = abs
		}
	}
	return o
}

// Validate reports whether the options (after defaults) describe a network
// this package can start.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case o.Dir == "":
		return fmt.Errorf("%w: Dir is required", ErrBadOptions)
	case o.Version != V2_5_9 && o.Version != V3_1_1:
		return fmt.Errorf("%w: %w: %q", ErrBadOptions, ErrUnknownVersion, o.Version)
	case o.Consensus != EtcdRaft && o.Consensus != BFT:
		return fmt.Errorf("%w: consensus %q", ErrBadOptions, o.Consensus)
	case o.Consensus == BFT && o.Version == V2_5_9:
		return fmt.Errorf("%w: BFT needs Fabric 3.x", ErrBadOptions)
	case !validChannel(o.Channel):
		return fmt.Errorf("%w: channel name %q", ErrBadOptions, o.Channel)
	case o.TLS.Disabled && (o.TLS.PeerClientAuth || o.TLS.OrdererClientAuth):
		return fmt.Errorf("%w: client auth needs TLS", ErrBadOptions)
	case o.TLS.Disabled && o.TLS.OperationsClientAuth:
		return fmt.Errorf("%w: operations client auth needs TLS", ErrBadOptions)
	case o.Orderers < 0 || o.Orderers > MaxOrderers:
		return fmt.Errorf("%w: %d orderers, want 1 to %d", ErrBadOptions, o.Orderers, MaxOrderers)
	case o.BatchTimeout < 0 || o.MaxMessageCount < 0 || o.ReadyTimeout < 0:
		return fmt.Errorf("%w: negative duration or count", ErrBadOptions)
	case o.PreferredMaxBytes < 0 || o.AbsoluteMaxBytes < 0:
		return fmt.Errorf("%w: negative batch size", ErrBadOptions)
	case o.PreferredMaxBytes > o.AbsoluteMaxBytes:
		return fmt.Errorf("%w: PreferredMaxBytes %d above AbsoluteMaxBytes %d", ErrBadOptions, o.PreferredMaxBytes, o.AbsoluteMaxBytes)
	case o.AbsoluteMaxBytes > MaxAbsoluteMaxBytes:
		return fmt.Errorf("%w: AbsoluteMaxBytes %d above %d (the nodes' 100 MiB gRPC message limit)", ErrBadOptions, o.AbsoluteMaxBytes, MaxAbsoluteMaxBytes)
	}
	return nil
}

// validChannel applies Fabric's channel name rule: [a-z][a-z0-9.-]*, < 250.
func validChannel(s string) bool {
	if s == "" || len(s) >= 250 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			return false
		}
	}
	return true
}
