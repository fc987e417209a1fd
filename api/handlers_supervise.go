package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
	"github.com/lianjian/lianjian/nodes"
)

// maxQueryLen bounds the search term.
const maxQueryLen = 256

func (s *Server) search(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	q, ok := c.GetQuery("q")
	switch {
	case !ok || strings.TrimSpace(q) == "":
		return nil, badParam("q", "must not be empty")
	case len(q) > maxQueryLen:
		return nil, badParam("q", "longer than %d bytes", maxQueryLen)
	case !utf8.ValidString(q) || strings.IndexFunc(q, unicode.IsControl) >= 0:
		return nil, badParam("q", "not printable UTF-8")
	}
	ms, err := sup.Search(c.Request.Context(), q)
	if err != nil {
		return nil, err
	}
	out := make([]MatchView, 0, len(ms))
	fabric := s.fabricChains(c.Request.Context())
	for _, m := range ms {
		v := MatchView(m)
		if v.Kind == "tx" {
			v.Ref = txIDOf(fabric(v.Chain), v.Ref)
		}
		out = append(out, v)
	}
	ns, err := s.searchNodes(c.Request.Context(), q)
	if err != nil {
		return nil, err
	}
	return list(append(out, ns...), ""), nil
}

// searchNodes finds registered nodes, retired ones included, whose id
// contains q (case-insensitively); operators see their own org's only.
func (s *Server) searchNodes(ctx context.Context, q string) ([]MatchView, error) {
	_, reg, err := s.nodeStore()
	if err != nil {
		return nil, nil // no registry behind this index: nothing to find
	}
	rs, err := reg.List(ctx, nodes.Filter{Org: s.scopeOf(ctx).org, Retired: true})
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	var out []MatchView
	for _, r := range rs {
		if strings.Contains(strings.ToLower(r.ID), q) {
			out = append(out, MatchView{Kind: "node", Chain: r.Chain, Channel: r.Channel, Org: r.Org, Ref: r.ID, Field: "name", Detail: r.Endpoint})
		}
	}
	return out, nil
}

func (s *Server) findingHistory(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	id, err := name("id", c.Param("id"), maxNameLen)
	if err != nil {
		return nil, err
	}
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	f, err := s.scopedFinding(ctx, id)
	if err != nil {
		return nil, err
	}
	hist, st, err := sup.FindingHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	v := FindingHistoryView{Finding: findingView(f, s.ruleIndex(), lang, s.fabricChains(c.Request.Context())(f.Chain)), State: stateView(st), Changes: make([]ChangeView, 0, len(hist))}
	for _, ch := range hist {
		v.Changes = append(v.Changes, changeView(ch))
	}
	return v, nil
}

// TransitionRequest is the body of a workflow change: a new status, a
// confirmation or just a comment, with optional evidence and deadline.
type TransitionRequest struct {
	Status   string            `json:"status,omitempty"`
	Confirm  bool              `json:"confirm,omitempty"`
	Comment  string            `json:"comment,omitempty"`
	Evidence map[string]string `json:"evidence,omitempty"`
	Deadline string            `json:"deadline,omitempty"` // RFC 3339
}

// Bounds on workflow input.
const (
	maxCommentLen  = 4096
	maxEvidence    = 32
	maxEvidenceLen = 1024
)

func (s *Server) changeFinding(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	id, err := name("id", c.Param("id"), maxNameLen)
	if err != nil {
		return nil, err
	}
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	var body TransitionRequest
	if err := bindJSON(c, &body); err != nil {
		return nil, err
	}
	req, err := body.request()
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	if _, err := s.scopedFinding(ctx, id); err != nil {
		return nil, err
	}
	sc := s.scopeOf(ctx)
	req.Actor, req.Role, req.Org = sc.actor, sc.role, sc.org
	f, ch, err := sup.ChangeFinding(ctx, id, req, time.Now())
	if err != nil {
		return nil, err
	}
	c.Set(auditDetailKey, fmt.Sprintf("%s %s -> %s (entry %d)", ch.Kind, ch.From, ch.To, ch.Seq))
	st, err := sup.FindingState(ctx, id)
	if err != nil {
		return nil, err
	}
	return TransitionView{Finding: findingView(f, s.ruleIndex(), lang, s.fabricChains(c.Request.Context())(f.Chain)), State: stateView(st), Change: changeView(ch)}, nil
}

func (b TransitionRequest) request() (supervise.Request, error) {
	r := supervise.Request{To: ledger.Status(b.Status), Confirm: b.Confirm, Comment: b.Comment, Evidence: b.Evidence}
	if b.Status == "" && !b.Confirm && b.Comment == "" && len(b.Evidence) == 0 && b.Deadline == "" {
		return r, badParam("body", "needs at least one of status, confirm, comment, evidence or deadline")
	}
	if b.Status != "" && !supervise.ValidStatus(r.To) {
		return r, badParam("status", "must be one of open, acknowledged, rectifying, resolved, accepted-risk, false-positive")
	}
	if len(b.Comment) > maxCommentLen || !utf8.ValidString(b.Comment) {
		return r, badParam("comment", "must be UTF-8 of at most %d bytes", maxCommentLen)
	}
	if len(b.Evidence) > maxEvidence {
		return r, badParam("evidence", "more than %d entries", maxEvidence)
	}
	for k, v := range b.Evidence {
		if len(k) > maxNameLen || len(v) > maxEvidenceLen || !utf8.ValidString(k+v) {
			return r, badParam("evidence", "keys up to %d and values up to %d bytes of UTF-8", maxNameLen, maxEvidenceLen)
		}
	}
	if b.Deadline != "" {
		t, err := time.Parse(time.RFC3339, b.Deadline)
		if err != nil {
			return r, badParam("deadline", "must be an RFC 3339 time")
		}
		r.Deadline = t.UTC()
	}
	return r, nil
}

func (s *Server) users(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	ts, err := sup.Tokens(c.Request.Context())
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]TokenView, 0, len(ts))
	for i := range ts {
		out = append(out, tokenView(&ts[i], now))
	}
	return list(out, ""), nil
}

// CreateUserRequest is the body that creates a token.
type CreateUserRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Org  string `json:"org,omitempty"`
	TTL  string `json:"ttl,omitempty"` // Go duration, e.g. 720h; empty never expires
}

func (s *Server) createUser(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	var body CreateUserRequest
	if err := bindJSON(c, &body); err != nil {
		return nil, err
	}
	if _, err := name("name", body.Name, maxNameLen); err != nil {
		return nil, err
	}
	if body.Org != "" {
		if _, err := name("org", body.Org, maxNameLen); err != nil {
			return nil, err
		}
	}
	var ttl time.Duration
	if body.TTL != "" {
		if ttl, err = time.ParseDuration(body.TTL); err != nil || ttl <= 0 {
			return nil, badParam("ttl", "must be a positive duration such as 720h")
		}
	}
	if err := supervise.ValidateRole(supervise.Role(body.Role), body.Org); err != nil {
		return nil, badParam("role", "must be regulator, auditor, or operator with an org")
	}
	auditTarget(c, "token %s", body.Name)
	ctx := c.Request.Context()
	now := time.Now()
	t, secret, err := supervise.NewToken(body.Name, supervise.Role(body.Role), body.Org, s.scopeOf(ctx).actor, now, ttl)
	if err != nil {
		return nil, err
	}
	if err := sup.PutToken(ctx, t); err != nil {
		return nil, err
	}
	auditTarget(c, "token %s (%s)", t.Name, t.ID)
	c.Set(auditDetailKey, "role "+string(t.Role)+" org "+t.Org)
	return NewTokenView{Token: tokenView(&t, now), Secret: secret}, nil
}

func (s *Server) revokeUser(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	id := c.Param("id")
	if _, err := supervise.TokenID("lj_" + id + "_" + strings.Repeat("A", 43)); err != nil {
		return nil, badParam("id", "must be a 16-digit hex token id")
	}
	now := time.Now()
	t, err := sup.RevokeToken(c.Request.Context(), id, now)
	if err != nil {
		return nil, err
	}
	auditTarget(c, "token %s (%s)", t.Name, t.ID)
	return tokenView(&t, now), nil
}

func (s *Server) auditLog(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	from := uint64(1)
	if p.Cursor != "" {
		if from, err = strconv.ParseUint(p.Cursor, 10, 64); err != nil || from == 0 {
			return nil, badParam("cursor", "must be a positive integer")
		}
	}
	var out []AuditEntryView
	next := ""
	err = sup.AuditEntries(c.Request.Context(), from, func(e *supervise.Entry) bool {
		if len(out) == p.Limit {
			next = strconv.FormatUint(e.Seq, 10)
			return false
		}
		out = append(out, auditEntryView(e))
		return true
	})
	if err != nil {
		return nil, err
	}
	return list(out, next), nil
}

// auditRequest records a mutating request in the audit log once it has
// been answered.
func (s *Server) auditRequest(c *gin.Context, rt route) {
	outcome := "ok"
	if st := c.Writer.Status(); st >= http.StatusBadRequest {
		outcome = strconv.Itoa(st) + " " + http.StatusText(st)
	}
	s.auditAction(c, rt, outcome)
}

// auditAction appends one request's action and outcome to the audit log.
// The target is what the handler named with auditTarget, else the
// route's Object with the request's path parameters.
func (s *Server) auditAction(c *gin.Context, rt route, outcome string) {
	sc := s.scopeOf(c.Request.Context())
	target := c.GetString(auditTargetKey)
	if target == "" {
		target = ginParam.ReplaceAllStringFunc(rt.Object, func(m string) string { return c.Param(m[1:]) })
	}
	if target == "" {
		target = c.Request.URL.Path
	}
	s.record(c.Request.Context(), supervise.Action{
		Time: time.Now(), Actor: sc.actor, Role: sc.role, Op: rt.Method + " " + rt.Path,
		Target: clip(target), Remote: c.ClientIP(), Outcome: outcome, Detail: c.GetString(auditDetailKey),
	})
}

// Keys of a handler's notes for the audit log entry of its request.
const (
	auditDetailKey = "lianjian.audit.detail" // short, non-secret detail
	auditTargetKey = "lianjian.audit.target" // the object acted on, when the route's Object says too little
)

// auditTarget names the object a request acts on in its audit entry.
func auditTarget(c *gin.Context, format string, args ...any) {
	c.Set(auditTargetKey, fmt.Sprintf(format, args...))
}

func (s *Server) deliveries(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	p, err := s.page(c)
	if err != nil {
		return nil, err
	}
	ds, next, err := sup.Deliveries(c.Request.Context(), p)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryView, 0, len(ds))
	for _, d := range ds {
		out = append(out, DeliveryView{
			ID: d.ID, Hook: d.Hook, Finding: d.Finding, Severity: d.Severity, Org: d.Org, Outcome: d.Outcome,
			Attempts: d.Attempts, Code: d.Code, Error: d.Error, Queued: timeText(d.Queued), Done: timeText(d.Done),
		})
	}
	return list(out, next), nil
}
