package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// Path inside a CONFIG envelope to its config update's submitter.
var pSubmitter = append(append([]sel{}, pLastUpdateEnv...), pPayload, sel{1, 0}, sel{2, 0}, sel{1, 0})

// forgeCreator makes k the creator of an endorser envelope as a forger
// would: new creator, transaction id recomputed, envelope re-signed.
func forgeCreator(t *testing.T, env []byte, k key, mspID string) []byte {
	t.Helper()
	creator := k.identity(mspID)
	env = set(t, env, creator, append(pSigHeader, sel{1, 0})...)
	nonce := get(t, env, append(pSigHeader, sel{2, 0})...)
	id := sha256.Sum256(slices.Concat(nonce, creator))
	env = set(t, env, []byte(hex.EncodeToString(id[:])), append([]sel{pPayload}, append(pChannelHeader, pTxID)...)...)
	return resignEnvelope(t, env, k)
}

// txFindings returns the findings about transaction tx of block height.
func txFindings(fs []ledger.Finding, height uint64, tx string) []ledger.Finding {
	var out []ledger.Finding
	for _, f := range fs {
		if f.Subject.Kind == "tx" && f.Subject.Height == height && strings.Contains(f.Message, tx) {
			out = append(out, f)
		}
	}
	return out
}

// TestCreatorPolicyTamper replaces the creator of a VALID endorser
// transaction of each real fixture ledger by identities the channel knows
// but its Application Writers policy excludes, each re-signing the
// envelope with its real key and recomputing the transaction id, and
// breaks or replaces the submitter of a config update.
func TestCreatorPolicyTamper(t *testing.T) {
	for _, nw := range networks {
		gm := nw.crypto == ledger.CryptoGM
		peer := loadKey(t, nw.dir, nw.orgDir+"/peers/peer0.org1.example.com")
		user := loadKey(t, nw.dir, nw.orgDir+"/users/User1@org1.example.com")
		orderer := loadKey(t, nw.dir, "ordererOrganizations/example.com/orderers/orderer.example.com")
		ordererAdmin := loadKey(t, nw.dir, "ordererOrganizations/example.com/users/Admin@example.com")
		// The 2.5.9 ledger's config update is block 11; the GM ledger's
		// channel was created through a system channel, so its genesis
		// block carries the creating update.
		cfgBlock := uint64(configBlock)
		if gm {
			cfgBlock = 0
		}
		forgeAt := func(h int, k key, mspID string) func(t *testing.T, blocks [][]byte) {
			return func(t *testing.T, blocks [][]byte) {
				env := forgeCreator(t, get(t, blocks[h], pData(0)...), k, mspID)
				blocks[h] = fixDataHash(t, set(t, blocks[h], env, pData(0)...))
			}
		}
		forgeTx := func(k key, mspID string) func(t *testing.T, blocks [][]byte) { return forgeAt(target, k, mspID) }
		// forgeUpdate edits the config update's envelope, then has the
		// orderer re-sign the CONFIG envelope as if it had accepted it.
		forgeUpdate := func(edit func(t *testing.T, upd []byte) []byte) func(t *testing.T, blocks [][]byte) {
			return func(t *testing.T, blocks [][]byte) {
				env := get(t, blocks[cfgBlock], pData(0)...)
				env = set(t, env, edit(t, get(t, env, pLastUpdateEnv...)), pLastUpdateEnv...)
				blocks[cfgBlock] = fixDataHash(t, set(t, blocks[cfgBlock], resignEnvelope(t, env, orderer), pData(0)...))
			}
		}
		tests := []struct {
			name   string
			skip   bool
			mutate func(t *testing.T, blocks [][]byte)
			want   want
			// also are the only other findings the transaction may raise;
			// names must appear in the finding's message.
			also  []string
			names []string
		}{
			{name: "creator is the orderer", mutate: forgeTx(orderer, "OrdererMSP"),
				want: want{RuleCreatorPolicy.ID, target, "creator-policy"}, also: []string{RuleRole.ID},
				names: []string{"OrdererMSP:orderer.example.com", applicationWriters, "peer/Propose"}},
			{name: "creator is an admin of an org outside the Application group", mutate: forgeTx(ordererAdmin, "OrdererMSP"),
				want:  want{RuleCreatorPolicy.ID, target, "creator-policy"},
				names: []string{"OrdererMSP:Admin@example.com", applicationWriters}},
			{name: "creator is a peer, a role the Writers policy excludes", mutate: forgeTx(peer, "Org1MSP"),
				want: want{RuleCreatorPolicy.ID, target, "creator-policy"}, also: []string{RuleRole.ID},
				names: []string{"Org1MSP:peer0.org1.example.com", applicationWriters, channelWriters}},
			{name: "chaincode approval submitted by a client, not an org admin", mutate: forgeAt(1, user, "Org1MSP"),
				want:  want{RuleCreatorPolicy.ID, 1, "creator-policy"},
				names: []string{"Org1MSP:User1@org1.example.com", "_lifecycle/ApproveChaincodeDefinitionForMyOrg"}},
			{name: "config update envelope signature flipped", mutate: forgeUpdate(func(t *testing.T, upd []byte) []byte {
				sig := slices.Clone(get(t, upd, pEnvSig))
				sig[len(sig)-1] ^= 0x01
				return set(t, upd, sig, pEnvSig)
			}), want: want{RuleConfigSig.ID, cfgBlock, "config-submitter"}, names: []string{"submitter"}},
			{name: "config update submitted by a peer", skip: gm, mutate: forgeUpdate(func(t *testing.T, upd []byte) []byte {
				return resignEnvelope(t, set(t, upd, peer.identity("Org1MSP"), pSubmitter[len(pLastUpdateEnv):]...), peer)
			}), want: want{RuleCreatorPolicy.ID, cfgBlock, "submitter-policy"}, names: []string{"submitter Org1MSP:peer0.org1.example.com", channelWriters}},
			{name: "config update without a submitter", skip: gm, mutate: forgeUpdate(func(t *testing.T, upd []byte) []byte {
				return set(t, set(t, upd, nil, pSubmitter[len(pLastUpdateEnv):]...), nil, pEnvSig)
			}), want: want{RuleConfigSig.ID, cfgBlock, "config-submitter"}, names: []string{"no envelope signature"}},
			{name: "config update submitted by an unknown key", mutate: forgeUpdate(func(t *testing.T, upd []byte) []byte {
				intruder := newKey(t, gm, "admin")
				return resignEnvelope(t, set(t, upd, intruder.identity("OrdererMSP"), pSubmitter[len(pLastUpdateEnv):]...), intruder)
			}), want: want{RuleMSP.ID, cfgBlock, "config-submitter"}, names: []string{"intruder"}},
		}
		for _, tt := range tests {
			if tt.skip {
				continue
			}
			t.Run(nw.name+"/"+tt.name, func(t *testing.T) {
				blocks := readChain(t, nw.dir+"/peer", "mychannel_")
				tt.mutate(t, blocks)
				fs := findings(auditAll(t, newAuditor(t, nw.crypto), blocks))
				if !hasFinding(fs, tt.want) {
					t.Fatalf("no %s finding for block %d %s; got:\n%s", tt.want.rule, tt.want.height, tt.want.what, listFindings(fs))
				}
				for _, f := range txFindings(fs, tt.want.height, "tx 0") {
					switch {
					case f.Rule == tt.want.rule:
						for _, n := range tt.names {
							if !strings.Contains(f.Message, n) {
								t.Errorf("%s finding does not name %q: %s", f.Rule, n, f.Message)
							}
						}
						t.Log(f.Message)
					case !slices.Contains(tt.also, f.Rule):
						t.Errorf("unexpected %s finding: the test must isolate %s: %s", f.Rule, tt.want.rule, f.Message)
					}
				}
			})
		}
	}
}

// TestCreatorPolicyClean checks that the creators of the real fixture
// ledgers are judged, and pass: every endorser transaction against the
// orderer's /Channel/Writers and its endorsing peers' ACL, and the config
// update's submitter against /Channel/Writers.
func TestCreatorPolicyClean(t *testing.T) {
	for _, nw := range networks {
		t.Run(nw.name, func(t *testing.T) {
			blocks := readChain(t, nw.dir+"/peer", "mychannel_")
			rs := auditAll(t, newAuditor(t, nw.crypto), blocks)
			for _, f := range findings(rs) {
				if f.Rule == RuleCreatorPolicy.ID || f.Rule == RuleConfigSig.ID {
					t.Errorf("clean ledger: %s: %s", f.Rule, f.Message)
				}
			}
			n := map[string]int{}
			for _, r := range rs {
				for _, tv := range r.Txs {
					for _, c := range tv.Verdict.Checks {
						n[c.Name]++
						if !c.OK || strings.HasPrefix(c.Detail, "not evaluated") {
							t.Errorf("Block(%d) tx %d check %s = %v (%s), want evaluated and passed", r.Height, tv.Index, c.Name, c.OK, c.Detail)
						}
					}
				}
			}
			endorser, updates := 0, 0
			for _, raw := range blocks {
				b, err := fabric.DecodeBlock("x", raw)
				if err != nil {
					t.Fatal(err)
				}
				for _, tx := range b.Txs {
					switch {
					case tx.Type == typeEndorser:
						endorser++
					case tx.Type == typeConfig && b.Height > 0:
						updates++ // the GM genesis block's update was authorised by its system channel
					}
				}
			}
			if n["creator-acl"] != endorser || n["creator-writers"] != endorser+updates || n["submitter-writers"] != updates || n["config-submitter"] != 1 {
				t.Errorf("checks = %v, want creator-acl %d, creator-writers %d, submitter-writers %d, config-submitter 1",
					n, endorser, endorser+updates, updates)
			}
		})
	}
}
