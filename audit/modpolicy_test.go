package audit

import (
	"slices"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

// Paths inside a CONFIG envelope to its config update.
var (
	pLastUpdateEnv = []sel{pPayload, {2, 0}, {2, 0}}                                 // the update's envelope, signed by its submitter
	pLastUpdate    = append(append([]sel{}, pLastUpdateEnv...), pPayload, sel{2, 0}) // ConfigUpdateEnvelope
	pConfigSig0    = append(append([]sel{}, pLastUpdate...), sel{2, 0})
)

// configBlock is the 2.5.9 fixture's config update (BatchTimeout 1s→2s,
// signed by the OrdererMSP admin).
const configBlock = 11

// TestModPolicyFixture checks the fixture's real config update against
// the mod_policies of the config before it, then forges the same update
// signed by an Org1 admin instead, which the orderer must have rejected.
func TestModPolicyFixture(t *testing.T) {
	nw := networks[0]
	blocks := readChain(t, nw.dir+"/peer", "mychannel_")
	rs := auditAll(t, newAuditor(t, nw.crypto), blocks)
	checks := 0
	for _, c := range rs[configBlock].Txs[0].Verdict.Checks {
		if strings.HasPrefix(c.Name, "mod-policy") {
			t.Logf("%s: %s", c.Name, c.Detail)
			checks++
			if !c.OK || strings.HasPrefix(c.Detail, "not evaluated") {
				t.Errorf("config update check %s = %v (%s), want evaluated and passed", c.Name, c.OK, c.Detail)
			}
		}
	}
	if checks == 0 {
		t.Fatalf("no mod-policy check on block %d: %+v", configBlock, rs[configBlock].Txs[0].Verdict)
	}
	for _, f := range findings(rs) {
		if f.Category == ledger.CatIntegrity {
			t.Errorf("clean ledger: %s: %s", f.Rule, f.Message)
		}
	}

	// The update re-signed by Org1's admin, its envelope re-signed by
	// its submitter (the orderer admin) and the CONFIG envelope by the
	// orderer, as if it had accepted it.
	org1Admin := loadKey(t, nw.dir, nw.orgDir+"/users/Admin@org1.example.com")
	ordererAdmin := loadKey(t, nw.dir, "ordererOrganizations/example.com/users/Admin@example.com")
	orderer := loadKey(t, nw.dir, "ordererOrganizations/example.com/orderers/orderer.example.com")
	env := get(t, blocks[configBlock], pData(0)...)
	update := get(t, env, append(pLastUpdate, sel{1, 0})...)
	sh := msg(1, org1Admin.identity("Org1MSP"), 2, []byte("forged-nonce"))
	sig := msg(1, sh, 2, org1Admin.sign(t, append(append([]byte{}, sh...), update...)))
	env = set(t, env, sig, pConfigSig0...)
	env = set(t, env, resignEnvelope(t, get(t, env, pLastUpdateEnv...), ordererAdmin), pLastUpdateEnv...)
	env = resignEnvelope(t, env, orderer)
	blocks[configBlock] = fixDataHash(t, set(t, blocks[configBlock], env, pData(0)...))
	fs := findings(auditAll(t, newAuditor(t, nw.crypto), blocks))
	if !hasFinding(fs, want{RuleModPolicy.ID, configBlock, "config-update"}) {
		t.Errorf("no %s finding for a config update signed by Org1's admin; got:\n%s", RuleModPolicy.ID, listFindings(fs))
	}
	for _, f := range fs {
		if f.Rule == RuleModPolicy.ID {
			t.Log(f.Message)
		}
		if f.Rule == RuleModPolicy.ID && !strings.Contains(f.Message, "/Channel/Orderer/Admins") {
			t.Errorf("%s names no policy: %s", f.Rule, f.Message)
		}
		if f.Rule == RuleConfigSig.ID || f.Rule == RuleCreatorSig.ID {
			t.Errorf("forged update has a bad signature (%s): the test must isolate the policy: %s", f.Rule, f.Message)
		}
	}
}

// TestModPolicyMidChain audits the fixture from its config update on,
// without the config before it: the update cannot be judged, so it is
// reported as not evaluated, never as a finding.
func TestModPolicyMidChain(t *testing.T) {
	nw := networks[0]
	blocks := readChain(t, nw.dir+"/peer", "mychannel_")
	rs := auditAll(t, newAuditor(t, nw.crypto), blocks[configBlock:])
	for _, f := range findings(rs) {
		if f.Category == ledger.CatIntegrity {
			t.Errorf("%s: %s", f.Rule, f.Message)
		}
	}
	found := false
	for _, c := range rs[0].Txs[0].Verdict.Checks {
		if c.Name == "mod-policy" && c.OK && strings.HasPrefix(c.Detail, "not evaluated") {
			found = true
		}
	}
	if !found {
		t.Errorf("config update of the first audited block: checks %+v, want mod-policy not evaluated", rs[0].Txs[0].Verdict.Checks)
	}
}

// TestModPolicyBrokenSequence audits the fixture with a block missing
// before its config update, and with the update block given twice: the
// audit reports the gap or repetition, and judges no config update
// against a config that may not be the one in force.
func TestModPolicyBrokenSequence(t *testing.T) {
	nw := networks[0]
	blocks := readChain(t, nw.dir+"/peer", "mychannel_")
	for _, tt := range []struct {
		name   string
		blocks [][]byte
		rule   string
	}{
		{"block 10 missing", slices.Concat(blocks[:10], blocks[11:]), RuleHeight.ID},
		{"block 11 again at the end", slices.Concat(blocks, blocks[configBlock:configBlock+1]), RuleHeight.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := findings(auditAll(t, newAuditor(t, nw.crypto), tt.blocks))
			seen := false
			for _, f := range fs {
				switch {
				case f.Rule == tt.rule:
					seen = true
				case f.Category == ledger.CatIntegrity:
					t.Errorf("%s: %s", f.Rule, f.Message)
				}
			}
			if !seen {
				t.Errorf("no %s finding; got:\n%s", tt.rule, listFindings(fs))
			}
		})
	}
}
