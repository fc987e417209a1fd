package nodes

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/geth"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// ingestFixture commits the peer blocks of a shared fixture network as
// chain "fab".
func ingestFixture(t *testing.T, db *index.DB, network string) {
	t.Helper()
	ctx := context.Background()
	dec, err := fabric.NewChannelDecoder("fab", "", false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rb, err := range fabric.BlockDir(ctx, filepath.Join(fixtures, network, "peer")) {
		if err != nil {
			t.Skipf("shared fixtures not present: %v", err)
		}
		b, err := dec.Decode(rb.Bytes)
		if err != nil {
			t.Fatalf("Decode(%s): %v", rb.File, err)
		}
		if err := db.Commit(ctx, b); err != nil {
			t.Fatalf("Commit(%d): %v", b.Height, err)
		}
		n++
	}
	if n == 0 {
		t.Skip("shared fixtures not present")
	}
}

func TestBlockParticipationFixture(t *testing.T) {
	db := memIndex(t)
	ingestFixture(t, db, "fabric-2.5.9")
	p, err := BlockParticipation(context.Background(), db, "fab", nil, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	if p.Blocks != 13 || len(p.Unsigned) != 0 || len(p.Signers) != 1 {
		t.Fatalf("BlockParticipation = %d blocks, unsigned %v, %d signers; want 13, none, 1", p.Blocks, p.Unsigned, len(p.Signers))
	}
	s := p.Signers[0]
	if s.MSPID != "OrdererMSP" || s.Signed != 12 || s.LastHeight != 12 {
		t.Errorf("orderer stats = %+v, want OrdererMSP signing 12 blocks up to 12", s)
	}
}

// TestSupervisorRound runs whole rounds over the ingested fixture with one
// registered (unreachable) peer: probe evidence, posture, health and risk
// are all stored, and the risk trend grows by one point per round.
func TestSupervisorRound(t *testing.T) {
	db := memIndex(t)
	ingestFixture(t, db, "fabric-2.5.9")
	ctx := context.Background()
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	n := peer("peer0-org1")
	n.Endpoint, n.Operations = "127.0.0.1:"+itoa(port), ""
	reg := NewRegistry(db, db)
	if _, err := reg.Register(ctx, n, "t"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	// Findings of other stages count in the chain scores while open: a
	// critical contract finding on evm; a critical one on fab that the
	// regulator closed as a false positive does not.
	contract := &ledger.RuleInfo{ID: "TEST-CONTRACT", Title: "contract", Doc: "d", Severity: ledger.Critical, Category: ledger.CatContract}
	fp := ledger.NewFinding(contract, "fab", ledger.Subject{Kind: "contract", Ref: "basic"}, now, "contract", nil)
	fp.Status = ledger.StatusFalsePositive
	if err := db.PutFindings(ctx, []ledger.Finding{ledger.NewFinding(contract, "evm", ledger.Subject{Kind: "contract", Ref: "0xc0"}, now, "contract", nil), fp}); err != nil {
		t.Fatal(err)
	}
	clock := now
	sup, err := NewSupervisor(Config{Timeout: time.Second, Jitter: time.Millisecond, Now: func() time.Time { return clock }}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		clock = now.Add(time.Duration(round) * time.Minute)
		st, err := sup.Round(ctx)
		if err != nil {
			t.Fatalf("Round %d = %v", round, err)
		}
		if st.Probed != 1 || st.Findings == 0 || st.Scores != 5 { // node, Org1MSP, OrdererMSP, chains fab and evm
			t.Errorf("Round %d stats = %+v, want 1 probed, findings, 5 scores", round, st)
		}
	}
	probes, err := db.Probes(ctx, "Org1MSP", "peer0-org1", 10)
	if err != nil || len(probes) != 2 {
		t.Fatalf("Probes = %d, %v; want 2", len(probes), err)
	}
	var res Result
	if err := json.Unmarshal(probes[0].Doc, &res); err != nil || len(res.Evidence) == 0 || rulesOf(res.Findings)[RuleUnreachable.ID] != 1 {
		t.Errorf("stored probe = %+v (%v), want evidence and NODE-UNREACHABLE", res, err)
	}
	for _, rule := range []string{RuleNoFaultTolerance.ID, RuleSingleOrgChannel.ID, RuleUnreachable.ID} {
		fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "fab", Rule: rule}, ledger.Page{Limit: 10})
		if err != nil || len(fs) != 1 {
			t.Errorf("Findings(%s) = %d, %v; want 1", rule, len(fs), err)
		}
	}
	// The orderer signs blocks and the OrdererMSP admin created the config
	// update of block 11; Org1MSP's endorsers and clients are covered by
	// its registered peer.
	fs, _, _ := db.Findings(ctx, ledger.FindingFilter{Chain: "fab", Rule: RuleUnregisteredOrg.ID}, ledger.Page{Limit: 10})
	var refs []string
	for _, f := range fs {
		refs = append(refs, f.Subject.Ref)
	}
	slices.Sort(refs)
	if !slices.Equal(refs, []string{"OrdererMSP:creator", "OrdererMSP:orderer"}) {
		t.Errorf("unregistered = %v, want OrdererMSP:creator and OrdererMSP:orderer", refs)
	}
	for _, subj := range []string{"node/Org1MSP/peer0-org1", "org/fab/Org1MSP", "chain/fab"} {
		pts, err := db.RiskTrend(ctx, subj, now.Add(-time.Hour), 0)
		if err != nil || len(pts) != 2 {
			t.Fatalf("RiskTrend(%s) = %d points, %v; want 2", subj, len(pts), err)
		}
		var sc Score
		if err := json.Unmarshal(pts[1].Doc, &sc); err != nil {
			t.Fatal(err)
		}
		if sc.Score == 0 || sc.Explanation == "" || len(sc.Contributors) == 0 || !pts[0].Time.Before(pts[1].Time) {
			t.Errorf("RiskTrend(%s) last = %+v, want a scored, explained point after the first", subj, sc)
		}
		t.Logf("%s: %s", subj, sc.Explanation)
	}
	for subj, want := range map[string]string{"chain/evm": "critical", "chain/fab": "high"} {
		pts, err := db.RiskTrend(ctx, subj, now.Add(-time.Hour), 0)
		if err != nil || len(pts) == 0 {
			t.Fatalf("RiskTrend(%s) = %d points, %v", subj, len(pts), err)
		}
		var sc Score
		if err := json.Unmarshal(pts[len(pts)-1].Doc, &sc); err != nil {
			t.Fatal(err)
		}
		if sc.Level != want || (want == "critical") != (sc.Score >= 70) {
			t.Errorf("RiskTrend(%s) last = %d %s, want %s: %s", subj, sc.Score, sc.Level, want, sc.Explanation)
		}
	}
}

// TestSuperviseLoop runs the loop `lianjian serve` starts until its
// context ends: it returns nil, and its first round was stored.
func TestSuperviseLoop(t *testing.T) {
	db := memIndex(t)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := Supervise(ctx, db, Config{Interval: time.Second, Jitter: time.Millisecond}, nil); err != nil {
		t.Fatalf("Supervise = %v, want nil when the context ends", err)
	}
	pts, err := db.RiskTrend(context.Background(), "chain/evm", time.Time{}, 0)
	if err != nil || len(pts) < 1 {
		t.Errorf("RiskTrend(chain/evm) = %d points, %v; want the loop's rounds", len(pts), err)
	}
	if err := Supervise(context.Background(), db, Config{Concurrency: -1}, nil); err == nil {
		t.Error("Supervise(bad config) = nil, want an error")
	}
}
