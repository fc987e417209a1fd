package fabric

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go/common"

	"github.com/lianjian/lianjian/ledger"
)

// sm3ConfigBlock is a CONFIG block whose channel config names SM3.
func sm3ConfigBlock(t *testing.T) []byte {
	t.Helper()
	cfg := &common.Config{Sequence: 1, ChannelGroup: &common.ConfigGroup{
		Values: map[string]*common.ConfigValue{
			"HashingAlgorithm": {Value: marshal(t, &common.HashingAlgorithm{Name: "SM3"})},
		},
	}}
	ch := marshal(t, &common.ChannelHeader{Type: int32(common.HeaderType_CONFIG), ChannelId: "gm"})
	env := marshal(t, &common.Envelope{Payload: marshal(t, &common.Payload{
		Header: &common.Header{ChannelHeader: ch},
		Data:   marshal(t, &common.ConfigEnvelope{Config: cfg}),
	})})
	return synthBlock(t, nil, env)
}

func TestChannelDecoderFollowsHashingAlgorithm(t *testing.T) {
	raw := sm3ConfigBlock(t)
	cd, err := NewChannelDecoder("gm", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Algorithm() != SHA256 {
		t.Fatalf("Algorithm() = %s before any config, want SHA256", cd.Algorithm())
	}
	b, err := cd.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	sm3Dec, _ := NewDecoder(Config{HashAlgorithm: SM3})
	want := sm3Dec.HeaderHash(b.Height, b.ParentHash, b.DataHash)
	if cd.Algorithm() != SM3 || !bytes.Equal(b.Hash, want) || b.Fabric.HeaderHashAlgo != SM3 {
		t.Errorf("after an SM3 config: algorithm %s, hash %x (%s), want SM3 hash %x", cd.Algorithm(), b.Hash, b.Fabric.HeaderHashAlgo, want)
	}
	// Upstream fixtures name SHA256 and keep it.
	up, err := NewChannelDecoder("up", "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"fabric-2.5.9/peer/mychannel_0.block", "fabric-gm-sm2/peer/mychannel_0.block"} {
		b, err := up.Decode(readFixture(t, rel))
		if err != nil || up.Algorithm() != SHA256 || b.Config == nil {
			t.Errorf("Decode(%s) = %v, algorithm %s", rel, err, up.Algorithm())
		}
	}
}

func TestNewChannelDecoderAlgorithms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", SHA256}, {"SHA256", SHA256}, {"sha-256", SHA256}, {"SHA2", SHA256},
		{"SM3", SM3}, {"sm3", SM3}, {"GMSM3", SM3}, {"SHA3_256", SHA256},
	}
	for _, tc := range tests {
		cd, err := NewChannelDecoder("c", tc.in, true)
		if err != nil || cd.Algorithm() != tc.want {
			t.Errorf("NewChannelDecoder(%q).Algorithm() = %v, %v; want %s", tc.in, cd, err, tc.want)
		}
	}
}

func TestChannelDecoderNamesBFTSigners(t *testing.T) {
	pemCert := readFixture(t, "fabric-2.5.9/crypto/ordererOrganizations/example.com/orderers/orderer.example.com/msp/signcerts/orderer.example.com-cert.pem")
	cd, err := NewChannelDecoder("bft", "", false)
	if err != nil {
		t.Fatal(err)
	}
	raw := synthBlock(t, nil, synthEndorserTx(t)) // signed by consenters 2 and 4
	b, err := cd.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b.Signatures[0].Signer.MSPID != "" {
		t.Fatalf("signer without a config = %+v, want anonymous", b.Signatures[0].Signer)
	}
	cfg := &ledger.Config{Consenters: []ledger.Consenter{{ID: 2, MSPID: "OrdererMSP", Identity: pemCert}}}
	if err := cd.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if b, err = cd.Decode(raw); err != nil {
		t.Fatal(err)
	}
	s2, s4 := b.Signatures[0], b.Signatures[1]
	if s2.Signer.MSPID != "OrdererMSP" || !strings.Contains(s2.Signer.Subject, "orderer.example.com") || s2.Algorithm != "ECDSA-P256-SHA256" {
		t.Errorf("consenter 2 signature = %+v, want the orderer's certificate", s2)
	}
	if s4.Signer.MSPID != "" || s4.Signer.Fingerprint != "" {
		t.Errorf("consenter 4 (not in the mapping) = %+v, want anonymous", s4.Signer)
	}
}
