package fabric

import (
	"slices"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

func TestDiffConfigsFixture(t *testing.T) {
	a := decodeFixture(t, "fabric-2.5.9/peer/mychannel_0.block").Config
	b := decodeFixture(t, "fabric-2.5.9/peer/mychannel_11.block").Config
	if a == nil || b == nil {
		t.Fatal("fixture blocks 0 and 11 carry no config")
	}
	d := DiffConfigs(a, b)
	want := []Change{{Section: SectionBatch, Path: "timeout", Kind: Changed, From: "1s", To: "2s"}}
	if !slices.Equal(d.Changes, want) {
		t.Errorf("DiffConfigs(0, 11) = %+v, want %+v", d.Changes, want)
	}
	if d.FromSequence >= d.ToSequence {
		t.Errorf("sequences %d -> %d, want increasing", d.FromSequence, d.ToSequence)
	}
	if d := DiffConfigs(a, a); len(d.Changes) != 0 {
		t.Errorf("DiffConfigs(a, a) = %+v, want no changes", d.Changes)
	}
}

func TestDiffConfigsSynthetic(t *testing.T) {
	base := decodeFixture(t, "fabric-2.5.9/peer/mychannel_0.block").Config
	gm := decodeFixture(t, "fabric-gm-sm2/peer/mychannel_0.block").Config
	org1 := func(c *ledger.Config) ledger.MSP {
		for _, m := range c.MSPs {
			if m.ID == "Org1MSP" {
				return m
			}
		}
		t.Fatal("no Org1MSP")
		return ledger.MSP{}
	}
	changed := *base
	changed.MSPs = nil
	for _, m := range base.MSPs {
		if m.ID == "Org1MSP" {
			m.RootCerts = org1(gm).RootCerts // a new root CA
			m.AnchorPeers = append(slices.Clone(m.AnchorPeers), "127.0.0.1:9999")
		}
		changed.MSPs = append(changed.MSPs, m)
	}
	changed.MSPs = append(changed.MSPs, ledger.MSP{ID: "Org9MSP", Group: "Application", Org: "Org9"})
	changed.Capabilities = map[string][]string{"Channel": {"V3_0"}}
	changed.Policies = append(slices.Clone(base.Policies[1:]), ledger.Policy{Path: "/Channel/New", Type: "Signature", Rule: "OutOf(1, 'Org9MSP.admin')"})
	changed.Batch.MaxMessageCount++
	d := DiffConfigs(base, &changed)
	has := func(section, path, kind string) bool {
		return slices.ContainsFunc(d.Changes, func(c Change) bool {
			return c.Section == section && c.Path == path && c.Kind == kind
		})
	}
	tests := []struct{ section, path, kind string }{
		{SectionMSP, "Org9MSP", Added},
		{SectionMSP, "Org1MSP/anchorPeers", Changed},
		{SectionMSP, "Org1MSP/rootCerts/" + short(org1(gm).RootCerts[0]), Added},
		{SectionMSP, "Org1MSP/rootCerts/" + short(org1(base).RootCerts[0]), Removed},
		{SectionPolicy, base.Policies[0].Path, Removed},
		{SectionPolicy, "/Channel/New", Added},
		{SectionCapability, "Channel", Changed},
		{SectionCapability, "Orderer", Removed},
		{SectionBatch, "maxMessageCount", Changed},
	}
	for _, tc := range tests {
		if !has(tc.section, tc.path, tc.kind) {
			t.Errorf("DiffConfigs lacks %s %s %s; have %+v", tc.section, tc.path, tc.kind, d.Changes)
		}
	}
}
