package index

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index/badgerkv"
	"github.com/lianjian/lianjian/ledger/ledgertest"
	"github.com/lianjian/lianjian/ledger/supervise"
)

func openMem(t *testing.T) *DB {
	t.Helper()
	db, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var wfRule = &ledger.RuleInfo{ID: "NODE-OLD-VERSION", Title: "t", Doc: "d", Severity: ledger.High, Category: ledger.CatNode}

func testWorkflowAndRedetection(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := ledger.NewFinding(wfRule, "c", ledger.Subject{Kind: "node", Ref: "peer0", Org: "Org1MSP"}, t0, "old", nil)
	if err := db.PutFindings(ctx, []ledger.Finding{f}); err != nil {
		t.Fatal(err)
	}
	op := supervise.Request{Actor: "op1", Role: supervise.RoleOperator, Org: "Org1MSP"}
	reg := supervise.Request{Actor: "reg", Role: supervise.RoleRegulator}
	step := func(r supervise.Request, to ledger.Status, confirm bool) error {
		r.To, r.Confirm, r.Comment = to, confirm, "step to "+string(to)
		_, _, err := db.ChangeFinding(ctx, f.ID, r, t0.Add(time.Hour))
		return err
	}
	other := op
	other.Org = "Org2MSP"
	for i, tc := range []struct {
		req     supervise.Request
		to      ledger.Status
		confirm bool
		ok      bool
	}{
		{other, ledger.StatusAcknowledged, false, false},
		{op, ledger.StatusAcknowledged, false, true},
		{op, ledger.StatusFalsePositive, false, false},
		{op, ledger.StatusRectifying, false, true},
		{op, ledger.StatusResolved, false, true},
		{op, ledger.StatusOpen, false, false},
		{op, "", true, false},
		{reg, "", true, true},
		{reg, "", true, false},
	} {
		err := step(tc.req, tc.to, tc.confirm)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, supervise.ErrTransition)) {
			t.Fatalf("step %d: %s -> %q confirm=%v: err %v, want ok=%v", i, tc.req.Role, tc.to, tc.confirm, err, tc.ok)
		}
	}
	// Replaying an old block does not reopen; a newer sighting does.
	old := f
	if err := db.PutFindings(ctx, []ledger.Finding{old}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Finding(ctx, f.ID); got.Status != ledger.StatusResolved {
		t.Fatalf("after replay status = %s, want resolved", got.Status)
	}
	again := f
	again.FirstSeen, again.LastSeen = t0.Add(2*time.Hour), t0.Add(2*time.Hour)
	again.Evidence = map[string]string{"version": "2.2.0"}
	if err := db.PutFindings(ctx, []ledger.Finding{again}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Finding(ctx, f.ID)
	if err != nil || got.Status != ledger.StatusOpen || !got.FirstSeen.Equal(t0) {
		t.Fatalf("after re-detection = %+v, %v; want open, first seen %v", got, err, t0)
	}
	hist, st, err := db.FindingHistory(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i, c := range hist {
		if c.Seq != i+1 {
			t.Errorf("history[%d].Seq = %d, want %d", i, c.Seq, i+1)
		}
		kinds = append(kinds, fmt.Sprintf("%s:%s>%s", c.Kind, c.From, c.To))
	}
	want := "status:open>acknowledged status:acknowledged>rectifying status:rectifying>resolved confirm:resolved>resolved redetected:resolved>open"
	if strings.Join(kinds, " ") != want {
		t.Errorf("history = %s\nwant      %s", strings.Join(kinds, " "), want)
	}
	if st.Seq != 5 || st.Confirmed || hist[4].Evidence["version"] != "2.2.0" {
		t.Errorf("state = %+v, last = %+v", st, hist[4])
	}
	if _, _, err := db.ChangeFinding(ctx, "nope", reg, t0); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("ChangeFinding(nope) = %v, want ErrNotFound", err)
	}
}

func TestAuditLogDetectsTampering(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	for i := range 5 {
		a := supervise.Action{Time: time.Unix(int64(1_700_000_000+i), 0), Actor: "reg", Op: "POST /api/v1/users", Target: fmt.Sprint(i), Remote: "127.0.0.1", Outcome: "200"}
		e, err := db.AppendAudit(ctx, a)
		if err != nil || e.Seq != uint64(i+1) {
			t.Fatalf("AppendAudit %d = %d, %v", i, e.Seq, err)
		}
	}
	if n, err := db.VerifyAudit(ctx); n != 5 || err != nil {
		t.Fatalf("VerifyAudit = %d, %v; want 5, nil", n, err)
	}
	for _, tc := range []struct {
		name string
		edit func(e *supervise.Entry) []byte
	}{
		{"edited outcome", func(e *supervise.Entry) []byte { e.Outcome = "403"; return nil }},
		{"rehashed entry", func(e *supervise.Entry) []byte { e.Actor = "mallory"; e.Hash = e.Sum(); return nil }},
		{"garbage", func(*supervise.Entry) []byte { return []byte("{") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var saved []byte
			err := db.db.Update(func(txn *badger.Txn) error {
				item, err := txn.Get(auditKey(3))
				if err != nil {
					return err
				}
				saved, _ = item.ValueCopy(nil)
				var e supervise.Entry
				if err := decode(saved, &e); err != nil {
					return err
				}
				if raw := tc.edit(&e); raw != nil {
					return txn.Set(auditKey(3), raw)
				}
				return put(badgerkv.Txn{T: txn}, auditKey(3), e)
			})
			if err != nil {
				t.Fatal(err)
			}
			n, err := db.VerifyAudit(ctx)
			// An edited entry breaks at 3; a re-hashed one breaks the link at 4.
			if !errors.Is(err, supervise.ErrBrokenChain) || !(strings.Contains(err.Error(), "entry 3") || strings.Contains(err.Error(), "entry 4")) {
				t.Fatalf("VerifyAudit after edit = %d, %v; want broken chain at entry 3 or 4", n, err)
			}
			if err := db.db.Update(func(txn *badger.Txn) error { return txn.Set(auditKey(3), saved) }); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Fatalf("VerifyAudit after restore = %v", err)
	}
}

func testTokens(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	now := time.Now()
	tok, secret, err := supervise.NewToken("op", supervise.RoleOperator, "Org1MSP", "cli", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := db.PutToken(ctx, tok); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("PutToken twice = %v, want ErrInvalid", err)
	}
	id, err := supervise.TokenID(secret)
	if err != nil || id != tok.ID {
		t.Fatalf("TokenID = %q, %v; want %q", id, err, tok.ID)
	}
	got, err := db.Token(ctx, id)
	if err != nil || !got.Matches(secret) || got.Matches(secret+"x") || !got.Active(now) {
		t.Fatalf("Token(%s) = %+v, %v", id, got, err)
	}
	if strings.Contains(fmt.Sprintf("%+v", got), secret) {
		t.Fatal("stored token contains the secret")
	}
	if _, err := db.RevokeToken(ctx, id, now); err != nil {
		t.Fatal(err)
	}
	ts, err := db.Tokens(ctx)
	if err != nil || len(ts) != 1 || ts[0].Active(now) {
		t.Fatalf("Tokens after revoke = %+v, %v", ts, err)
	}
	if _, err := db.RevokeToken(ctx, "0000000000000000", now); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("RevokeToken(unknown) = %v", err)
	}
}

func testSearch(t *testing.T, open opener) {
	ctx := context.Background()
	db := open(t)
	if err := db.PutChain(ctx, ledger.Chain{ID: "evm", Kind: ledger.KindEVM}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutChain(ctx, ledger.Chain{ID: "fab", Kind: ledger.KindFabric, Network: "net", Channel: "mychannel"}); err != nil {
		t.Fatal(err)
	}
	for _, b := range ledgertest.Chain("evm", "a", 0, 3, nil) {
		if err := db.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	fb := ledgertest.Chain("fab", "a", 0, 1, nil)[0]
	creator := &ledger.Identity{MSPID: "Org1MSP", Subject: "CN=User1@org1.example.com,O=org1", Serial: "1A2B", Fingerprint: strings.Repeat("ab", 32)}
	fb.Txs[0].Creator, fb.Txs[0].Contract = creator, "basic"
	fb.Config = &ledger.Config{MSPs: []ledger.MSP{{ID: "OrdererMSP", Group: "Orderer", Org: "OrdererOrg", RootCerts: [][]byte{[]byte("root-der")}}}}
	if err := db.Commit(ctx, fb); err != nil {
		t.Fatal(err)
	}
	evmTx := ledgertest.Chain("evm", "a", 0, 3, nil)[2].Txs[1].ID
	for _, tc := range []struct {
		q    string
		want []string // kind/chain/field
	}{
		{evmTx, []string{"tx/evm/id"}},
		{"0x" + strings.ToUpper(evmTx), []string{"tx/evm/id"}},
		{fmt.Sprintf("%x", ledgertest.Hash("evm/a/1")), []string{"block/evm/hash"}},
		{"0", []string{"block/evm/height", "block/fab/height"}},
		{"2", []string{"block/evm/height"}},
		{"0x0000000000000000000000000000000000000001", []string{"address/evm/address", "address/fab/address"}},
		{"0x00000000000000000000000000000000000000AA", []string{"address/evm/address", "address/fab/address"}},
		{"Org1MSP", []string{"msp/fab/msp"}},
		{"1a2b", []string{"identity/fab/serial"}},
		{"cn=user1@org1.example.com,o=org1", []string{"identity/fab/subject"}},
		{strings.Repeat("AB", 32), []string{"identity/fab/fingerprint"}},
		{"basic", []string{"contract/fab/name"}},
		{"orderermsp", []string{"msp/fab/msp"}},
		{fmt.Sprintf("%x", sha256.Sum256([]byte("root-der"))), []string{"identity/fab/fingerprint"}},
		{"nothing", nil},
	} {
		t.Run(tc.q, func(t *testing.T) {
			ms, err := db.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Kind+"/"+m.Chain+"/"+m.Field)
				if m.Chain == "fab" && (m.Channel != "mychannel" || m.Network != "net") {
					t.Errorf("Search(%s) match %+v lacks channel", tc.q, m)
				}
				if m.Kind == "identity" && m.Org != "Org1MSP" && m.Org != "OrdererMSP" {
					t.Errorf("Search(%s) identity org = %q", tc.q, m.Org)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("Search(%s) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
	if _, err := db.Search(ctx, " "); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("Search(blank) = %v, want ErrInvalid", err)
	}
}
