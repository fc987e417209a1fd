package fabric

import (
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/msp"
	"github.com/hyperledger/fabric-protos-go/orderer"
	"github.com/hyperledger/fabric-protos-go/orderer/etcdraft"
	"github.com/hyperledger/fabric-protos-go/peer"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger"
)

// Orderer types named by ConsensusType.
const (
	OrdererEtcdRaft = "etcdraft"
	OrdererBFT      = "BFT"
)

// maxConfigDepth bounds the nesting of config groups that is walked.
const maxConfigDepth = 16

// decodeConfig converts a channel config tree. Maps of the tree are
// walked in sorted key order so the result is deterministic.
func decodeConfig(c *common.Config) (*ledger.Config, error) {
	cfg := &ledger.Config{Sequence: c.Sequence, Capabilities: map[string][]string{}}
	if c.ChannelGroup == nil {
		return nil, fmt.Errorf("config: %w: no channel group", ErrMalformed)
	}
	w := &configWalk{cfg: cfg}
	if err := w.group("/Channel", "Channel", "", c.ChannelGroup, 0); err != nil {
		return nil, err
	}
	if len(cfg.Capabilities) == 0 {
		cfg.Capabilities = nil
	}
	return cfg, nil
}

// configWalk carries the config being filled while walking the tree.
type configWalk struct {
	cfg       *ledger.Config
	consensus *orderer.ConsensusType
}

// group walks one config group; top is the name of its child of Channel
// (Orderer, Application, Consortiums), empty for Channel itself.
func (w *configWalk) group(path, name, top string, g *common.ConfigGroup, depth int) error {
	if depth > maxConfigDepth {
		return fmt.Errorf("%s: %w: groups nested too deep", path, ErrMalformed)
	}
	var org *ledger.MSP
	if v := g.Values["MSP"]; v != nil {
		m, err := decodeMSP(v.Value)
		if err != nil {
			return fmt.Errorf("%s: value MSP: %w", path, err)
		}
		m.Group, m.Org = top, name
		w.cfg.MSPs = append(w.cfg.MSPs, m)
		org = &w.cfg.MSPs[len(w.cfg.MSPs)-1]
	}
	for _, key := range sortedKeys(g.Values) {
		if key == "MSP" {
			continue
		}
		if err := w.value(name, key, g.Values[key].GetValue(), org); err != nil {
			return fmt.Errorf("%s: value %s: %w", path, key, err)
		}
	}
	for _, key := range sortedKeys(g.Policies) {
		cp := g.Policies[key]
		pol := ledger.Policy{Path: path + "/" + key, ModPolicy: cp.GetModPolicy()}
		if cp.GetPolicy() != nil {
			typ, rule, err := renderPolicy(cp.Policy)
			if err != nil {
				return fmt.Errorf("%s: policy %s: %w", path, key, err)
			}
			pol.Type, pol.Rule, pol.Raw = typ, rule, cp.Policy.Value
		}
		w.cfg.Policies = append(w.cfg.Policies, pol)
	}
	for _, key := range sortedKeys(g.Groups) {
		childTop := top
		if depth == 0 {
			childTop = key
		}
		if err := w.group(path+"/"+key, key, childTop, g.Groups[key], depth+1); err != nil {
			return err
		}
	}
	if depth == 0 && w.consensus != nil {
		return w.consenters()
	}
	return nil
}

// value decodes one config value of group name; org is the MSP defined by
// the same group, if any.
func (w *configWalk) value(name, key string, raw []byte, org *ledger.MSP) error {
	cfg := w.cfg
	switch key {
	case "HashingAlgorithm":
		var v common.HashingAlgorithm
		if err := unmarshal("hashing algorithm", raw, &v); err != nil {
			return err
		}
		cfg.HashingAlgo = v.Name
	case "BlockDataHashingStructure":
		var v common.BlockDataHashingStructure
		if err := unmarshal("block data hashing structure", raw, &v); err != nil {
			return err
		}
		cfg.BlockDataHash = "width=" + strconv.FormatUint(uint64(v.Width), 10)
	case "OrdererAddresses", "Endpoints":
		var v common.OrdererAddresses
		if err := unmarshal("orderer addresses", raw, &v); err != nil {
			return err
		}
		if org != nil && key == "Endpoints" {
			org.Endpoints = v.Addresses
		} else {
			cfg.OrdererAddrs = append(cfg.OrdererAddrs, v.Addresses...)
		}
	case "Capabilities":
		var v common.Capabilities
		if err := unmarshal("capabilities", raw, &v); err != nil {
			return err
		}
		cfg.Capabilities[name] = sortedKeys(v.Capabilities)
	case "AnchorPeers":
		var v peer.AnchorPeers
		if err := unmarshal("anchor peers", raw, &v); err != nil {
			return err
		}
		if org != nil {
			for _, ap := range v.AnchorPeers {
				org.AnchorPeers = append(org.AnchorPeers, hostPort(ap.Host, ap.Port))
			}
		}
	case "ACLs":
		var v peer.ACLs
		if err := unmarshal("acls", raw, &v); err != nil {
			return err
		}
		cfg.ACLs = make(map[string]string, len(v.Acls))
		for res, r := range v.Acls {
			cfg.ACLs[res] = r.GetPolicyRef()
		}
	case "ConsensusType":
		var v orderer.ConsensusType
		if err := unmarshal("consensus type", raw, &v); err != nil {
			return err
		}
		cfg.OrdererType = v.Type
		w.consensus = &v
	case "BatchSize":
		var v orderer.BatchSize
		if err := unmarshal("batch size", raw, &v); err != nil {
			return err
		}
		cfg.Batch.MaxMessageCount, cfg.Batch.AbsoluteMaxBytes, cfg.Batch.PreferredMaxBytes = v.MaxMessageCount, v.AbsoluteMaxBytes, v.PreferredMaxBytes
	case "BatchTimeout":
		var v orderer.BatchTimeout
		if err := unmarshal("batch timeout", raw, &v); err != nil {
			return err
		}
		cfg.Batch.Timeout = v.Timeout
	case "Orderers":
		var v common.Orderers
		if err := unmarshal("orderers", raw, &v); err != nil {
			return err
		}
		for _, c := range v.ConsenterMapping {
			cfg.Consenters = append(cfg.Consenters, ledger.Consenter{
				ID: c.Id, Host: c.Host, Port: c.Port, MSPID: c.MspId,
				Identity: c.Identity, ClientTLS: c.ClientTlsCert, ServerTLS: c.ServerTlsCert,
			})
		}
	}
	return nil
}

// consenters adds the consenters of an etcdraft orderer from the
// ConsensusType metadata. BFT consenters come from the Orderers value.
func (w *configWalk) consenters() error {
	if w.consensus.Type != OrdererEtcdRaft {
		return nil
	}
	var md etcdraft.ConfigMetadata
	if err := unmarshal("/Channel/Orderer: value ConsensusType: etcdraft metadata", w.consensus.Metadata, &md); err != nil {
		return err
	}
	for _, c := range md.Consenters {
		w.cfg.Consenters = append(w.cfg.Consenters, ledger.Consenter{
			Host: c.Host, Port: c.Port, ClientTLS: c.ClientTlsCert, ServerTLS: c.ServerTlsCert,
		})
	}
	return nil
}

// decodeMSP converts a marshalled msp.MSPConfig. Certificates and CRLs
// are converted from PEM to DER.
func decodeMSP(raw []byte) (ledger.MSP, error) {
	var mc msp.MSPConfig
	if err := unmarshal("msp config", raw, &mc); err != nil {
		return ledger.MSP{}, err
	}
	switch mc.Type {
	case 0: // FABRIC
	case 1: // IDEMIX
		var ic msp.IdemixMSPConfig
		if err := unmarshal("idemix msp config", mc.Config, &ic); err != nil {
			return ledger.MSP{}, err
		}
		return ledger.MSP{ID: ic.Name, SigningAlgo: "idemix"}, nil
	default:
		return ledger.MSP{}, fmt.Errorf("msp config: %w: unknown type %d", ErrMalformed, mc.Type)
	}
	var fc msp.FabricMSPConfig
	if err := unmarshal("fabric msp config", mc.Config, &fc); err != nil {
		return ledger.MSP{}, err
	}
	m := ledger.MSP{
		ID:               fc.Name,
		RootCerts:        ders(fc.RootCerts),
		Intermediates:    ders(fc.IntermediateCerts),
		TLSRootCerts:     ders(fc.TlsRootCerts),
		TLSIntermediates: ders(fc.TlsIntermediateCerts),
		Admins:           ders(fc.Admins),
		CRLs:             ders(fc.RevocationList),
	}
	if len(m.RootCerts) > 0 {
		if id, err := ParseCertificate(m.RootCerts[0]); err == nil {
			m.SigningAlgo = id.KeyAlgorithm
		}
	}
	if ou := fc.FabricNodeOus; ou != nil {
		m.NodeOUs = &ledger.NodeOUs{
			Enabled: ou.Enable,
			Client:  ou.GetClientOuIdentifier().GetOrganizationalUnitIdentifier(),
			Peer:    ou.GetPeerOuIdentifier().GetOrganizationalUnitIdentifier(),
			Admin:   ou.GetAdminOuIdentifier().GetOrganizationalUnitIdentifier(),
			Orderer: ou.GetOrdererOuIdentifier().GetOrganizationalUnitIdentifier(),
		}
	}
	return m, nil
}

// ders converts PEM entries to DER, keeping entries that are not PEM.
func ders(in [][]byte) [][]byte {
	if len(in) == 0 {
		return nil
	}
	out := make([][]byte, len(in))
	for i, b := range in {
		out[i] = certDER(b)
	}
	return out
}

// Maintenance reports whether the ordering service of a marshalled
// common.Config (a [ledger.Config] Raw) is in maintenance mode
// (/Channel/Orderer ConsensusType state MAINTENANCE). While it is, the
// orderer holds envelopes to /Channel/Orderer/Writers instead of
// /Channel/Writers and rejects normal transactions. A config that does not
// decode or names no state is in normal mode.
func Maintenance(rawConfig []byte) bool {
	var c common.Config
	if len(rawConfig) == 0 || unmarshal("config", rawConfig, &c) != nil {
		return false
	}
	v := c.GetChannelGroup().GetGroups()["Orderer"].GetValues()["ConsensusType"]
	var ct orderer.ConsensusType
	if v == nil || unmarshal("consensus type", v.Value, &ct) != nil {
		return false
	}
	return ct.State == orderer.ConsensusType_STATE_MAINTENANCE
}

// configBytes returns the exact bytes of the Config field (1) of a
// marshalled common.ConfigEnvelope, or nil when it has none.
func configBytes(env []byte) []byte {
	out, err := bytesField(env, 1)
	if err != nil {
		return nil
	}
	return out
}

// bytesField returns the bytes of field num (length-delimited, the last
// occurrence, as protobuf reads a singular field) of a marshalled
// message without copying or decoding the rest, after checking that the
// message's top-level wire format is sound; nil when the field is absent.
func bytesField(msg []byte, num protowire.Number) ([]byte, error) {
	var out []byte
	for len(msg) > 0 {
		n, typ, k := protowire.ConsumeTag(msg)
		if k < 0 {
			return nil, protowire.ParseError(k)
		}
		msg = msg[k:]
		if n == num && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(msg)
			if m < 0 {
				return nil, protowire.ParseError(m)
			}
			out, msg = v, msg[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(n, typ, msg)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		msg = msg[m:]
	}
	return out, nil
}

// hostPort joins a host and port.
func hostPort(host string, port int32) string {
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
