package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco"
)

// retype returns v in the JSON form of old: a string of hex when old is
// a string, a number otherwise.
func retype(old json.RawMessage, v uint64) json.RawMessage {
	if len(old) > 0 && old[0] == '"' {
		return json.RawMessage(fmt.Sprintf(`"0x%x"`, v))
	}
	return json.RawMessage(fmt.Sprint(v))
}

// TestReauditFisco re-audits FISCO BCOS chains (fiscochain test chains,
// 3.x national crypto with a governance change and 2.x standard) from
// the index alone: clean chains give no integrity finding, and a stored
// block whose transaction, header or receipt was altered after ingest is
// caught at its height.
func TestReauditFisco(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts FISCO test chains")
	}
	for _, tc := range []struct {
		name string
		opts fisconet.Options
		c    ledger.Chain
	}{
		{"3.x-gm", fisconet.Options{Version: 3, GM: true, Sealers: 4, Observers: 1, Governance: []string{"6:addSealer:4"}},
			ledger.Chain{ID: "gm3", Kind: ledger.KindFisco, Crypto: ledger.CryptoGM, Group: "group0"}},
		{"2.x", fisconet.Options{Version: 2},
			ledger.Chain{ID: "std2", Kind: ledger.KindFisco, Crypto: ledger.CryptoIntl, Group: "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			const head = 16
			o := tc.opts
			o.BulkBlocks, o.BulkTxs, o.Interval, o.DataDir = head, 3*head, time.Hour, t.TempDir()
			ch, err := fisconet.Start(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer ch.Stop()
			dial := func() *fisco.Client {
				cfg := fisco.ClientConfig{Config: fisco.Config{Chain: tc.c.ID, Group: tc.c.Group, Version: o.Version}, URL: ch.URL}
				if tc.c.Crypto == ledger.CryptoGM {
					cfg.Suite = fisco.SuiteGM
				}
				c, err := fisco.Dial(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(c.Close)
				return c
			}

			clean := ingestInto(t, tc.c, dial(), head)
			sum, err := Reaudit(ctx, clean, Config{Chain: tc.c}, 0, head)
			if err != nil {
				t.Fatalf("Reaudit = %v", err)
			}
			if sum.Integrity != 0 || sum.Blocks != head+1 || sum.Txs == 0 || sum.Signatures <= sum.Txs {
				t.Errorf("Reaudit(clean) = %d blocks, %d txs, %d signatures, %d integrity findings %v; want %d blocks, signed txs and seals, none",
					sum.Blocks, sum.Txs, sum.Signatures, sum.Integrity, sum.Findings, head+1)
			}
			if fs := integrityAt(t, clean, tc.c.ID); len(fs) != 0 {
				t.Errorf("clean chain: integrity findings %v", fs)
			}
			for h := uint64(0); h <= head; h++ {
				if rec, err := clean.Audit(ctx, tc.c.ID, h); err != nil || rec.Verdict.Status != ledger.Verified {
					t.Fatalf("Audit(%d) = %v, %v; want verified", h, rec, err)
				}
			}
			// A range from mid-chain resumes after the stored block below
			// it, with the governance history up to it.
			if sum, err := Reaudit(ctx, clean, Config{Chain: tc.c}, head/2, head); err != nil || sum.Integrity != 0 {
				t.Errorf("Reaudit(%d..%d) = %d integrity findings %v, %v", head/2, head, sum.Integrity, sum.Findings, err)
			}

			const txAt, hdrAt, rcptAt = 3, 5, 9
			tampered := ingestInto(t, tc.c, tamperSource{Source: dial(), tamper: map[uint64]func([]byte) []byte{
				txAt: func(raw []byte) []byte {
					return editBundle(t, raw, func(blk map[string]json.RawMessage) {
						var txs []map[string]json.RawMessage
						if err := json.Unmarshal(blk["transactions"], &txs); err != nil || len(txs) == 0 {
							t.Fatalf("block %d transactions: %d, %v", txAt, len(txs), err)
						}
						txs[0]["input"] = json.RawMessage(`"0xdeadbeef"`)
						blk["transactions"], _ = json.Marshal(txs)
					})
				},
				hdrAt: func(raw []byte) []byte {
					return editBundle(t, raw, func(blk map[string]json.RawMessage) {
						blk["timestamp"] = retype(blk["timestamp"], 1_600_000_000_000)
					})
				},
				rcptAt: func(raw []byte) []byte {
					var bd ledger.Bundle
					if err := json.Unmarshal(raw, &bd); err != nil || len(bd.Receipts) == 0 {
						t.Fatalf("block %d receipts: %d, %v", rcptAt, len(bd.Receipts), err)
					}
					var rc map[string]json.RawMessage
					if err := json.Unmarshal(bd.Receipts[0], &rc); err != nil {
						t.Fatal(err)
					}
					rc["status"] = retype(rc["status"], 22)
					bd.Receipts[0], _ = json.Marshal(rc)
					return bd.Marshal()
				},
			}}, head)
			sum, err = Reaudit(ctx, tampered, Config{Chain: tc.c}, 0, head)
			if err != nil {
				t.Fatalf("Reaudit(tampered) = %v", err)
			}
			got := integrityAt(t, tampered, tc.c.ID)
			for _, h := range []uint64{txAt, hdrAt, rcptAt} {
				if len(got[h]) == 0 {
					t.Errorf("tampered block %d: no integrity finding", h)
				}
				if rec, err := tampered.Audit(ctx, tc.c.ID, h); err != nil || rec.Verdict.Status != ledger.Failed {
					t.Errorf("Audit(%d) = %v, %v; want failed", h, rec, err)
				}
			}
			for _, want := range []struct {
				h     uint64
				rules []string // one of
			}{
				{txAt, []string{fisco.RuleTxHash.ID}},
				{hdrAt, []string{fisco.RuleHeaderHash.ID}},
				// 3.x receipts carry their own hash, 2.x only the root.
				{rcptAt, []string{fisco.RuleReceiptHash.ID, fisco.RuleReceiptRoot.ID}},
			} {
				if !slices.ContainsFunc(want.rules, func(r string) bool { return got[want.h][r] }) {
					t.Errorf("tampered block %d: integrity findings %v, want one of %v", want.h, got[want.h], want.rules)
				}
			}
			for h := range got {
				if h != txAt && h != hdrAt && h != hdrAt+1 && h != rcptAt {
					t.Errorf("integrity findings %v at block %d, which was not tampered with", got[h], h)
				}
			}
			t.Logf("tampered: %v", got)
		})
	}
}
