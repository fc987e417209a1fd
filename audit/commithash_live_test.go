package audit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// TestCommitHashLive recomputes the commit-hash chain of real two-org
// networks (Raft on 2.5.9, BFT on 3.1.1) after traffic that exercises what
// the peer hashes: puts, a delete, metadata-only updates (key-level
// endorsement policies) of an existing key, of a never-written key and of
// a deleted key, an endorsement policy failure, MVCC conflicts and a
// config update. The peer's ledger, as served and as its own block files,
// matches block by block. Then the peer's verdicts and commit hashes are
// altered, each caught at its block.
func TestCommitHashLive(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts real Fabric networks")
	}
	for _, tt := range []struct{ version, consensus string }{
		{fabnet.V2_5_9, fabnet.EtcdRaft},
		{fabnet.V3_1_1, fabnet.BFT},
	} {
		t.Run(tt.version+"/"+tt.consensus, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			n, err := fabnet.Start(ctx, fabnet.Options{Dir: t.TempDir(), Version: tt.version, Consensus: tt.consensus})
			if err != nil {
				t.Fatalf("fabnet.Start = %v", err)
			}
			defer n.Stop()
			must := func(tx fabnet.Tx, err error) fabnet.Tx {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				return tx
			}
			must(n.Put(ctx, "a", "v-a"))
			must(n.Put(ctx, "b", "v-b"))
			setA := must(n.Invoke(ctx, nil, "setep", "a", "Org1MSP"))
			setGhost := must(n.Invoke(ctx, nil, "setep", "ghost", "Org1MSP"))
			must(n.Delete(ctx, "b"))
			must(n.Invoke(ctx, nil, "setep", "b", "Org2MSP"))
			if _, err := n.Invoke(ctx, []string{"Org1"}, "put", "c", "one-org"); !errors.Is(err, fabnet.ErrTxInvalid) {
				t.Fatalf("single-org invoke = %v, want ENDORSEMENT_POLICY_FAILURE", err)
			}
			incrs, err := n.IncrConcurrent(ctx, "n", 3)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := n.UpdateBatchTimeout(ctx, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			must(n.Put(ctx, "d", "after-update"))
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
			rs := auditAll(t, newAuditor(t, ledger.CryptoIntl), blocks)
			checkCommitHashes(t, rs)

			// The peer's own block files.
			dir, err := n.LedgerDir("Org2")
			if err != nil {
				t.Fatal(err)
			}
			var onDisk []*BlockResult
			if err := newAuditor(t, ledger.CryptoIntl).Run(ctx, fabric.ChannelBlocks(ctx, dir), func(r *BlockResult) error {
				onDisk = append(onDisk, r)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(onDisk) == 0 {
				t.Fatal("no blocks on disk")
			}
			checkCommitHashes(t, onDisk)

			where := func(id string) (uint64, int) {
				t.Helper()
				for h, raw := range blocks {
					b, err := fabric.DecodeBlock("x", raw)
					if err != nil {
						t.Fatal(err)
					}
					for i, tx := range b.Txs {
						if tx.ID == id {
							return uint64(h), i
						}
					}
				}
				t.Fatalf("tx %s not in the ledger", id)
				return 0, 0
			}
			setHeight, setIndex := where(setA.ID)
			ghostHeight, _ := where(setGhost.ID)

			// Resumed after the put of a: the value the metadata-only update
			// of a carries is not known, nor whether "ghost" exists, so those
			// blocks are not verifiable; the others are, b's deletion having
			// been seen.
			resumed := newAuditor(t, ledger.CryptoIntl)
			if err := resumed.Prime(blocks[0], blocks[setHeight-1]); err != nil {
				t.Fatal(err)
			}
			for _, r := range auditAll(t, resumed, blocks[setHeight:]) {
				c, _ := commitVerdict(r.Verdict)
				notVerifiable := strings.HasPrefix(c.Detail, "not verifiable")
				if !c.OK || notVerifiable != (r.Height == setHeight || r.Height == ghostHeight) {
					t.Errorf("resumed Block(%d) commit hash = %+v", r.Height, c)
				}
				if r.Height == setHeight && !strings.Contains(c.Detail, `key "a" of kvcc`) {
					t.Errorf("resumed Block(%d) commit hash detail %q does not name the key", r.Height, c.Detail)
				}
			}

			conflict := ""
			for _, tx := range incrs {
				if tx.Code == "MVCC_READ_CONFLICT" {
					conflict = tx.ID
				}
			}
			confHeight, confIndex := where(conflict)
			for _, alt := range []struct {
				name   string
				height uint64
				mutate func(raw []byte) []byte
				// mvcc is the re-validation rule that must name the
				// altered transaction, if any.
				mvcc *ledger.RuleInfo
			}{
				// Endorsements are genuine: the commit hash and the MVCC
				// re-validation catch it.
				{"MVCC conflict marked VALID", confHeight, func(raw []byte) []byte { return setFilterCode(t, raw, confIndex, codeValid) }, RuleMVCCValid},
				{"metadata-only update marked invalid", setHeight, func(raw []byte) []byte { return setFilterCode(t, raw, setIndex, codeMVCCConflict) }, RuleMVCCInvalid},
				{"flipped commit hash byte", setHeight, func(raw []byte) []byte { return flipCommitHash(t, raw, 7, 0x04) }, nil},
			} {
				forged := append([][]byte{}, blocks...)
				forged[alt.height] = alt.mutate(forged[alt.height])
				fs := findings(auditAll(t, newAuditor(t, ledger.CryptoIntl), forged))
				var at, mvccAt []uint64
				for _, f := range fs {
					switch {
					case f.Rule == RuleCommitHash.ID:
						at = append(at, f.Subject.Height)
					case alt.mvcc != nil && f.Rule == alt.mvcc.ID:
						mvccAt = append(mvccAt, f.Subject.Height)
					case f.Category == ledger.CatIntegrity:
						t.Errorf("%s: unexpected %s: %s", alt.name, f.Rule, f.Message)
					}
				}
				if len(at) != 1 || at[0] != alt.height {
					t.Errorf("%s: FAB-COMMIT-HASH at %v, want [%d]; got:\n%s", alt.name, at, alt.height, listFindings(fs))
				}
				if alt.mvcc != nil && (len(mvccAt) != 1 || mvccAt[0] != alt.height) {
					t.Errorf("%s: %s at %v, want [%d]; got:\n%s", alt.name, alt.mvcc.ID, mvccAt, alt.height, listFindings(fs))
				}
			}
		})
	}
}
