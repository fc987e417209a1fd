package supervise

import (
	"errors"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

func TestApply(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := func(s ledger.Status) *ledger.Finding {
		return &ledger.Finding{ID: "f", Rule: "R", Status: s, Subject: ledger.Subject{Org: "Org1MSP"}}
	}
	op := Request{Actor: "op", Role: RoleOperator, Org: "Org1MSP"}
	reg := Request{Actor: "reg", Role: RoleRegulator}
	with := func(r Request, to ledger.Status) Request { r.To = to; return r }
	for _, tc := range []struct {
		name string
		from ledger.Status
		st   State
		req  Request
		kind ChangeKind // empty: refused
	}{
		{"operator acknowledges", ledger.StatusOpen, State{}, with(op, ledger.StatusAcknowledged), KindStatus},
		{"operator jumps to resolved", ledger.StatusOpen, State{}, with(op, ledger.StatusResolved), KindStatus},
		{"operator goes back", ledger.StatusRectifying, State{}, with(op, ledger.StatusAcknowledged), ""},
		{"operator reopens", ledger.StatusResolved, State{}, with(op, ledger.StatusOpen), ""},
		{"operator accepts risk", ledger.StatusOpen, State{}, with(op, ledger.StatusAcceptedRisk), ""},
		{"operator of another org", ledger.StatusOpen, State{}, with(Request{Actor: "x", Role: RoleOperator, Org: "Org2MSP"}, ledger.StatusAcknowledged), ""},
		{"operator sets deadline", ledger.StatusOpen, State{}, Request{Actor: "op", Role: RoleOperator, Org: "Org1MSP", Deadline: now}, ""},
		{"operator comments", ledger.StatusOpen, State{}, Request{Actor: "op", Role: RoleOperator, Org: "Org1MSP", Comment: "x"}, KindComment},
		{"auditor", ledger.StatusOpen, State{}, with(Request{Actor: "a", Role: RoleAuditor}, ledger.StatusAcknowledged), ""},
		{"no actor", ledger.StatusOpen, State{}, with(Request{Role: RoleRegulator}, ledger.StatusAcknowledged), ""},
		{"regulator false positive", ledger.StatusOpen, State{}, with(reg, ledger.StatusFalsePositive), KindStatus},
		{"regulator reopens", ledger.StatusAcceptedRisk, State{}, with(reg, ledger.StatusOpen), KindStatus},
		{"regulator same status", ledger.StatusOpen, State{}, with(reg, ledger.StatusOpen), ""},
		{"regulator unknown status", ledger.StatusOpen, State{}, with(reg, "closed"), ""},
		{"regulator confirms", ledger.StatusResolved, State{}, Request{Actor: "reg", Role: RoleRegulator, Confirm: true}, KindConfirm},
		{"confirm twice", ledger.StatusResolved, State{Confirmed: true}, Request{Actor: "reg", Role: RoleRegulator, Confirm: true}, ""},
		{"confirm open", ledger.StatusOpen, State{}, Request{Actor: "reg", Role: RoleRegulator, Confirm: true}, ""},
		{"empty request", ledger.StatusOpen, State{}, reg, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Apply(f(tc.from), tc.st, tc.req, now)
			if tc.kind == "" {
				if !errors.Is(err, ErrTransition) {
					t.Fatalf("Apply = %+v, %v; want ErrTransition", c, err)
				}
				return
			}
			if err != nil || c.Kind != tc.kind || c.Seq != tc.st.Seq+1 || c.From != tc.from {
				t.Fatalf("Apply = %+v, %v; want a %s entry", c, err, tc.kind)
			}
		})
	}
}

func TestStateNext(t *testing.T) {
	t0 := time.Unix(100, 0)
	st := State{}.Next(Change{Seq: 1, Kind: KindStatus, From: ledger.StatusRectifying, To: ledger.StatusResolved, At: t0})
	st = st.Next(Change{Seq: 2, Kind: KindConfirm, From: ledger.StatusResolved, To: ledger.StatusResolved, At: t0.Add(time.Hour)})
	if st.Seq != 2 || !st.Confirmed || !st.Since.Equal(t0) {
		t.Fatalf("state = %+v", st)
	}
	if _, ok := Redetect(&ledger.Finding{Status: ledger.StatusResolved}, st, t0.Add(-time.Hour), nil); ok {
		t.Error("a sighting before the resolution reopened the finding")
	}
	c, ok := Redetect(&ledger.Finding{Status: ledger.StatusResolved, Rule: "R"}, st, t0.Add(2*time.Hour), nil)
	if !ok || c.To != ledger.StatusOpen || c.Seq != 3 || st.Next(c).Confirmed {
		t.Errorf("Redetect = %+v, %v", c, ok)
	}
	if _, ok := Redetect(&ledger.Finding{Status: ledger.StatusFalsePositive}, State{}, t0, nil); ok {
		t.Error("a false positive reopened")
	}
}

func TestReorged(t *testing.T) {
	t0 := time.Unix(100, 0).UTC()
	f := &ledger.Finding{Status: ledger.StatusAcknowledged, Subject: ledger.Subject{Kind: "tx", Height: 7}}
	c, ok := Reorged(f, State{Seq: 1}, 5, t0)
	if !ok || c.Kind != KindReorged || c.To != ledger.StatusResolved || c.Seq != 2 || c.Comment == "" {
		t.Fatalf("Reorged = %+v, %v", c, ok)
	}
	st := State{Seq: 1}.Next(c)
	if !st.Reorged {
		t.Fatalf("state after a reorg = %+v", st)
	}
	// A sighting older than the reorg (the re-including block's time)
	// reopens it, at the reorg's time so that history stays in order.
	again, ok := Redetect(&ledger.Finding{Status: ledger.StatusResolved, Rule: "R"}, st, t0.Add(-time.Hour), nil)
	if !ok || !again.At.Equal(t0) || st.Next(again).Reorged {
		t.Errorf("Redetect after a reorg = %+v, %v", again, ok)
	}
	for _, closed := range []ledger.Status{ledger.StatusResolved, ledger.StatusAcceptedRisk, ledger.StatusFalsePositive} {
		if _, ok := Reorged(&ledger.Finding{Status: closed}, State{}, 5, t0); ok {
			t.Errorf("Reorged changed a %s finding", closed)
		}
	}
}

func TestTokens(t *testing.T) {
	tok, secret, err := NewToken("a", RoleAuditor, "", "cli", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := TokenID(secret); err != nil || id != tok.ID || !tok.Matches(secret) || !tok.Active(time.Now()) || tok.Active(time.Now().Add(2*time.Hour)) {
		t.Fatalf("token %+v secret %s: id %s %v", tok, secret, id, err)
	}
	for _, s := range []string{"", "lj_", "lj_0123456789abcdef_short", "xx_0123456789abcdef_" + secret[len(secret)-43:]} {
		if _, err := TokenID(s); !errors.Is(err, ErrToken) {
			t.Errorf("TokenID(%q) = %v", s, err)
		}
	}
	for _, tc := range []struct {
		r   Role
		org string
	}{{RoleOperator, ""}, {RoleRegulator, "Org1MSP"}, {"root", ""}} {
		if _, _, err := NewToken("a", tc.r, tc.org, "cli", time.Now(), 0); !errors.Is(err, ErrRole) {
			t.Errorf("NewToken(%s, %q) = %v, want ErrRole", tc.r, tc.org, err)
		}
	}
}

func TestVerifier(t *testing.T) {
	var es []*Entry
	var prev *Entry
	for i := range 3 {
		e := &Entry{Action: Action{Time: time.Unix(int64(i), 0), Actor: "a", Op: "op", Outcome: "ok"}}
		e.Seal(prev)
		es, prev = append(es, e), e
	}
	var v Verifier
	for _, e := range es {
		if err := v.Check(e); err != nil {
			t.Fatal(err)
		}
	}
	es[1].Detail = "edited"
	v = Verifier{}
	_ = v.Check(es[0])
	if err := v.Check(es[1]); !errors.Is(err, ErrBrokenChain) {
		t.Fatalf("edited entry: %v", err)
	}
	v = Verifier{}
	if err := v.Check(es[2]); !errors.Is(err, ErrBrokenChain) {
		t.Fatalf("entry 3 first: %v", err)
	}
}
