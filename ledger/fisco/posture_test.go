package fisco

import (
	"slices"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// govTx is a successful governance transaction from sender.
func govTx(sender string, g ledger.Governance) ledger.Tx {
	return ledger.Tx{ID: "t-" + g.Action, From: sender, Valid: true, Fisco: &ledger.FiscoTx{Governance: &g}}
}

func sealers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune('a'+i)) + "0"
	}
	return out
}

// TestPosture runs the consortium checks over blocks whose governance
// history is given, in order.
func TestPosture(t *testing.T) {
	cases := []struct {
		name    string
		version int
		orgs    map[string]string
		list    []string
		weights []uint64
		txs     [][]ledger.Tx // per block
		want    []string
	}{
		{name: "4 equal sealers", version: 3, list: sealers(4), want: nil},
		{name: "3 sealers", version: 3, list: sealers(3), want: []string{RuleFewSealers.ID}},
		{name: "heavy sealer", version: 3, list: sealers(4), weights: []uint64{1, 1, 1, 3}, want: []string{RuleWeightShare.ID}},
		{name: "org holds two of four", version: 3, list: sealers(4), orgs: map[string]string{"a0": "org1", "b0": "org1", "c0": "org2", "d0": "org3"},
			want: []string{RuleWeightShare.ID}},
		{name: "2.x open chain", version: 2, list: sealers(4), txs: [][]ledger.Tx{{govTx("0x01", ledger.Governance{Contract: "consensus", Action: "add-sealer", NodeID: "e0"})}}},
		{name: "2.x outside permission", version: 2, list: sealers(4), txs: [][]ledger.Tx{
			{govTx("0x01", ledger.Governance{Contract: "permission", Action: "grant-permission", Table: "_sys_consensus_", Account: "0x01"})},
			{govTx("0x02", ledger.Governance{Contract: "consensus", Action: "add-sealer", NodeID: "e0"})},
		}, want: []string{RuleUnauthorisedChange.ID}},
		{name: "2.x by the permitted account", version: 2, list: sealers(4), txs: [][]ledger.Tx{
			{govTx("0x01", ledger.Governance{Contract: "permission", Action: "grant-permission", Table: "_sys_consensus_", Account: "0x01"})},
			{govTx("0x01", ledger.Governance{Contract: "consensus", Action: "remove-node", NodeID: "a0"})},
		}},
		{name: "3.x direct call under committee", version: 3, list: sealers(4), txs: [][]ledger.Tx{
			{govTx("0x01", ledger.Governance{Contract: "committee", Action: "create-proposal"})},
			{govTx("0x02", ledger.Governance{Contract: "consensus", Action: "add-sealer", NodeID: "e0"})},
		}, want: []string{RuleUnauthorisedChange.ID}},
		{name: "auth switched off", version: 3, list: sealers(4), txs: [][]ledger.Tx{
			{govTx("0x01", ledger.Governance{Contract: "system-config", Action: "set-config", Key: "auth_check_status", Value: "0"})},
		}, want: []string{RuleRiskyConfig.ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := NewVerifier(Config{Chain: "c", Version: c.version, Orgs: c.orgs})
			if err != nil {
				t.Fatal(err)
			}
			blocks := max(len(c.txs), 1)
			var got []string
			for h := range blocks {
				b := &ledger.Block{Chain: "c", Height: uint64(h + 1), Fisco: &ledger.FiscoBlock{SealerList: c.list, Weights: c.weights}}
				if h < len(c.txs) {
					b.Txs = c.txs[h]
				}
				v.posture(report{chain: "c", b: b}, b)
				for _, f := range b.Findings {
					got = append(got, f.Rule)
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("posture findings = %v, want %v", got, c.want)
			}
			if blocks > 1 {
				checkResumed(t, c.version, c.orgs, c.list, c.weights, c.txs)
			}
		})
	}
}

// checkResumed restarts a verifier before the last block, from the block
// before it and the governance history stored until then, and requires
// the last block's posture findings to be those of a verifier that saw
// the whole chain: the rules in force survive a restart.
func checkResumed(t *testing.T, version int, orgs map[string]string, list []string, weights []uint64, txs [][]ledger.Tx) {
	t.Helper()
	run := func(v *Verifier, h int) []string {
		b := &ledger.Block{Chain: "c", Height: uint64(h + 1), Fisco: &ledger.FiscoBlock{SealerList: list, Weights: weights}, Txs: txs[h]}
		v.posture(report{chain: "c", b: b}, b)
		var out []string
		for _, f := range b.Findings {
			out = append(out, f.Rule)
		}
		return out
	}
	whole, _ := NewVerifier(Config{Chain: "c", Version: version, Orgs: orgs})
	var want []string
	for h := range txs {
		want = run(whole, h)
	}
	resumed, _ := NewVerifier(Config{Chain: "c", Version: version, Orgs: orgs})
	last := len(txs) - 1
	var history []ledger.Tx
	for _, block := range txs[:last] {
		history = append(history, block...)
	}
	resumed.Resume(&ledger.Block{Chain: "c", Height: uint64(last), Fisco: &ledger.FiscoBlock{Version: version, SealerList: list}, Txs: txs[last-1]}, history)
	if got := run(resumed, last); !slices.Equal(got, want) {
		t.Errorf("after a restart before block %d: findings %v, a verifier that saw the chain filed %v", last+1, got, want)
	}
}
