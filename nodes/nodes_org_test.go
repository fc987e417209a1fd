package nodes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// legacyFindingID is ledger.FindingID as it was before node ids became
// org-scoped (issue 15): the org was not part of it.
func legacyFindingID(rule, chain string, s ledger.Subject) string {
	h := sha256.New()
	for _, p := range []string{rule, chain, s.Kind, s.Ref} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func TestFindingIDOfNodesPerOrg(t *testing.T) {
	org1 := ledger.Subject{Kind: "node", Ref: "peer0", Org: "Org1MSP"}
	org2 := ledger.Subject{Kind: "node", Ref: "peer0", Org: "Org2MSP"}
	if ledger.FindingID("R", "c", org1) == ledger.FindingID("R", "c", org2) {
		t.Error("two orgs' peer0 share a finding id")
	}
	if again := (ledger.Subject{Kind: "node", Ref: "peer0", Org: "Org1MSP"}); ledger.FindingID("R", "c", again) != ledger.FindingID("R", "c", org1) {
		t.Error("finding id is not stable")
	}
	// Other subjects, and node subjects without an org (a Clique signer),
	// keep the ids they had.
	for _, s := range []ledger.Subject{
		{Kind: "node", Ref: "0xabc"},
		{Kind: "config", Ref: "ch:nodeous:Org1MSP", Org: "Org1MSP"},
		{Kind: "identity", Ref: "ff00", Org: "Org1MSP"},
	} {
		if got, want := ledger.FindingID("R", "c", s), legacyFindingID("R", "c", s); got != want {
			t.Errorf("FindingID(%+v) = %s, want the unchanged %s", s, got, want)
		}
	}
}

// Two orgs' unreachable peer0 on one chain yield two findings, each the
// org's own, two probe records and two risk subjects.
func TestProbeFindingsPerOrg(t *testing.T) {
	db := memIndex(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	reg := NewRegistry(db, db)
	for _, org := range []string{"Org1MSP", "Org2MSP"} {
		n := peer("peer0")
		n.Org, n.Endpoint, n.Operations = org, dead, ""
		if _, err := reg.Register(ctx, n, "t"); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	sup, err := NewSupervisor(Config{Timeout: time.Second, Jitter: time.Millisecond, Now: func() time.Time { return now }}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	revs, err := reg.List(ctx, Filter{})
	if err != nil || len(revs) != 2 {
		t.Fatalf("List = %d, %v", len(revs), err)
	}
	chain, err := db.Chain(ctx, "fab")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sup.ProbeNodes(ctx, Active(revs), map[string]ledger.Chain{"fab": chain}); err != nil {
		t.Fatal(err)
	}
	fs, _, err := db.Findings(ctx, ledger.FindingFilter{Chain: "fab", Rule: RuleUnreachable.ID}, ledger.Page{Limit: 10})
	if err != nil || len(fs) != 2 || fs[0].ID == fs[1].ID || fs[0].Subject.Org == fs[1].Subject.Org {
		t.Fatalf("NODE-UNREACHABLE findings = %d, %v; want one per org", len(fs), err)
	}
	for _, org := range []string{"Org1MSP", "Org2MSP"} {
		fs, _, _ := db.Findings(ctx, ledger.FindingFilter{Chain: "fab", Rule: RuleUnreachable.ID, Org: org}, ledger.Page{Limit: 10})
		if len(fs) != 1 || fs[0].Subject.Ref != "peer0" {
			t.Errorf("findings of %s = %+v, want its peer0's", org, fs)
		}
		ps, err := db.Probes(ctx, org, "peer0", 0)
		if err != nil || len(ps) != 1 || ps[0].Org != org {
			t.Errorf("Probes(%s, peer0) = %+v, %v; want its one run", org, ps, err)
		}
	}
	all, _, _ := db.Findings(ctx, ledger.FindingFilter{Chain: "fab"}, ledger.Page{Limit: 100})
	var open []ledger.Finding
	for _, f := range all {
		open = append(open, *f)
	}
	scores := map[string]Score{}
	for _, s := range Scores(Active(revs), []string{"fab"}, open, now) {
		scores[s.Subject] = s
	}
	for _, org := range []string{"Org1MSP", "Org2MSP"} {
		s, ok := scores["node/"+org+"/peer0"]
		if !ok || s.Org != org || len(s.Contributors) == 0 {
			t.Errorf("score of %s's peer0 = %+v, want its findings", org, s)
			continue
		}
		for _, c := range s.Contributors {
			f, err := db.Finding(ctx, c.Finding)
			if err != nil || f.Subject.Org != org {
				t.Errorf("score of %s's peer0 counts %s of %q (%v)", org, c.Finding, f.Subject.Org, err)
			}
		}
	}
}

// A node finding stored before its id covered the org counts once with
// the finding raised now; a Clique signer's finding (no org) counts for
// the validator registered with that address.
func TestScoresLegacyAndSignerFindings(t *testing.T) {
	at := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	s := ledger.Subject{Kind: "node", Ref: "val", Org: "Ops"}
	cur := ledger.NewFinding(RuleEVMAdminAPI, "c", s, at, "m", nil)
	old := cur
	old.ID = legacyFindingID(cur.Rule, cur.Chain, s)
	absent := ledger.NewFinding(RuleCliqueAbsent, "c", ledger.Subject{Kind: "node", Ref: "0x00000000000000000000000000000000000000aa"}, at, "m", nil)
	nodes := []Node{
		{ID: "val", Chain: "c", Org: "Ops", Kind: EVMValidator, Address: "0x00000000000000000000000000000000000000AA"},
		{ID: "val", Chain: "c", Org: "Other", Kind: EVMRPC},
	}
	got := map[string]Score{}
	for _, sc := range Scores(nodes, []string{"c"}, []ledger.Finding{cur, old, absent}, at) {
		got[sc.Subject] = sc
	}
	if sc := got["node/Ops/val"]; len(sc.Contributors) != 2 || sc.Counts[ledger.Critical] != 1 || sc.Counts[ledger.Medium] != 1 {
		t.Errorf("node/Ops/val = %+v, want the admin API finding once and the absent signer", sc)
	}
	if sc := got["node/Other/val"]; len(sc.Contributors) != 0 {
		t.Errorf("node/Other/val = %+v, want nothing of Ops's val", sc)
	}
}
