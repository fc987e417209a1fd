package evm_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/evm"
)

// tamperer rewrites JSON-RPC responses from a real node: it raises the
// value of one transaction, flips the status of one receipt and changes
// gasUsed in the header of the block holding a third transaction.
type tamperer struct {
	valueTx, statusTx, headerTx string
}

func (tp *tamperer) rewrite(body []byte) []byte {
	var batch []map[string]json.RawMessage
	single := false
	if err := json.Unmarshal(body, &batch); err != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(body, &one) != nil {
			return body
		}
		batch, single = []map[string]json.RawMessage{one}, true
	}
	for _, msg := range batch {
		res := msg["result"]
		switch {
		case bytes.HasPrefix(res, []byte(`{`)):
			msg["result"] = tp.block(res)
		case bytes.HasPrefix(res, []byte(`[`)):
			msg["result"] = tp.receipts(res)
		}
	}
	var out []byte
	if single {
		out, _ = json.Marshal(batch[0])
	} else {
		out, _ = json.Marshal(batch)
	}
	return out
}

func (tp *tamperer) block(res json.RawMessage) json.RawMessage {
	var b map[string]any
	if json.Unmarshal(res, &b) != nil {
		return res
	}
	txs, _ := b["transactions"].([]any)
	for _, t := range txs {
		tx, ok := t.(map[string]any)
		if !ok {
			continue
		}
		switch tx["hash"] {
		case tp.valueTx:
			tx["value"] = "0x1bc16d674ec80000" // 2 ether
		case tp.headerTx:
			gas, _ := strconv.ParseUint(strings.TrimPrefix(b["gasUsed"].(string), "0x"), 16, 64)
			b["gasUsed"] = "0x" + strconv.FormatUint(gas+1, 16)
		}
	}
	out, _ := json.Marshal(b)
	return out
}

func (tp *tamperer) receipts(res json.RawMessage) json.RawMessage {
	var rs []map[string]any
	if json.Unmarshal(res, &rs) != nil {
		return res
	}
	for _, r := range rs {
		if r["transactionHash"] == tp.statusTx {
			r["status"] = "0x0"
		}
	}
	out, _ := json.Marshal(rs)
	return out
}

// proxy serves a tampering reverse proxy in front of target on loopback.
func (tp *tamperer) proxy(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Header.Del("Accept-Encoding") // rewrite plain JSON
	}}
	rp.ModifyResponse = func(r *http.Response) error {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return err
		}
		r.Header.Del("Content-Encoding")
		body = tp.rewrite(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rp}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func TestTamperingProxy(t *testing.T) {
	n, tr := startGeth(t, geth.TrafficOptions{})
	// Funding txs 0-3, then legacy (4), access-list (5), dynamic-fee (6).
	tp := &tamperer{valueTx: tr.Txs[4].Hex(), statusTx: tr.Txs[5].Hex(), headerTx: tr.Txs[6].Hex()}
	db, _ := ingestAll(t, tp.proxy(t, n.HTTP), "")
	got := findingsByRule(t, db)

	want := map[string]string{ // rule -> subject ref that must be named
		evm.RuleTxHash.ID:      strings.TrimPrefix(tp.valueTx, "0x"),
		evm.RuleSender.ID:      strings.TrimPrefix(tp.valueTx, "0x"),
		evm.RuleTxRoot.ID:      "",
		evm.RuleReceiptRoot.ID: "",
		evm.RuleHeaderHash.ID:  "",
	}
	for rule, ref := range want {
		fs := got[rule]
		if len(fs) != 1 {
			t.Errorf("%s findings = %d, want 1", rule, len(fs))
			continue
		}
		if ref != "" && fs[0].Subject.Ref != ref {
			t.Errorf("%s names %s, want %s", rule, fs[0].Subject.Ref, ref)
		}
		if fs[0].Evidence["block"] == "" || fs[0].Subject.Height == 0 {
			t.Errorf("%s has no block evidence: %+v", rule, fs[0])
		}
	}
	for rule, fs := range got {
		if _, ok := want[rule]; !ok {
			t.Errorf("unexpected %d %s findings: %s", len(fs), rule, fs[0].Message)
		}
	}
	// The tampered transaction's verdict says what failed.
	tx, err := db.Tx(t.Context(), "dev", tp.valueTx)
	if err != nil {
		t.Fatal(err)
	}
	if tx.Verdict.Status != ledger.Failed {
		t.Errorf("tampered tx verdict = %s, want failed", tx.Verdict.Status)
	}
	clean, err := db.Tx(t.Context(), "dev", tr.Txs[len(tr.Txs)-1].Hex())
	if err != nil {
		t.Fatal(err)
	}
	if clean.Verdict.Status != ledger.Verified {
		t.Errorf("clean tx verdict = %s %+v, want verified", clean.Verdict.Status, clean.Verdict.Checks)
	}
}
