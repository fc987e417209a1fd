// Package ledgertest holds the conformance suite every ledger.Store must
// pass, and small builders of model values for tests.
package ledgertest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Hash returns a deterministic 32-byte hash for a label, for test blocks.
func Hash(label string) []byte {
	h := sha256.Sum256([]byte(label))
	return h[:]
}

// Chain builds a chain of n blocks starting at height from, on a fork
// named fork, where block i's parent is block i-1 of the same fork.
func Chain(chain, fork string, from uint64, n int, parent []byte) []*ledger.Block {
	var out []*ledger.Block
	for i := 0; i < n; i++ {
		h := from + uint64(i)
		hash := Hash(fmt.Sprintf("%s/%s/%d", chain, fork, h))
		b := &ledger.Block{
			Chain: chain, Height: h, Hash: hash, ParentHash: parent,
			Time: time.Unix(1_700_000_000+int64(h), 0).UTC(),
		}
		for j := 0; j < 2; j++ {
			id := hex.EncodeToString(Hash(fmt.Sprintf("%s/%s/%d/%d", chain, fork, h, j)))
			from := fmt.Sprintf("0x%040x", j+1)
			b.Txs = append(b.Txs, ledger.Tx{
				ID: id, Chain: chain, Height: h, Index: j, Type: "legacy",
				From: from, To: "0x00000000000000000000000000000000000000aa",
				Status: "success", Valid: true, Value: "1",
			})
		}
		out = append(out, b)
		parent = hash
	}
	return out
}

// TestStore runs the conformance suite against stores made by open.
func TestStore(t *testing.T, open func(t *testing.T) ledger.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) ledger.Store {
		s := open(t)
		t.Cleanup(func() { s.Close() })
		for _, id := range []string{"a", "b"} {
			if err := s.PutChain(ctx, ledger.Chain{ID: id, Kind: ledger.KindEVM, Crypto: ledger.CryptoIntl}); err != nil {
				t.Fatalf("PutChain(%s) = %v", id, err)
			}
		}
		return s
	}
	commitAll := func(t *testing.T, s ledger.Store, bs []*ledger.Block) {
		t.Helper()
		for _, b := range bs {
			if err := s.Commit(ctx, b); err != nil {
				t.Fatalf("Commit(%d) = %v", b.Height, err)
			}
		}
	}

	t.Run("commit and read", func(t *testing.T) {
		s := setup(t)
		bs := Chain("a", "main", 5, 3, Hash("genesis"))
		commitAll(t, s, bs)
		cp, err := s.Checkpoint(ctx, "a")
		if err != nil || cp.Height != 7 || string(cp.Hash) != string(bs[2].Hash) {
			t.Fatalf("Checkpoint(a) = %d %x, %v; want 7 %x", cp.Height, cp.Hash, err, bs[2].Hash)
		}
		b, err := s.Block(ctx, "a", 6)
		if err != nil || len(b.Txs) != 2 || b.Txs[1].ID != bs[1].Txs[1].ID {
			t.Fatalf("Block(6) = %+v, %v", b, err)
		}
		b, err = s.BlockByHash(ctx, "a", bs[0].Hash)
		if err != nil || b.Height != 5 {
			t.Fatalf("BlockByHash = %v, %v; want height 5", b, err)
		}
		tx, err := s.Tx(ctx, "a", "0x"+bs[2].Txs[0].ID)
		if err != nil || tx.Height != 7 {
			t.Fatalf("Tx = %v, %v", tx, err)
		}
		if _, err := s.Block(ctx, "a", 99); !errors.Is(err, ledger.ErrNotFound) {
			t.Fatalf("Block(99) err = %v, want ErrNotFound", err)
		}
		if _, err := s.Tx(ctx, "b", bs[0].Txs[0].ID); !errors.Is(err, ledger.ErrNotFound) {
			t.Fatalf("Tx on other chain err = %v, want ErrNotFound", err)
		}
		txs, err := s.TxAnyChain(ctx, bs[0].Txs[0].ID)
		if err != nil || len(txs) != 1 || txs[0].Chain != "a" {
			t.Fatalf("TxAnyChain = %v, %v", txs, err)
		}
	})

	t.Run("gap, reorg and unknown chain are refused", func(t *testing.T) {
		s := setup(t)
		bs := Chain("a", "main", 0, 3, nil)
		commitAll(t, s, bs[:1])
		if err := s.Commit(ctx, bs[2]); !errors.Is(err, ledger.ErrGap) {
			t.Fatalf("Commit(skip) = %v, want ErrGap", err)
		}
		if err := s.Commit(ctx, bs[0]); !errors.Is(err, ledger.ErrGap) {
			t.Fatalf("Commit(duplicate) = %v, want ErrGap", err)
		}
		fork := Chain("a", "fork", 1, 1, Hash("elsewhere"))
		if err := s.Commit(ctx, fork[0]); !errors.Is(err, ledger.ErrReorg) {
			t.Fatalf("Commit(wrong parent) = %v, want ErrReorg", err)
		}
		other := Chain("zz", "main", 0, 1, nil)
		if err := s.Commit(ctx, other[0]); !errors.Is(err, ledger.ErrUnknownChain) {
			t.Fatalf("Commit(unknown chain) = %v, want ErrUnknownChain", err)
		}
	})

	t.Run("rollback removes blocks, txs and history", func(t *testing.T) {
		s := setup(t)
		bs := Chain("a", "main", 0, 5, nil)
		commitAll(t, s, bs)
		r := ledger.Reorg{Chain: "a", Ancestor: 2, Depth: 2, OldHashes: [][]byte{bs[3].Hash, bs[4].Hash}, Time: time.Unix(1, 0)}
		if err := s.Rollback(ctx, r); err != nil {
			t.Fatalf("Rollback = %v", err)
		}
		cp, _ := s.Checkpoint(ctx, "a")
		if cp.Height != 2 || string(cp.Hash) != string(bs[2].Hash) {
			t.Fatalf("Checkpoint after rollback = %d, want 2", cp.Height)
		}
		if _, err := s.Tx(ctx, "a", bs[4].Txs[0].ID); !errors.Is(err, ledger.ErrNotFound) {
			t.Fatalf("Tx of rolled-back block err = %v, want ErrNotFound", err)
		}
		if _, err := s.BlockByHash(ctx, "a", bs[3].Hash); !errors.Is(err, ledger.ErrNotFound) {
			t.Fatalf("BlockByHash of rolled-back block err = %v", err)
		}
		hist, _, err := s.AddressHistory(ctx, "a", bs[0].Txs[0].From, ledger.Page{})
		if err != nil || len(hist) != 3 {
			t.Fatalf("AddressHistory after rollback = %d entries, %v; want 3", len(hist), err)
		}
		fork := Chain("a", "fork", 3, 3, bs[2].Hash)
		commitAll(t, s, fork)
		rs, err := s.Reorgs(ctx, "a")
		if err != nil || len(rs) != 1 || rs[0].Depth != 2 {
			t.Fatalf("Reorgs = %+v, %v", rs, err)
		}
	})

	t.Run("pages", func(t *testing.T) {
		s := setup(t)
		commitAll(t, s, Chain("a", "main", 0, 7, nil))
		var heights []uint64
		cursor := ""
		for {
			bs, next, err := s.Blocks(ctx, "a", ledger.Page{Cursor: cursor, Limit: 3})
			if err != nil {
				t.Fatalf("Blocks(cursor %q) = %v", cursor, err)
			}
			for _, b := range bs {
				heights = append(heights, b.Height)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if fmt.Sprint(heights) != "[6 5 4 3 2 1 0]" {
			t.Fatalf("Blocks pages = %v, want [6 5 4 3 2 1 0]", heights)
		}
		var n int
		cursor = ""
		for {
			hs, next, err := s.AddressHistory(ctx, "a", "0x00000000000000000000000000000000000000AA", ledger.Page{Cursor: cursor, Limit: 4})
			if err != nil {
				t.Fatalf("AddressHistory = %v", err)
			}
			n += len(hs)
			if next == "" {
				break
			}
			cursor = next
		}
		if n != 14 {
			t.Fatalf("AddressHistory total = %d, want 14", n)
		}
		if _, _, err := s.Blocks(ctx, "a", ledger.Page{Limit: -1}); !errors.Is(err, ledger.ErrInvalid) {
			t.Fatalf("Blocks(limit -1) = %v, want ErrInvalid", err)
		}
		if _, _, err := s.AddressHistory(ctx, "a", "x", ledger.Page{Cursor: "zz"}); !errors.Is(err, ledger.ErrInvalid) {
			t.Fatalf("AddressHistory(bad cursor) = %v, want ErrInvalid", err)
		}
	})

	t.Run("findings merge and filter", func(t *testing.T) {
		s := setup(t)
		rule := &ledger.RuleInfo{ID: "TEST-RULE", Title: "t", Doc: "d", Severity: ledger.High, Category: ledger.CatIntegrity}
		t0 := time.Unix(100, 0).UTC()
		f := ledger.NewFinding(rule, "a", ledger.Subject{Kind: "tx", Ref: "01"}, t0, "m", nil)
		if err := s.PutFindings(ctx, []ledger.Finding{f}); err != nil {
			t.Fatal(err)
		}
		again := ledger.NewFinding(rule, "a", ledger.Subject{Kind: "tx", Ref: "01"}, t0.Add(time.Hour), "m", nil)
		again.Status = ledger.StatusOpen
		if err := s.PutFindings(ctx, []ledger.Finding{again}); err != nil {
			t.Fatal(err)
		}
		other := ledger.NewFinding(rule, "b", ledger.Subject{Kind: "tx", Ref: "02"}, t0, "m", nil)
		other.Severity = ledger.Low
		if err := s.PutFindings(ctx, []ledger.Finding{other}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Finding(ctx, f.ID)
		if err != nil || !got.FirstSeen.Equal(t0) || !got.LastSeen.Equal(t0.Add(time.Hour)) {
			t.Fatalf("Finding after refresh = %+v, %v", got, err)
		}
		all, _, err := s.Findings(ctx, ledger.FindingFilter{}, ledger.Page{})
		if err != nil || len(all) != 2 {
			t.Fatalf("Findings(all) = %d, %v; want 2", len(all), err)
		}
		for _, tc := range []struct {
			q    ledger.FindingFilter
			want int
		}{
			{ledger.FindingFilter{Chain: "a"}, 1},
			{ledger.FindingFilter{Chain: "b", Severity: ledger.High}, 0},
			{ledger.FindingFilter{MinSeverity: ledger.Medium}, 1},
			{ledger.FindingFilter{Rule: "TEST-RULE"}, 2},
			{ledger.FindingFilter{Since: t0.Add(30 * time.Minute)}, 1},
		} {
			got, _, err := s.Findings(ctx, tc.q, ledger.Page{})
			if err != nil || len(got) != tc.want {
				t.Errorf("Findings(%+v) = %d, %v; want %d", tc.q, len(got), err, tc.want)
			}
		}
	})
}

// U64 encodes v big-endian, handy for building deterministic test bytes.
func U64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}
