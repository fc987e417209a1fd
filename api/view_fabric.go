package api

import (
	"sort"

	"github.com/lianjian/lianjian/ledger"
)

// FabricBlockView carries the Fabric-specific parts of a block.
type FabricBlockView struct {
	Channel        string   `json:"channel"`
	LastConfig     uint64   `json:"lastConfig"`
	TxFilter       string   `json:"txFilter,omitempty"`
	CommitHash     string   `json:"commitHash,omitempty"`
	IsConfig       bool     `json:"isConfig"`
	ConsenterIDs   []uint32 `json:"consenterIds,omitempty"`
	OrdererType    string   `json:"ordererType,omitempty"`
	HeaderHashAlgo string   `json:"headerHashAlgo,omitempty"`
}

func fabricBlockView(f *ledger.FabricBlock) *FabricBlockView {
	if f == nil {
		return nil
	}
	return &FabricBlockView{
		Channel: f.Channel, LastConfig: f.LastConfig, TxFilter: bareHex(f.TxFilter),
		CommitHash: bareHex(f.CommitHash), IsConfig: f.IsConfig, ConsenterIDs: f.ConsenterIDs,
		OrdererType: f.OrdererType, HeaderHashAlgo: f.HeaderHashAlgo,
	}
}

// FabricTxView carries the Fabric-specific parts of a transaction.
type FabricTxView struct {
	Channel          string        `json:"channel"`
	HeaderType       string        `json:"headerType"`
	Nonce            string        `json:"nonce,omitempty"`
	ValidationCode   int32         `json:"validationCode"`
	Chaincode        string        `json:"chaincode,omitempty"`
	ChaincodeVersion string        `json:"chaincodeVersion,omitempty"`
	Args             []string      `json:"args,omitempty"` // hex
	RWSets           []RWSetView   `json:"rwsets,omitempty"`
	Events           []EventView   `json:"events,omitempty"`
	Response         *ResponseView `json:"response,omitempty"`
	DecodeError      string        `json:"decodeError,omitempty"` // why the envelope did not fully decode
}

// RWSetView is the read/write set of one chaincode namespace.
type RWSetView struct {
	Namespace   string           `json:"namespace"`
	Reads       []ReadView       `json:"reads,omitempty"`
	Writes      []WriteView      `json:"writes,omitempty"`
	RangeReads  []RangeReadView  `json:"rangeReads,omitempty"`
	MetaWrites  []MetaWriteView  `json:"metaWrites,omitempty"`
	Collections []CollectionView `json:"collections,omitempty"`
}

// ReadView is a key read at a version.
type ReadView struct {
	Key      string `json:"key"`
	BlockNum uint64 `json:"blockNum"`
	TxNum    uint64 `json:"txNum"`
	Missing  bool   `json:"missing,omitempty"`
}

// WriteView is a key write or delete.
type WriteView struct {
	Key      string `json:"key"`
	IsDelete bool   `json:"isDelete,omitempty"`
	Value    string `json:"value,omitempty"` // hex
}

// MetaWriteView replaces the metadata of one key.
type MetaWriteView struct {
	Key     string          `json:"key"`
	Entries []MetaEntryView `json:"entries,omitempty"`
}

// MetaEntryView is one named metadata value of a key.
type MetaEntryView struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"` // hex
}

// RangeReadView is a range query recorded for phantom-read validation.
type RangeReadView struct {
	StartKey     string     `json:"startKey"`
	EndKey       string     `json:"endKey"`
	ItrExhausted bool       `json:"itrExhausted"`
	Keys         []ReadView `json:"keys,omitempty"`
	MerkleHashes []string   `json:"merkleHashes,omitempty"`
	MerkleLevel  uint32     `json:"merkleLevel,omitempty"`
	MerkleDegree uint32     `json:"merkleDegree,omitempty"`
}

// CollectionView is the hashed read/write set of a private data collection.
type CollectionView struct {
	Collection   string            `json:"collection"`
	ReadHashes   []string          `json:"readKeyHashes,omitempty"`
	WriteHashes  []string          `json:"writeKeyHashes,omitempty"`
	PvtRWHash    string            `json:"pvtRwsetHash,omitempty"`
	HashedWrites []HashedWriteView `json:"hashedWrites,omitempty"`
}

// HashedWriteView is a private-data write as recorded on the ledger.
type HashedWriteView struct {
	KeyHash   string `json:"keyHash"`
	ValueHash string `json:"valueHash,omitempty"`
	IsDelete  bool   `json:"isDelete,omitempty"`
	IsPurge   bool   `json:"isPurge,omitempty"`
}

// EventView is a chaincode event.
type EventView struct {
	Chaincode string `json:"chaincode"`
	TxID      string `json:"txId"`
	Name      string `json:"name"`
	Payload   string `json:"payload,omitempty"` // hex
}

// ResponseView is the chaincode response of a proposal.
type ResponseView struct {
	Status  int32  `json:"status"`
	Message string `json:"message,omitempty"`
	Payload string `json:"payload,omitempty"` // hex
}

func readViews(rs []ledger.KVRead) []ReadView {
	var out []ReadView
	for _, r := range rs {
		out = append(out, ReadView{Key: r.Key, BlockNum: r.BlockNum, TxNum: r.TxNum, Missing: r.Missing})
	}
	return out
}

func writeViews(ws []ledger.KVWrite) []WriteView {
	var out []WriteView
	for _, w := range ws {
		out = append(out, WriteView{Key: w.Key, IsDelete: w.IsDelete, Value: bareHex(w.Value)})
	}
	return out
}

func fabricTxView(f *ledger.FabricTx) *FabricTxView {
	if f == nil {
		return nil
	}
	v := &FabricTxView{
		Channel: f.Channel, HeaderType: f.HeaderType, Nonce: bareHex(f.Nonce),
		ValidationCode: f.ValidationCode, Chaincode: f.Chaincode,
		ChaincodeVersion: f.ChaincodeVersion, Args: hexList(true, f.Args),
		DecodeError: f.DecodeError,
	}
	for _, ns := range f.RWSets {
		rw := RWSetView{
			Namespace: ns.Namespace, Reads: readViews(ns.Reads),
			Writes: writeViews(ns.Writes),
		}
		for _, mw := range ns.MetaWrites {
			m := MetaWriteView{Key: mw.Key}
			for _, e := range mw.Entries {
				m.Entries = append(m.Entries, MetaEntryView{Name: e.Name, Value: bareHex(e.Value)})
			}
			rw.MetaWrites = append(rw.MetaWrites, m)
		}
		for _, rr := range ns.RangeReads {
			rw.RangeReads = append(rw.RangeReads, RangeReadView{
				StartKey: rr.StartKey, EndKey: rr.EndKey, ItrExhausted: rr.ItrExhausted,
				Keys: readViews(rr.Keys), MerkleHashes: hexList(true, rr.MerkleHashes),
				MerkleLevel: rr.MerkleLevel, MerkleDegree: rr.MerkleDegree,
			})
		}
		for _, c := range ns.Collections {
			cv := CollectionView{
				Collection: c.Collection, ReadHashes: hexList(true, c.ReadHashes),
				WriteHashes: hexList(true, c.WriteHashes), PvtRWHash: bareHex(c.PvtRWHash),
			}
			for _, hw := range c.HashedWrites {
				cv.HashedWrites = append(cv.HashedWrites, HashedWriteView{
					KeyHash: bareHex(hw.KeyHash), ValueHash: bareHex(hw.ValueHash),
					IsDelete: hw.IsDelete, IsPurge: hw.IsPurge,
				})
			}
			rw.Collections = append(rw.Collections, cv)
		}
		v.RWSets = append(v.RWSets, rw)
	}
	for _, e := range f.Events {
		v.Events = append(v.Events, EventView{Chaincode: e.Chaincode, TxID: e.TxID, Name: e.Name, Payload: bareHex(e.Payload)})
	}
	if f.Response != nil {
		v.Response = &ResponseView{Status: f.Response.Status, Message: f.Response.Message, Payload: bareHex(f.Response.Payload)}
	}
	return v
}

// ConfigView is a Fabric channel configuration carried by a CONFIG block.
type ConfigView struct {
	Channel       string              `json:"channel"`
	Height        uint64              `json:"height"`
	Sequence      uint64              `json:"sequence"`
	Time          string              `json:"time"`
	HashingAlgo   string              `json:"hashingAlgorithm"`
	BlockDataHash string              `json:"blockDataHashingStructure,omitempty"`
	Capabilities  map[string][]string `json:"capabilities"`
	OrdererType   string              `json:"ordererType"`
	Consenters    []ConsenterView     `json:"consenters,omitempty"`
	Batch         BatchView           `json:"batch"`
	MSPs          []MSPView           `json:"msps"`
	Policies      []PolicyView        `json:"policies"`
	ACLs          map[string]string   `json:"acls,omitempty"`
	OrdererAddrs  []string            `json:"ordererAddresses,omitempty"`
	Raw           string              `json:"raw,omitempty"` // only with ?raw=1
}

// ConsenterView is one ordering node in the consensus set.
type ConsenterView struct {
	ID       uint32 `json:"id,omitempty"`
	Host     string `json:"host"`
	Port     uint32 `json:"port"`
	MSPID    string `json:"mspId,omitempty"`
	Identity string `json:"identity,omitempty"` // PEM
}

// BatchView holds the orderer's block-cutting settings.
type BatchView struct {
	Timeout           string `json:"timeout"`
	MaxMessageCount   uint32 `json:"maxMessageCount"`
	AbsoluteMaxBytes  uint32 `json:"absoluteMaxBytes"`
	PreferredMaxBytes uint32 `json:"preferredMaxBytes"`
}

// MSPView is one membership service provider with its trust anchors as PEM.
type MSPView struct {
	ID               string   `json:"id"`
	Group            string   `json:"group"`
	Org              string   `json:"org"`
	SigningAlgo      string   `json:"signingAlgorithm,omitempty"`
	RootCerts        []string `json:"rootCerts"`
	Intermediates    []string `json:"intermediateCerts,omitempty"`
	TLSRootCerts     []string `json:"tlsRootCerts,omitempty"`
	TLSIntermediates []string `json:"tlsIntermediateCerts,omitempty"`
	Admins           []string `json:"admins,omitempty"`
	CRLs             []string `json:"crls,omitempty"`
	NodeOUs          bool     `json:"nodeOUs"`
	AnchorPeers      []string `json:"anchorPeers,omitempty"`
	Endpoints        []string `json:"endpoints,omitempty"`
}

// PolicyView is a named policy in the config tree.
type PolicyView struct {
	Path      string `json:"path"`
	Type      string `json:"type"`
	Rule      string `json:"rule"`
	ModPolicy string `json:"modPolicy,omitempty"`
}

func configView(c *ledger.Config, raw bool) *ConfigView {
	if c == nil {
		return nil
	}
	v := &ConfigView{
		Channel: c.Channel, Height: c.Height, Sequence: c.Sequence, Time: timeText(c.Time),
		HashingAlgo: c.HashingAlgo, BlockDataHash: c.BlockDataHash, Capabilities: c.Capabilities,
		OrdererType: c.OrdererType, ACLs: c.ACLs, OrdererAddrs: c.OrdererAddrs,
		Batch: BatchView{
			Timeout: c.Batch.Timeout, MaxMessageCount: c.Batch.MaxMessageCount,
			AbsoluteMaxBytes: c.Batch.AbsoluteMaxBytes, PreferredMaxBytes: c.Batch.PreferredMaxBytes,
		},
		MSPs:     make([]MSPView, 0, len(c.MSPs)),
		Policies: make([]PolicyView, 0, len(c.Policies)),
	}
	for _, cs := range c.Consenters {
		v.Consenters = append(v.Consenters, ConsenterView{
			ID: cs.ID, Host: cs.Host, Port: cs.Port, MSPID: cs.MSPID, Identity: pemText(cs.Identity, pemCert),
		})
	}
	for _, m := range c.MSPs {
		roots := pemList(m.RootCerts, pemCert)
		if roots == nil {
			roots = []string{}
		}
		v.MSPs = append(v.MSPs, MSPView{
			ID: m.ID, Group: m.Group, Org: m.Org, SigningAlgo: m.SigningAlgo,
			RootCerts: roots, Intermediates: pemList(m.Intermediates, pemCert),
			TLSRootCerts: pemList(m.TLSRootCerts, pemCert), TLSIntermediates: pemList(m.TLSIntermediates, pemCert),
			Admins: pemList(m.Admins, pemCert), CRLs: pemList(m.CRLs, pemCRL), NodeOUs: m.NodeOUs != nil && m.NodeOUs.Enabled,
			AnchorPeers: m.AnchorPeers, Endpoints: m.Endpoints,
		})
	}
	for _, p := range c.Policies {
		v.Policies = append(v.Policies, PolicyView{Path: p.Path, Type: p.Type, Rule: p.Rule, ModPolicy: p.ModPolicy})
	}
	sort.Slice(v.Policies, func(i, j int) bool { return v.Policies[i].Path < v.Policies[j].Path })
	if raw {
		v.Raw = bareHex(c.Raw)
	}
	return v
}
