package api

import (
	"encoding/hex"
	"time"

	"github.com/lianjian/lianjian/ledger/supervise"
)

// MatchView is one search answer: an object and the chain, channel and
// org it belongs to.
type MatchView struct {
	Kind    string `json:"kind"`
	Chain   string `json:"chain"`
	Network string `json:"network,omitempty"`
	Channel string `json:"channel,omitempty"`
	Org     string `json:"org,omitempty"`
	Ref     string `json:"ref"`
	Height  uint64 `json:"height"`
	Field   string `json:"field,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// StateView is a finding's workflow state.
type StateView struct {
	Changes   int    `json:"changes"`
	Since     string `json:"since,omitempty"`
	Confirmed bool   `json:"confirmed"`
	Deadline  string `json:"deadline,omitempty"`
}

func stateView(st supervise.State) StateView {
	return StateView{Changes: st.Seq, Since: timeText(st.Since), Confirmed: st.Confirmed, Deadline: timeText(st.Deadline)}
}

// ChangeView is one entry of a finding's history.
type ChangeView struct {
	Seq      int               `json:"seq"`
	Kind     string            `json:"kind"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	Comment  string            `json:"comment,omitempty"`
	Actor    string            `json:"actor"`
	Role     string            `json:"role,omitempty"`
	At       string            `json:"at"`
	Evidence map[string]string `json:"evidence,omitempty"`
	Deadline string            `json:"deadline,omitempty"`
}

func changeView(c supervise.Change) ChangeView {
	return ChangeView{
		Seq: c.Seq, Kind: string(c.Kind), From: string(c.From), To: string(c.To), Comment: c.Comment,
		Actor: c.Actor, Role: string(c.Role), At: timeText(c.At), Evidence: c.Evidence, Deadline: timeText(c.Deadline),
	}
}

// FindingHistoryView is a finding with its workflow state and history.
type FindingHistoryView struct {
	Finding FindingView  `json:"finding"`
	State   StateView    `json:"state"`
	Changes []ChangeView `json:"changes"`
}

// TransitionView answers a workflow change.
type TransitionView struct {
	Finding FindingView `json:"finding"`
	State   StateView   `json:"state"`
	Change  ChangeView  `json:"change"`
}

// TokenView describes a token without its secret.
type TokenView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Org       string `json:"org,omitempty"`
	Created   string `json:"created"`
	CreatedBy string `json:"createdBy"`
	Expires   string `json:"expires,omitempty"`
	Revoked   string `json:"revoked,omitempty"`
	Active    bool   `json:"active"`
}

func tokenView(t *supervise.Token, now time.Time) TokenView {
	return TokenView{
		ID: t.ID, Name: t.Name, Role: string(t.Role), Org: t.Org, Created: timeText(t.Created),
		CreatedBy: t.CreatedBy, Expires: timeText(t.Expires), Revoked: timeText(t.Revoked), Active: t.Active(now),
	}
}

// NewTokenView answers token creation. The secret is shown only here.
type NewTokenView struct {
	Token  TokenView `json:"token"`
	Secret string    `json:"secret"`
}

// AuditEntryView is one audit log entry.
type AuditEntryView struct {
	Seq     uint64 `json:"seq"`
	Time    string `json:"time"`
	Actor   string `json:"actor"`
	Role    string `json:"role,omitempty"`
	Action  string `json:"action"`
	Target  string `json:"target,omitempty"`
	Remote  string `json:"remote,omitempty"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
	Prev    string `json:"prev"`
	Hash    string `json:"hash"`
}

func auditEntryView(e *supervise.Entry) AuditEntryView {
	return AuditEntryView{
		Seq: e.Seq, Time: timeText(e.Time), Actor: e.Actor, Role: string(e.Role), Action: e.Op,
		Target: e.Target, Remote: e.Remote, Outcome: e.Outcome, Detail: e.Detail,
		Prev: hex.EncodeToString(e.Prev), Hash: hex.EncodeToString(e.Hash),
	}
}

// DeliveryView is one recorded alert delivery.
type DeliveryView struct {
	ID       string `json:"id"`
	Hook     string `json:"hook"`
	Finding  string `json:"finding"`
	Severity string `json:"severity"`
	Org      string `json:"org,omitempty"`
	Outcome  string `json:"outcome"`
	Attempts int    `json:"attempts"`
	Code     int    `json:"code,omitempty"`
	Error    string `json:"error,omitempty"`
	Queued   string `json:"queued"`
	Done     string `json:"done"`
}
