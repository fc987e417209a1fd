package fisco_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco"
)

// findingsOf lists every finding of the blocks as "height rule subject".
func findingsOf(blocks []*ledger.Block) []string {
	var out []string
	for _, b := range blocks {
		for _, f := range b.Findings {
			out = append(out, fmt.Sprintf("%d %s %s", b.Height, f.Rule, f.Subject.Ref))
		}
	}
	slices.Sort(out)
	return out
}

// TestHotKeyTables verifies chains whose senders and sealers sign far more
// than hotUses times, with per-key tables and without, on 3.x and 2.x,
// national crypto and not. Clean blocks must verify identically; then, in
// the last block, where every key is hot, transaction signatures are
// tampered in the ways a table could get wrong (another recovery id, a
// changed s, a from naming another hot sender): both verifiers must file
// the same findings, so a table never accepts what the libraries reject.
func TestHotKeyTables(t *testing.T) {
	for _, c := range []struct {
		version int
		gm      bool
	}{{3, false}, {3, true}, {2, false}, {2, true}} {
		t.Run(fmt.Sprintf("%d.x/gm=%v", c.version, c.gm), func(t *testing.T) {
			ch := startChain(t, fisconet.Options{Version: c.version, GM: c.gm, Sealers: 4, BulkBlocks: 6, BulkTxs: 900, Interval: time.Hour})
			ctx := context.Background()
			src, err := fisco.Dial(ctx, fisco.ClientConfig{Config: fisco.Config{Chain: "hot"}, URL: ch.URL})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			raws, receipts, err := src.FetchRaw(ctx, 0, 6)
			if err != nil {
				t.Fatal(err)
			}
			verify := func(tables bool, raws []json.RawMessage) ([]*ledger.Block, int64) {
				t.Helper()
				cfg := fisco.Config{Chain: "hot"}
				if !tables {
					cfg.KeyTables = -1
				}
				v, err := fisco.NewVerifier(cfg)
				if err != nil {
					t.Fatal(err)
				}
				blocks, err := v.VerifyBatch(raws, receipts, 2)
				if err != nil {
					t.Fatal(err)
				}
				return blocks, v.Tabled()
			}
			fast, tabled := verify(true, raws)
			slow, _ := verify(false, raws)
			if got := findingsOf(fast); len(got) > 0 {
				t.Fatalf("clean chain with tables: %v", got)
			}
			if got := findingsOf(slow); len(got) > 0 {
				t.Fatalf("clean chain without tables: %v", got)
			}
			if tabled < 500 {
				t.Fatalf("Tabled() = %d, want most of the 900 transactions and the sealer signatures", tabled)
			}
			for i := range fast {
				if !slices.EqualFunc(fast[i].Txs, slow[i].Txs, func(a, b ledger.Tx) bool {
					return a.From == b.From && string(a.Fisco.PublicKey) == string(b.Fisco.PublicKey)
				}) {
					t.Fatalf("block %d: senders differ with and without tables", fast[i].Height)
				}
			}

			last := len(raws) - 1
			tampered := slices.Clone(raws)
			tampered[last] = tamperSigs(t, raws[last], c.gm)
			fast, _ = verify(true, tampered)
			slow, _ = verify(false, tampered)
			got, want := findingsOf(fast), findingsOf(slow)
			if !slices.Equal(got, want) {
				t.Fatalf("findings with tables differ from the libraries'\n with: %v\n without: %v", got, want)
			}
			// Each tampered transaction is caught: a bad signature, a
			// sender mismatch, or (2.x, whose hash covers the signature)
			// a hash mismatch.
			caught := map[string]bool{}
			for _, f := range want {
				caught[strings.Fields(f)[2]] = true
			}
			if len(caught) < 3 {
				t.Fatalf("%d tampered transactions caught, want 3: %v", len(caught), want)
			}
		})
	}
}

// tamperSigs edits three transactions of a served block: the first gets
// the other recovery id (secp256k1) or a changed r (SM2), the second a
// changed s, and the third reports the first one's sender as its from.
func tamperSigs(t *testing.T, raw json.RawMessage, gm bool) json.RawMessage {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	txs, _ := b["transactions"].([]any)
	if len(txs) < 3 {
		t.Fatalf("block has %d transactions", len(txs))
	}
	obj := func(i int) map[string]any { return txs[i].(map[string]any) }
	// 3.x serves the signature as a hex string, 2.x as an object whose
	// "signature" member is used.
	field := func(i int) (map[string]any, string) {
		if o, ok := obj(i)["signature"].(map[string]any); ok {
			return o, "signature"
		}
		return obj(i), "signature"
	}
	sig := func(i int) []byte {
		m, k := field(i)
		s, _ := m[k].(string)
		v, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
		if err != nil || len(v) < 65 {
			t.Fatalf("transaction %d: signature %q", i, s)
		}
		return v
	}
	set := func(i int, v []byte) {
		m, k := field(i)
		m[k] = "0x" + hex.EncodeToString(v)
	}

	s0 := sig(0)
	if gm {
		s0[31] ^= 1
	} else {
		s0[64] ^= 1 // 0↔1 or 27↔28
	}
	set(0, s0)
	s1 := sig(1)
	s1[63] ^= 0x40
	set(1, s1)
	from := obj(0)["from"]
	for i := 2; i < len(txs); i++ {
		if obj(i)["from"] != from {
			obj(i)["from"] = from
			break
		}
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
