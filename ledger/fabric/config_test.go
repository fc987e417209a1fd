package fabric

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/orderer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// TestConfigFixtures pins the channel configs carried by the fixtures.
func TestConfigFixtures(t *testing.T) {
	tests := []struct {
		file         string
		channel      string
		sequence     uint64
		timeout      string
		msps         string // id/group/org/signing algorithm
		consenters   string
		capabilities string
		anchorPeers  string // of Org1MSP
		endpoints    string // of OrdererMSP
		configSigs   string // roles and MSPs of the CONFIG tx signatures
	}{
		{"fabric-2.5.9/peer/mychannel_0.block", "mychannel", 0, "1s",
			"Org1MSP/Application/Org1MSP/ECDSA-P256,OrdererMSP/Orderer/OrdererOrg/ECDSA-P256", "127.0.0.1:7050",
			"Application=V2_5 Channel=V2_0 Orderer=V2_0", "127.0.0.1:7051", "127.0.0.1:7050", ""},
		{"fabric-2.5.9/orderer/mychannel_0.block", "mychannel", 0, "1s",
			"Org1MSP/Application/Org1MSP/ECDSA-P256,OrdererMSP/Orderer/OrdererOrg/ECDSA-P256", "127.0.0.1:7050",
			"Application=V2_5 Channel=V2_0 Orderer=V2_0", "127.0.0.1:7051", "127.0.0.1:7050", ""},
		{"fabric-2.5.9/peer/mychannel_11.block", "mychannel", 1, "2s",
			"Org1MSP/Application/Org1MSP/ECDSA-P256,OrdererMSP/Orderer/OrdererOrg/ECDSA-P256", "127.0.0.1:7050",
			"Application=V2_5 Channel=V2_0 Orderer=V2_0", "127.0.0.1:7051", "127.0.0.1:7050",
			"creator/OrdererMSP,config-submitter/OrdererMSP,config-update/OrdererMSP"},
		{"fabric-gm-sm2/peer/mychannel_0.block", "mychannel", 1, "1s",
			"Org1MSP/Application/Org1MSP/SM2,OrdererMSP/Orderer/OrdererOrg/SM2", "127.0.0.1:6050",
			"Application=V2_0 Channel=V2_0 Orderer=V2_0", "", "127.0.0.1:6050",
			"creator/OrdererMSP,config-submitter/Org1MSP,config-update/Org1MSP"},
		{"fabric-gm-sm2/orderer/gm_mychannel_0.block", "mychannel", 1, "1s",
			"Org1MSP/Application/Org1MSP/SM2,OrdererMSP/Orderer/OrdererOrg/SM2", "127.0.0.1:6050",
			"Application=V2_0 Channel=V2_0 Orderer=V2_0", "", "127.0.0.1:6050",
			"creator/OrdererMSP,config-submitter/Org1MSP,config-update/Org1MSP"},
		{"fabric-gm-sm2/orderer/system-channel_0.block", "system-channel", 0, "1s",
			"Org1MSP/Consortiums/Org1MSP/SM2,OrdererMSP/Orderer/OrdererOrg/SM2", "127.0.0.1:6050",
			"Channel=V2_0 Orderer=V2_0", "", "127.0.0.1:6050", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := decodeFixture(t, tt.file)
			c := b.Config
			if c == nil {
				t.Fatalf("Block(%s).Config = nil", tt.file)
			}
			var msps, consenters, caps, anchors, endpoints, sigs []string
			for _, m := range c.MSPs {
				msps = append(msps, m.ID+"/"+m.Group+"/"+m.Org+"/"+m.SigningAlgo)
				if len(m.RootCerts) != 1 || len(m.TLSRootCerts) != 1 || m.NodeOUs == nil || !m.NodeOUs.Enabled {
					t.Errorf("MSP %s: %d root certs, %d TLS roots, NodeOUs %+v", m.ID, len(m.RootCerts), len(m.TLSRootCerts), m.NodeOUs)
				}
				if id, err := ParseCertificate(m.RootCerts[0]); err != nil || id.Subject == "" {
					t.Errorf("MSP %s root certificate: %v", m.ID, err)
				}
				if m.ID == "Org1MSP" {
					anchors = m.AnchorPeers
				}
				if m.ID == "OrdererMSP" {
					endpoints = m.Endpoints
				}
			}
			for _, cs := range c.Consenters {
				consenters = append(consenters, hostPort(cs.Host, int32(cs.Port)))
				if len(cs.ClientTLS) == 0 || len(cs.ServerTLS) == 0 {
					t.Errorf("consenter %s:%d has no TLS certificates", cs.Host, cs.Port)
				}
			}
			for _, g := range sortedKeys(c.Capabilities) {
				caps = append(caps, g+"="+strings.Join(c.Capabilities[g], "+"))
			}
			for _, s := range b.Txs[0].Sigs {
				sigs = append(sigs, s.Role+"/"+s.Signer.MSPID)
			}
			for _, f := range []struct{ name, have, want string }{
				{"Channel", c.Channel, tt.channel},
				{"HashingAlgo", c.HashingAlgo, "SHA256"},
				{"BlockDataHash", c.BlockDataHash, "width=4294967295"},
				{"OrdererType", c.OrdererType, OrdererEtcdRaft},
				{"Batch.Timeout", c.Batch.Timeout, tt.timeout},
				{"MSPs", strings.Join(msps, ","), tt.msps},
				{"Consenters", strings.Join(consenters, ","), tt.consenters},
				{"Capabilities", strings.Join(caps, " "), tt.capabilities},
				{"Org1MSP anchor peers", strings.Join(anchors, ","), tt.anchorPeers},
				{"OrdererMSP endpoints", strings.Join(endpoints, ","), tt.endpoints},
				{"config tx signatures", strings.Join(sigs, ","), tt.configSigs},
				{"Fabric.OrdererType", b.Fabric.OrdererType, OrdererEtcdRaft},
			} {
				if f.have != f.want {
					t.Errorf("Block(%s) Config %s = %q, want %q", tt.file, f.name, f.have, f.want)
				}
			}
			if c.Sequence != tt.sequence || c.Height != b.Height {
				t.Errorf("Config sequence %d height %d, want %d %d", c.Sequence, c.Height, tt.sequence, b.Height)
			}
			if c.Batch.MaxMessageCount != 10 || c.Batch.AbsoluteMaxBytes != 99*1024*1024 || c.Batch.PreferredMaxBytes != 512*1024 {
				t.Errorf("Config Batch = %+v", c.Batch)
			}
			var cfg common.Config
			if err := proto.Unmarshal(c.Raw, protoadapt.MessageV2Of(&cfg)); err != nil || cfg.Sequence != c.Sequence {
				t.Errorf("Config.Raw does not hold the common.Config: %v", err)
			}
		})
	}
}

// TestConfigPolicies pins rendered policies and ACLs of the 2.5.9
// genesis config.
func TestConfigPolicies(t *testing.T) {
	c := decodeFixture(t, "fabric-2.5.9/peer/mychannel_0.block").Config
	policies := map[string]string{}
	for _, p := range c.Policies {
		policies[p.Path] = p.Type + " " + p.Rule
		if len(p.Raw) == 0 || p.ModPolicy != "Admins" {
			t.Errorf("Policy %s: raw %d bytes, mod policy %q", p.Path, len(p.Raw), p.ModPolicy)
		}
	}
	for path, want := range map[string]string{
		"/Channel/Admins":                           "ImplicitMeta MAJORITY Admins",
		"/Channel/Application/Endorsement":          "ImplicitMeta MAJORITY Endorsement",
		"/Channel/Application/LifecycleEndorsement": "ImplicitMeta MAJORITY Endorsement",
		"/Channel/Orderer/BlockValidation":          "ImplicitMeta ANY Writers",
		"/Channel/Application/Org1MSP/Endorsement":  "Signature OR('Org1MSP.peer')",
		"/Channel/Application/Org1MSP/Readers":      "Signature OR('Org1MSP.admin', 'Org1MSP.peer', 'Org1MSP.client')",
		"/Channel/Orderer/OrdererOrg/Writers":       "Signature OR('OrdererMSP.member')",
	} {
		if policies[path] != want {
			t.Errorf("Policy(%s) = %q, want %q", path, policies[path], want)
		}
	}
	if len(c.Policies) != 19 {
		t.Errorf("%d policies, want 19", len(c.Policies))
	}
	if len(c.ACLs) != 0 {
		t.Errorf("ACLs = %v, the fixture defines none", c.ACLs)
	}
	if !slices.Equal(c.OrdererAddrs, []string{"127.0.0.1:7050"}) {
		t.Errorf("OrdererAddrs = %v", c.OrdererAddrs)
	}
}

// TestLifecycleFixtures pins the kvcc definition committed in block 2 of
// both networks, and that approvals and invocations define nothing.
func TestLifecycleFixtures(t *testing.T) {
	tests := []struct {
		file      string
		contracts int
	}{
		{"fabric-2.5.9/peer/mychannel_1.block", 0},
		{"fabric-2.5.9/peer/mychannel_2.block", 1},
		{"fabric-2.5.9/orderer/mychannel_2.block", 1},
		{"fabric-2.5.9/peer/mychannel_3.block", 0},
		{"fabric-gm-sm2/peer/mychannel_1.block", 0},
		{"fabric-gm-sm2/peer/mychannel_2.block", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := decodeFixture(t, tt.file)
			if len(b.Contracts) != tt.contracts {
				t.Fatalf("Block(%s) has %d contracts, want %d", tt.file, len(b.Contracts), tt.contracts)
			}
			for _, c := range b.Contracts {
				if c.Address != "kvcc" || c.Sequence != 1 || c.Version != "1.0" ||
					c.Policy != "/Channel/Application/Endorsement" || c.Creator != "Org1MSP" ||
					c.DeployTx != b.Txs[0].ID || c.Height != 2 || len(c.Collections) != 0 || !c.Time.Equal(b.Txs[0].Time) {
					t.Errorf("Block(%s) contract = %+v", tt.file, c)
				}
			}
		})
	}
}

// TestRWSetFixtures pins read/write sets, events and private hashes.
func TestRWSetFixtures(t *testing.T) {
	t.Run("put", func(t *testing.T) {
		tx := decodeFixture(t, "fabric-2.5.9/peer/mychannel_3.block").Txs[0]
		ns := tx.Fabric.RWSets
		if len(ns) != 2 || ns[0].Namespace != "_lifecycle" || ns[1].Namespace != "kvcc" {
			t.Fatalf("namespaces = %+v", ns)
		}
		if r := ns[0].Reads; len(r) != 1 || r[0].Key != "namespaces/fields/kvcc/Sequence" || r[0].BlockNum != 2 || r[0].Missing {
			t.Errorf("_lifecycle reads = %+v", r)
		}
		if w := ns[1].Writes; len(w) != 1 || w[0].Key != "k1" || string(w[0].Value) != "v1" || w[0].IsDelete {
			t.Errorf("kvcc writes = %+v", w)
		}
		if ev := tx.Fabric.Events; len(ev) != 1 || ev[0].Name != "put" || ev[0].Chaincode != "kvcc" || ev[0].TxID != tx.ID || string(ev[0].Payload) != "k1" {
			t.Errorf("events = %+v", ev)
		}
		if r := tx.Fabric.Response; r == nil || r.Status != 200 || string(r.Payload) != "v1" {
			t.Errorf("response = %+v", r)
		}
		if tx.Function != "put" || len(tx.Fabric.Args) != 2 || string(tx.Fabric.Args[0]) != "k1" || tx.Fabric.ChaincodeVersion != "1.0" {
			t.Errorf("invocation = %s %q version %s", tx.Function, tx.Fabric.Args, tx.Fabric.ChaincodeVersion)
		}
		if len(tx.Fabric.Nonce) != 24 {
			t.Errorf("nonce = %x", tx.Fabric.Nonce)
		}
	})
	t.Run("delete", func(t *testing.T) {
		ns := decodeFixture(t, "fabric-2.5.9/peer/mychannel_8.block").Txs[0].Fabric.RWSets
		if w := ns[len(ns)-1].Writes; len(w) != 1 || w[0].Key != "k1" || !w[0].IsDelete {
			t.Errorf("kvcc writes = %+v", w)
		}
	})
	t.Run("mvcc", func(t *testing.T) {
		for i, tx := range decodeFixture(t, "fabric-2.5.9/peer/mychannel_10.block").Txs {
			r := tx.Fabric.RWSets[1].Reads
			if len(r) != 1 || r[0].Key != "ctr" || !r[0].Missing {
				t.Errorf("Tx(%d) kvcc reads = %+v", i, r)
			}
		}
	})
	t.Run("approve", func(t *testing.T) {
		ns := decodeFixture(t, "fabric-2.5.9/peer/mychannel_1.block").Txs[0].Fabric.RWSets
		var coll []string
		for _, n := range ns {
			for _, c := range n.Collections {
				coll = append(coll, c.Collection)
				if len(c.WriteHashes) == 0 || len(c.HashedWrites) != len(c.WriteHashes) || len(c.PvtRWHash) != 32 {
					t.Errorf("collection %s: %d write hashes, %d hashed writes, pvt hash %x", c.Collection, len(c.WriteHashes), len(c.HashedWrites), c.PvtRWHash)
				}
				for _, w := range c.HashedWrites {
					if len(w.KeyHash) != 32 || (!w.IsDelete && len(w.ValueHash) != 32) || !bytes.Equal(w.KeyHash, c.WriteHashes[0]) && w.KeyHash == nil {
						t.Errorf("hashed write %+v", w)
					}
				}
			}
		}
		if !slices.Equal(coll, []string{"_implicit_org_Org1MSP"}) {
			t.Errorf("collections = %v", coll)
		}
	})
}

// TestMaintenance reads the ordering service's consensus state from real
// configs (normal) and from the same config switched to maintenance.
func TestMaintenance(t *testing.T) {
	c := decodeFixture(t, "fabric-2.5.9/peer/mychannel_11.block").Config
	if Maintenance(c.Raw) {
		t.Error("Maintenance(fixture config) = true, want false")
	}
	var cfg common.Config
	if err := proto.Unmarshal(c.Raw, protoadapt.MessageV2Of(&cfg)); err != nil {
		t.Fatal(err)
	}
	v := cfg.ChannelGroup.Groups["Orderer"].Values["ConsensusType"]
	var ct orderer.ConsensusType
	if err := proto.Unmarshal(v.Value, protoadapt.MessageV2Of(&ct)); err != nil {
		t.Fatal(err)
	}
	ct.State = orderer.ConsensusType_STATE_MAINTENANCE
	v.Value = marshal(t, &ct)
	for _, tt := range []struct {
		name string
		raw  []byte
		want bool
	}{
		{"maintenance", marshal(t, &cfg), true},
		{"no config", nil, false},
		{"garbage", []byte{0xff, 0xff}, false},
	} {
		if got := Maintenance(tt.raw); got != tt.want {
			t.Errorf("Maintenance(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
