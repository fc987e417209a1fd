package index

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ledgertest"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// openFisco opens an index on disk holding n blocks of ledgertest's FISCO
// chain "fb".
func openFisco(t *testing.T, n int) (*DB, []*ledger.Block) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutChain(ctx, ledger.Chain{ID: "fb", Kind: ledger.KindFisco, Crypto: ledger.CryptoGM, Group: "group0"}); err != nil {
		t.Fatal(err)
	}
	bs := ledgertest.FiscoChain("fb", "main", 0, n, nil)
	for _, b := range bs {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d) = %v", b.Height, err)
		}
	}
	return db, bs
}

func TestGovernanceHistory(t *testing.T) {
	ctx := context.Background()
	db, _ := openFisco(t, 6)
	rs, next, err := db.Governance(ctx, "fb", ledger.Page{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || next == "" {
		t.Fatalf("Governance(limit 1) = %d records, next %q, want 1 and a cursor", len(rs), next)
	}
	if r := rs[0]; r.Height != ledgertest.FiscoFailedHeight || r.Success || r.Governance.Action != "set-config" || r.Governance.Key != "tx_count_limit" || r.Status != "failed(16)" {
		t.Errorf("Governance()[0] = %+v, want the failed set-config at %d", r, ledgertest.FiscoFailedHeight)
	}
	rs2, next2, err := db.Governance(ctx, "fb", ledger.Page{Limit: 5, Cursor: next})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs2) != 1 || next2 != "" {
		t.Fatalf("Governance(page 2) = %d records, next %q, want 1 and no cursor", len(rs2), next2)
	}
	r := rs2[0]
	if r.Height != ledgertest.FiscoGovernanceHeight || !r.Success || r.Index != 1 || r.Governance.NodeID != ledgertest.FiscoNode(4) ||
		r.Governance.Weight == nil || *r.Governance.Weight != 1 || r.TxID == "" || r.From == "" || r.Time.IsZero() {
		t.Errorf("Governance()[1] = %+v, want the add-sealer call", r)
	}
	if _, _, err := db.Governance(ctx, "fb", ledger.Page{Cursor: "zz"}); err == nil {
		t.Error("Governance(bad cursor) = nil error")
	}

	// Rolling back the failed call's block removes its record only.
	if err := db.Rollback(ctx, ledger.Reorg{Chain: "fb", Ancestor: ledgertest.FiscoFailedHeight - 1, Depth: 3, Time: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	rs, _, err = db.Governance(ctx, "fb", ledger.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Governance.Action != "add-sealer" {
		t.Errorf("Governance() after rollback = %+v, want only the add-sealer call", rs)
	}
}

func TestSeals(t *testing.T) {
	db, bs := openFisco(t, 6)
	ss, err := db.Seals(context.Background(), "fb", 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 4 || ss[0].Height != 5 || ss[3].Height != 2 {
		t.Fatalf("Seals(4) = %d seals from %d, want heights 5..2", len(ss), ss[0].Height)
	}
	s := ss[0]
	if len(s.Sealers) != 5 || len(s.Signers) != 4 || s.Signers[3].Verdict != ledger.Failed || s.Signers[3].Index != 3 ||
		s.Signers[0].Node != ledgertest.FiscoNode(0) || s.Quorum != 4 || s.SignedWeight != 3 || s.Proposer != bs[5].Proposer {
		t.Errorf("Seals()[0] = %+v", s)
	}
	if ss[1].Signers[3].Verdict != ledger.Verified {
		t.Errorf("Seals()[1] sealer 3 = %v, want verified", ss[1].Signers[3].Verdict)
	}
}

// TestFiscoSearch checks that node ids, tx and block hashes and addresses
// of a FISCO chain are found whatever their case and 0x prefix.
func TestFiscoSearch(t *testing.T) {
	ctx := context.Background()
	db, bs := openFisco(t, 6)
	find := func(q, kind string) []supervise.Match {
		t.Helper()
		ms, err := db.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%s) = %v", q, err)
		}
		var out []supervise.Match
		for _, m := range ms {
			if m.Kind == kind {
				out = append(out, m)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name, q    string
		height     uint64
		field      string
		detailPart string
	}{
		{"sealer, newest block", ledgertest.FiscoNode(0), 5, "sealed", "in the sealer list of block 5"},
		{"sealer with 0x, upper case", "0x" + strings.ToUpper(ledgertest.FiscoNode(1)), 5, "sealed", "last sealed block 5"},
		{"sealer whose newest signature failed", ledgertest.FiscoNode(3), 4, "sealed", "last sealed block 4"},
		{"sealer that never signed", ledgertest.FiscoNode(4), 5, "sealer list", "no valid signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := find(tc.q, "sealer")
			if len(ms) != 1 {
				t.Fatalf("Search(%s) = %d sealer matches, want 1", tc.q, len(ms))
			}
			m := ms[0]
			if m.Chain != "fb" || m.Height != tc.height || m.Field != tc.field || !strings.Contains(m.Detail, tc.detailPart) {
				t.Errorf("Search(%s) = %+v, want height %d, field %s, detail with %q", tc.q, m, tc.height, tc.field, tc.detailPart)
			}
		})
	}
	if ms := find(ledgertest.FiscoNode(4), "tx"); len(ms) != 1 || ms[0].Height != ledgertest.FiscoGovernanceHeight || ms[0].Detail != "add-sealer" {
		t.Errorf("Search(node 4) governance matches = %+v, want the add-sealer tx", ms)
	}
	tx := bs[3].Txs[0]
	for _, q := range []string{tx.ID, "0x" + tx.ID, "0X" + strings.ToUpper(tx.ID)} {
		if ms := find(q, "tx"); len(ms) != 1 || ms[0].Ref != tx.ID || ms[0].Height != 3 {
			t.Errorf("Search(%s) tx matches = %+v, want tx %s at 3", q, ms, tx.ID)
		}
	}
	bh := hex.EncodeToString(bs[4].Hash)
	for _, q := range []string{bh, "0x" + strings.ToUpper(bh)} {
		if ms := find(q, "block"); len(ms) != 1 || ms[0].Height != 4 {
			t.Errorf("Search(%s) block matches = %+v, want block 4", q, ms)
		}
	}
	addr := tx.From
	for _, q := range []string{addr, "0x" + strings.ToUpper(addr[2:])} {
		if ms := find(q, "address"); len(ms) != 1 || ms[0].Height != 0 {
			t.Errorf("Search(%s) address matches = %+v, want first seen at 0", q, ms)
		}
	}
}
