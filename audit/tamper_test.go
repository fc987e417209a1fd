package audit

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// want is a finding a tampered ledger must yield: its rule, the block it
// names and, for transaction findings, the subject suffix.
type want struct {
	rule   string
	height uint64
	what   string // subject ref suffix for tx findings ("creator", "endorsement-0", ...), empty for block findings
}

// network is a fixture network the tamper tests run on.
type network struct {
	name, dir string
	crypto    ledger.Crypto
	orgDir    string // peer org under crypto/
}

var networks = []network{
	{"2.5.9", "fabric-2.5.9", ledger.CryptoIntl, "peerOrganizations/org1.example.com"},
	{"gm", "fabric-gm-sm2", ledger.CryptoGM, "peerOrganizations/org1.example.com"},
}

// Paths inside an endorser envelope.
var (
	pSigHeader    = []sel{pPayload, {1, 0}, {2, 0}}
	pEndorsement0 = []sel{pPayload, {2, 0}, {1, 0}, {2, 0}, {2, 0}, {2, 0}}
)

// target is the block and transaction most tampering is applied to.
const target = 3

// TestTamper makes one tampered variant of each real fixture ledger per
// attack and checks that the audit names block, transaction and what failed.
func TestTamper(t *testing.T) {
	for _, nw := range networks {
		gm := nw.crypto == ledger.CryptoGM
		user := loadKey(t, nw.dir, nw.orgDir+"/users/User1@org1.example.com")
		admin := loadKey(t, nw.dir, nw.orgDir+"/users/Admin@org1.example.com")
		peer := loadKey(t, nw.dir, nw.orgDir+"/peers/peer0.org1.example.com")
		ordererAdmin := loadKey(t, nw.dir, "ordererOrganizations/example.com/users/Admin@example.com")
		// creatorKey finds the fixture key that made an envelope.
		creatorKey := func(t *testing.T, env []byte) key {
			creator := get(t, env, append(pSigHeader, sel{1, 0})...)
			for _, k := range []key{user, admin} {
				if bytes.Equal(get(t, creator, sel{2, 0}), k.cert) {
					return k
				}
			}
			t.Fatal("creator key not among the fixture keys")
			return key{}
		}
		envOf := func(t *testing.T, blocks [][]byte) []byte { return get(t, blocks[target], pData(0)...) }
		putEnv := func(t *testing.T, blocks [][]byte, env []byte) {
			blocks[target] = fixDataHash(t, set(t, blocks[target], env, pData(0)...))
		}
		tests := []struct {
			name   string
			mutate func(t *testing.T, blocks [][]byte) [][]byte
			want   []want
		}{
			{"changed write-set byte", func(t *testing.T, blocks [][]byte) [][]byte {
				b, err := fabric.DecodeBlock("x", blocks[target])
				if err != nil {
					t.Fatal(err)
				}
				w := b.Txs[0].Fabric.RWSets[len(b.Txs[0].Fabric.RWSets)-1].Writes[0]
				kv := msg(1, []byte(w.Key), 3, w.Value)
				env := envOf(t, blocks)
				i := bytes.Index(env, kv)
				if i < 0 || bytes.Count(env, kv) != 1 {
					t.Fatalf("write %q not found once in the envelope", w.Key)
				}
				env = slices.Clone(env)
				env[i+len(kv)-1] ^= 0x01
				putEnv(t, blocks, env)
				return blocks
			}, []want{
				{RuleCreatorSig.ID, target, "creator"}, {RuleEndorserSig.ID, target, "endorsement-0"},
				{RuleEndorsementPolicy.ID, target, "policy:kvcc"}, {RuleOrdererSig.ID, target, ""}, {RulePrevHash.ID, target + 1, ""},
			}},
			{"swapped endorsement", func(t *testing.T, blocks [][]byte) [][]byte {
				other := get(t, blocks[target+1], pData(0)...)
				env := set(t, envOf(t, blocks), get(t, other, pEndorsement0...), pEndorsement0...)
				putEnv(t, blocks, resignEnvelope(t, env, creatorKey(t, env)))
				return blocks
			}, []want{{RuleEndorserSig.ID, target, "endorsement-0"}, {RuleEndorsementPolicy.ID, target, "policy:kvcc"}}},
			{"creator from another org", func(t *testing.T, blocks [][]byte) [][]byte {
				env := set(t, envOf(t, blocks), ordererAdmin.identity("Org1MSP"), append(pSigHeader, sel{1, 0})...)
				putEnv(t, blocks, resignEnvelope(t, env, ordererAdmin))
				return blocks
			}, []want{{RuleMSP.ID, target, "creator"}, {RuleTxID.ID, target, "txid"}}},
			{"re-signed with unknown key", func(t *testing.T, blocks [][]byte) [][]byte {
				intruder := newKey(t, gm, "client")
				env := set(t, envOf(t, blocks), intruder.identity("Org1MSP"), append(pSigHeader, sel{1, 0})...)
				putEnv(t, blocks, resignEnvelope(t, env, intruder))
				return blocks
			}, []want{{RuleMSP.ID, target, "creator"}}},
			{"dropped block", func(t *testing.T, blocks [][]byte) [][]byte {
				return slices.Delete(blocks, 4, 5)
			}, []want{{RuleHeight.ID, 5, ""}}},
			{"reordered blocks", func(t *testing.T, blocks [][]byte) [][]byte {
				blocks[4], blocks[5] = blocks[5], blocks[4]
				return blocks
			}, []want{{RuleHeight.ID, 5, ""}, {RuleHeight.ID, 4, ""}}},
			{"trailing bytes glued into an envelope", func(t *testing.T, blocks [][]byte) [][]byte {
				env := protowire.AppendTag(slices.Clone(envOf(t, blocks)), 9, protowire.BytesType)
				putEnv(t, blocks, protowire.AppendBytes(env, []byte("glued")))
				return blocks
			}, []want{{RuleEnvelope.ID, target, "-"}}},
			{"modified block header", func(t *testing.T, blocks [][]byte) [][]byte {
				prev := slices.Clone(get(t, blocks[target], pHeader, pPrevHash))
				prev[0] ^= 0x80
				blocks[target] = set(t, blocks[target], prev, pHeader, pPrevHash)
				return blocks
			}, []want{{RulePrevHash.ID, target, ""}, {RuleOrdererSig.ID, target, ""}}},
			{"orderer signature from a non-consenter", func(t *testing.T, blocks [][]byte) [][]byte {
				md := get(t, blocks[target], pMetadata(0)...)
				oldSH := get(t, md, sel{2, 0}, sel{1, 0})
				sh := msg(1, peer.identity("Org1MSP"), 2, get(t, oldSH, sel{2, 0}))
				signed := slices.Concat(get(t, md, sel{1, 0}), sh, headerBytes(t, blocks[target]))
				md = set(t, md, sh, sel{2, 0}, sel{1, 0})
				md = set(t, md, peer.sign(t, signed), sel{2, 0}, sel{2, 0})
				blocks[target] = set(t, blocks[target], md, pMetadata(0)...)
				return blocks
			}, []want{{RuleBlockPolicy.ID, target, ""}, {RuleRole.ID, target, ""}}},
		}
		for _, tt := range tests {
			t.Run(nw.name+"/"+tt.name, func(t *testing.T) {
				blocks := tt.mutate(t, readChain(t, nw.dir+"/peer", "mychannel_"))
				fs := findings(auditAll(t, newAuditor(t, nw.crypto), blocks))
				for _, w := range tt.want {
					if !hasFinding(fs, w) {
						t.Errorf("no %s finding for block %d %s; got:\n%s", w.rule, w.height, w.what, listFindings(fs))
					}
				}
			})
		}
	}
}

// hasFinding reports whether fs holds w, with a message naming the block
// and, for transaction findings, the transaction.
func hasFinding(fs []ledger.Finding, w want) bool {
	for _, f := range fs {
		if f.Rule != w.rule || f.Subject.Height != w.height || !strings.Contains(f.Message, fmt.Sprintf("block %d", w.height)) {
			continue
		}
		if w.what == "" && f.Subject.Kind == "block" {
			return true
		}
		if w.what != "" && f.Subject.Kind == "tx" && strings.Contains(f.Message, "tx 0") &&
			(w.what == "-" || strings.HasSuffix(f.Subject.Ref, "/"+w.what)) {
			return true
		}
	}
	return false
}

func listFindings(fs []ledger.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", f.Rule, f.Subject.Kind, f.Subject.Ref, f.Message)
	}
	return b.String()
}
