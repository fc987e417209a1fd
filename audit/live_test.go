package audit

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// TestLiveNetworks audits the ledgers of real two-org networks (Raft on
// 2.5.9, BFT on 3.1.1) after traffic that exercises the AND endorsement
// policy, an endorsement policy failure, a key-level (state-based)
// endorsement policy that one org satisfies alone, MVCC conflicts, a
// config update, and range queries (recorded as reads and as Merkle
// summaries, and a phantom read): no integrity finding. Then the peer's
// verdicts on the failed transactions are flipped to VALID, which must be
// caught as a lying peer (checkLiveRanges flips those of range queries).
func TestLiveNetworks(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts real Fabric networks")
	}
	tests := []struct {
		version, consensus string
	}{
		{fabnet.V2_5_9, fabnet.EtcdRaft},
		{fabnet.V3_1_1, fabnet.BFT},
	}
	for _, tt := range tests {
		t.Run(tt.version+"/"+tt.consensus, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir(), Version: tt.version, Consensus: tt.consensus})
			if err != nil {
				t.Fatalf("fabnet.Start = %v", err)
			}
			defer n.Stop()
			var puts []fabnet.Tx
			for _, k := range []string{"a", "b"} {
				tx, err := n.Put(ctx, k, "v-"+k)
				if err != nil {
					t.Fatal(err)
				}
				puts = append(puts, tx)
			}
			failed, err := n.Invoke(ctx, []string{"Org1"}, "put", "c", "one-org")
			if !errors.Is(err, fabnet.ErrTxInvalid) {
				t.Fatalf("single-org invoke = %+v, %v; want ENDORSEMENT_POLICY_FAILURE", failed, err)
			}
			// Key a gets the key-level policy "a peer of Org1": Fabric then
			// accepts a write of a endorsed by Org1 alone and rejects one
			// endorsed by Org2 alone.
			if _, err := n.Invoke(ctx, nil, "setep", "a", "Org1MSP"); err != nil {
				t.Fatal(err)
			}
			if _, err := n.Invoke(ctx, []string{"Org1"}, "put", "a", "org1-only"); err != nil {
				t.Fatalf("write of a under its key-level policy = %v, want VALID", err)
			}
			failedKey, err := n.Invoke(ctx, []string{"Org2"}, "put", "a", "org2-only")
			if !errors.Is(err, fabnet.ErrTxInvalid) {
				t.Fatalf("write of a by Org2 = %+v, %v; want ENDORSEMENT_POLICY_FAILURE", failedKey, err)
			}
			if _, err := n.IncrConcurrent(ctx, "n", 3); err != nil {
				t.Fatal(err)
			}
			if _, err := n.UpdateBatchTimeout(ctx, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			if _, err := n.Put(ctx, "d", "after-update"); err != nil {
				t.Fatal(err)
			}
			ranges := liveRangeTraffic(ctx, t, n)
			height, err := n.Height(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var blocks [][]byte
			for h := range height {
				raw, err := n.FetchBlock(ctx, h)
				if err != nil {
					t.Fatal(err)
				}
				blocks = append(blocks, raw)
			}
			a := newAuditor(t, ledger.CryptoIntl)
			rs := auditAll(t, a, blocks)
			for _, f := range findings(rs) {
				if f.Category == ledger.CatIntegrity {
					t.Errorf("clean ledger: %s: %s", f.Rule, f.Message)
				}
			}
			checkLiveRanges(t, blocks, rs, ranges)
			updates, configHeight := 0, -1
			for _, r := range rs {
				if r.Verdict.Status != ledger.Verified || (r.Height > 0 && !hasCheck(r.Verdict, "block-validation")) {
					t.Errorf("Block(%d).Verdict = %+v, want verified with block-validation", r.Height, r.Verdict)
				}
				if r.Height > 0 && len(r.Txs) > 0 && hasCheck(r.Txs[0].Verdict, "mod-policy:/Channel/Orderer/BatchTimeout") {
					updates++
					configHeight = int(r.Height)
					if !hasCheck(r.Txs[0].Verdict, "submitter-writers") || !hasCheck(r.Txs[0].Verdict, "config-submitter") {
						t.Errorf("Block(%d) config update: checks %+v, want its submitter verified and authorised", r.Height, r.Txs[0].Verdict.Checks)
					}
				}
				for _, tv := range r.Txs {
					if tv.ID == puts[0].ID && (!hasCheck(tv.Verdict, "creator-acl") || !hasCheck(tv.Verdict, "creator-writers")) {
						t.Errorf("Block(%d) tx %s: checks %+v, want its creator authorised", r.Height, tv.ID, tv.Verdict.Checks)
					}
				}
			}
			if updates != 1 {
				t.Errorf("%d config updates checked against the BatchTimeout mod_policy, want 1", updates)
			}
			if tt.consensus == fabnet.BFT {
				last := len(blocks) - 1
				b, err := fabric.DecodeBlock("x", blocks[last])
				if err != nil || len(b.Fabric.ConsenterIDs) == 0 {
					t.Fatalf("last BFT block has no identifier headers: %v", err)
				}
				// A signature claiming a consenter id outside the mapping.
				md := get(t, blocks[last], pMetadata(0)...)
				ih := protowire.AppendTag(nil, 1, protowire.VarintType)
				ih = protowire.AppendVarint(ih, 99)
				ih = append(ih, msg(2, []byte("nonce"))...)
				forged := slices.Clone(blocks)
				forged[last] = set(t, blocks[last], set(t, md, ih, sel{2, 0}, sel{3, 0}), pMetadata(0)...)
				if !hasFinding(findings(auditAll(t, newAuditor(t, ledger.CryptoIntl), forged)), want{RuleBlockPolicy.ID, uint64(last), ""}) {
					t.Errorf("no %s finding for a non-consenter BFT signature", RuleBlockPolicy.ID)
				}
			}
			checkLiveCreators(t, n, blocks, puts[0].ID, configHeight)

			// The peer's own block files give the same clean audit.
			dir, err := n.LedgerDir("Org2")
			if err != nil {
				t.Fatal(err)
			}
			onDisk := newAuditor(t, ledger.CryptoIntl)
			if err := onDisk.Run(ctx, fabric.ChannelBlocks(ctx, dir), func(*BlockResult) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if ds := onDisk.Summary(); ds.Integrity != 0 || ds.Blocks == 0 || ds.Findings[RuleBlockDecode.ID] != 0 {
				t.Errorf("audit of %s = %d blocks, findings %v, want no integrity finding", dir, ds.Blocks, ds.Findings)
			}
			s := a.Summary()
			t.Logf("%s: %d blocks, %d txs, %d signatures", tt.version, s.Blocks, s.Txs, s.Signatures)

			// The peer lies: the failed transactions are marked VALID.
			lies := map[string]bool{failed.ID: false, failedKey.ID: false}
			flipped := map[uint64]bool{} // blocks whose commit hash must catch the lie
			for i, raw := range blocks {
				b, err := fabric.DecodeBlock("x", raw)
				if err != nil {
					t.Fatal(err)
				}
				filter := append([]byte{}, b.Fabric.TxFilter...)
				for j, tx := range b.Txs {
					if _, ok := lies[tx.ID]; ok {
						filter[j] = 0
					}
				}
				if !bytes.Equal(filter, b.Fabric.TxFilter) {
					blocks[i] = set(t, raw, filter, pMetadata(2)...)
					flipped[uint64(i)] = true
				}
			}
			fs := findings(auditAll(t, newAuditor(t, ledger.CryptoIntl), blocks))
			for _, f := range fs {
				id, _, _ := strings.Cut(f.Subject.Ref, "/")
				if _, ok := lies[id]; ok && f.Rule == RuleEndorsementPolicy.ID && f.Subject.Ref == id+"/policy:kvcc" {
					lies[id] = true
				} else if f.Rule == RuleCommitHash.ID && flipped[f.Subject.Height] {
					delete(flipped, f.Subject.Height)
				} else if f.Category == ledger.CatIntegrity {
					t.Errorf("unexpected %s: %s", f.Rule, f.Message)
				}
			}
			for id, found := range lies {
				if !found {
					t.Errorf("no %s finding for the flipped tx %s; got:\n%s", RuleEndorsementPolicy.ID, id, listFindings(fs))
				}
			}
			for h := range flipped {
				t.Errorf("no %s finding for the flipped block %d", RuleCommitHash.ID, h)
			}
		})
	}
}

// hasCheck reports whether v holds a passed check of that name.
func hasCheck(v ledger.Verdict, name string) bool {
	for _, c := range v.Checks {
		if c.Name == name && c.OK {
			return true
		}
	}
	return false
}

// checkLiveCreators forges a real network's ledger with its own keys: the
// creator of the VALID put txID replaced by the orderer's identity, and
// the config update at configHeight with its submitter's envelope
// signature broken. Both must be caught at their block.
func checkLiveCreators(t *testing.T, n *fabnet.Network, blocks [][]byte, txID string, configHeight int) {
	t.Helper()
	orderer := loadMSPKey(t, filepath.Join(n.CryptoDir(), "ordererOrganizations", "example.com", "orderers", "orderer.example.com", "msp"))
	putHeight, putIndex := -1, -1
	for h, raw := range blocks {
		b, err := fabric.DecodeBlock("x", raw)
		if err != nil {
			t.Fatal(err)
		}
		for i, tx := range b.Txs {
			if tx.ID == txID {
				putHeight, putIndex = h, i
			}
		}
	}
	if putHeight < 0 || configHeight < 0 {
		t.Fatalf("put %s at block %d, config update at block %d: not found", txID, putHeight, configHeight)
	}
	forged := slices.Clone(blocks)
	env := forgeCreator(t, get(t, blocks[putHeight], pData(putIndex)...), orderer, "OrdererMSP")
	forged[putHeight] = fixDataHash(t, set(t, blocks[putHeight], env, pData(putIndex)...))
	env = get(t, blocks[configHeight], pData(0)...)
	upd := get(t, env, pLastUpdateEnv...)
	sig := slices.Clone(get(t, upd, pEnvSig))
	sig[len(sig)-1] ^= 0x01
	env = set(t, env, set(t, upd, sig, pEnvSig), pLastUpdateEnv...)
	forged[configHeight] = fixDataHash(t, set(t, blocks[configHeight], resignEnvelope(t, env, orderer), pData(0)...))
	fs := findings(auditAll(t, newAuditor(t, ledger.CryptoIntl), forged))
	for _, w := range []struct {
		rule   string
		height int
		what   string
	}{{RuleCreatorPolicy.ID, putHeight, "/creator-policy"}, {RuleConfigSig.ID, configHeight, "/config-submitter"}} {
		if !slices.ContainsFunc(fs, func(f ledger.Finding) bool {
			return f.Rule == w.rule && f.Subject.Height == uint64(w.height) && strings.HasSuffix(f.Subject.Ref, w.what)
		}) {
			t.Errorf("no %s finding for block %d %s; got:\n%s", w.rule, w.height, w.what, listFindings(fs))
		}
	}
}
