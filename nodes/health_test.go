package nodes

import (
	"context"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

func bftBlock(h uint64, at time.Time, signers ...uint32) *ledger.Block {
	b := &ledger.Block{Height: h, Time: at, Fabric: &ledger.FabricBlock{OrdererType: "BFT"}}
	for _, id := range signers {
		b.Signatures = append(b.Signatures, ledger.Signature{Role: "orderer", Signer: ledger.Identity{MSPID: "OrdererMSP"}})
		b.Fabric.ConsenterIDs = append(b.Fabric.ConsenterIDs, id)
	}
	return b
}

func TestFabricHealth(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	chain := &fakeChain{blocks: []*ledger.Block{
		bftBlock(0, t0), // genesis: unsigned by design
		bftBlock(1, t0.Add(time.Minute), 1, 2, 3),         // quorum of 4 is 3
		bftBlock(2, t0.Add(2*time.Minute), 1, 2),          // below quorum
		bftBlock(3, t0.Add(3*time.Minute), 2, 3, 1, 1, 1), // duplicates count once
	}}
	expired := t0.Add(90 * time.Second)
	chain.ids = []*record.FabricIdentity{
		{Identity: ledger.Identity{MSPID: "Org1MSP", Fingerprint: "aa", Subject: "CN=peer0", NotAfter: expired}, LastHeight: 3, Endorsed: 2},
		{Identity: ledger.Identity{MSPID: "Org1MSP", Fingerprint: "ab", Subject: "CN=user1"}, LastHeight: 3, Created: 2},
		{Identity: ledger.Identity{MSPID: "Org2MSP", Fingerprint: "bb", Subject: "CN=user1"}, LastHeight: 1, Created: 1},
		{Identity: ledger.Identity{MSPID: "EvilMSP", Fingerprint: "cc", Subject: "CN=mallory"}, LastHeight: 2, Created: 1},
		{Identity: ledger.Identity{MSPID: "OrdererMSP", Fingerprint: "dd", Subject: "CN=orderer"}, LastHeight: 3, BlocksSigned: 3},
	}
	cfg := &ledger.Config{Channel: "ch", OrdererType: "BFT", MSPs: []ledger.MSP{{ID: "OrdererMSP"}, {ID: "Org1MSP"}, {ID: "Org2MSP"}}}
	for i := range 4 {
		cfg.Consenters = append(cfg.Consenters, ledger.Consenter{ID: uint32(i + 1), MSPID: "OrdererMSP"})
	}
	nodes := []Node{peer("p1"), {ID: "o1", Chain: "fab", Org: "OrdererMSP", Kind: FabricOrderer, Endpoint: "127.0.0.1:7050"}}
	fs, err := FabricHealth(context.Background(), chain, ledger.Chain{ID: "fab", Kind: ledger.KindFabric}, []*ledger.Config{cfg}, nodes, 100, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		RuleMissingSig.ID:      "2",
		RuleConsenterSilent.ID: "consenter:4",
		RuleUnknownMSP.ID:      "cc",
		RuleUnregisteredOrg.ID: "Org2MSP:creator", // Org1 has a peer, OrdererMSP an orderer
		RuleSignsExpired.ID:    "aa",
	}
	got := map[string]string{}
	for _, f := range fs {
		if _, dup := got[f.Rule]; dup {
			t.Errorf("FabricHealth raised %s twice", f.Rule)
		}
		got[f.Rule] = f.Subject.Ref
	}
	for rule, ref := range want {
		if got[rule] != ref {
			t.Errorf("FabricHealth %s subject = %q, want %q (all: %v)", rule, got[rule], ref, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("FabricHealth rules = %v, want exactly %v", got, want)
	}
	p, err := BlockParticipation(context.Background(), chain, "fab", cfg.Consenters, true, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Signers {
		if s.ConsenterID == 1 && (s.Signed != 3 || s.Missed != 1 || s.LastHeight != 3) {
			t.Errorf("consenter 1 = %+v, want 3 signed, 1 missed (genesis), last 3", s)
		}
	}
}
