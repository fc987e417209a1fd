package console_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lianjian/lianjian/internal/testnet/fisconet"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco"
	"github.com/lianjian/lianjian/ledger/index"
)

// fiscoChain is the FISCO BCOS 3.x GM chain of the end-to-end index: the
// fiscochain JSON-RPC test chain (blocks built and signed with FISCO's
// reference Go code; not a FISCO node), with sealer 4 added at block 3
// and a system config change at block 5.
const (
	fiscoChain  = "fisco-gm"
	fiscoHeight = 8
)

// importFisco runs the test chain, ingests its first blocks through the
// FISCO adapter and returns the last height.
func importFisco(ctx context.Context, t *testing.T, db *index.DB) uint64 {
	t.Helper()
	ch, err := fisconet.Start(ctx, fisconet.Options{
		Version: 3, GM: true, Interval: 100 * time.Millisecond, Txs: 2, DataDir: t.TempDir(),
		Governance: []string{"3:addSealer:4:1", "5:setConfig:tx_count_limit:2000"},
	})
	if err != nil {
		t.Fatalf("fisconet.Start = %v", err)
	}
	t.Cleanup(ch.Stop)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var n json.RawMessage
		if err := ch.Call(ctx, &n, "getBlockNumber", ch.Group, ""); err == nil {
			if v, _ := strconv.ParseUint(strings.Trim(string(n), `"`), 0, 64); v >= fiscoHeight {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the FISCO test chain did not reach height %d", fiscoHeight)
		}
	}
	src, err := fisco.Dial(ctx, fisco.ClientConfig{Config: fisco.Config{Chain: fiscoChain, Group: "group0"}, URL: ch.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m := ledger.Chain{ID: fiscoChain, Kind: ledger.KindFisco, Name: "FISCO BCOS 3.x (test chain)", Crypto: ledger.CryptoGM, Group: "group0"}
	if err := db.PutChain(ctx, m); err != nil {
		t.Fatal(err)
	}
	in, err := ledger.NewIngester(fiscoChain, src, db, ledger.IngestConfig{To: fiscoHeight, Batch: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(ctx); err != nil {
		t.Fatalf("ingest %s = %v", fiscoChain, err)
	}
	return fiscoHeight
}

// fiscoPages visits the FISCO chain as the regulator: a block with its
// sealers and quorum, the governance history and a governance call, and
// the sealers' health.
func fiscoPages(t *testing.T, tb *tab) {
	tb.open("/chains/" + fiscoChain + "/blocks/6")
	tb.wait("fisco sealers", `document.querySelectorAll('#fisco-sealers tbody tr').length === 5`)
	if got := tb.text("#fisco-quorum"); !strings.Contains(got, "/") {
		t.Errorf("FISCO block 6 quorum = %q, want signed weight / needed", got)
	}
	if n := tb.count(`#fisco-sealers tr[data-verdict="verified"]`); n < 4 {
		t.Errorf("FISCO block 6 has %d verified sealer signatures, want at least 4", n)
	}
	tb.shot("08d-fisco-block")
	chinese(t, tb, "FISCO BCOS block")

	tb.open("/chains/" + fiscoChain + "/governance")
	tb.wait("governance", `document.querySelector('#governance')?.dataset.done === 'true'`)
	if n := tb.count("#governance .vt-row"); n != 2 {
		t.Errorf("FISCO governance history has %d rows, want 2", n)
	}
	if got := tb.text("#governance"); !strings.Contains(got, "新增共识节点") || !strings.Contains(got, "修改系统配置") {
		t.Errorf("FISCO governance history = %q, want the add-sealer and set-config calls", got)
	}
	tb.shot("08e-fisco-governance")
	chinese(t, tb, "FISCO BCOS governance")
	tb.do("open governance tx", chromedp.Click(chromedp.CSS("#governance .vt-row")))
	tb.wait("governance call", `document.querySelector('#tx-governance')`)
	if got := tb.text("#tx-governance"); !strings.Contains(got, "tx_count_limit") {
		t.Errorf("FISCO governance tx = %q, want the set-config call", got)
	}
	tb.shot("08f-fisco-governance-tx")
	chinese(t, tb, "FISCO BCOS governance tx")

	tb.open("/chains/" + fiscoChain + "/sealers")
	tb.wait("sealer health", `document.querySelectorAll('#sealer-health tbody tr').length === 5`)
	if got := tb.text("#sealer-health"); !strings.Contains(got, "/ 8") {
		t.Errorf("FISCO sealers = %q, want signed counts over the 8 sealed blocks", got)
	}
	tb.shot("08g-fisco-sealers")
	chinese(t, tb, "FISCO BCOS sealers")
}
