package api

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/ledger/supervise"
)

// refusals counts the requests refused before any handler runs (no
// valid token: 401; over a rate limit: 429) and writes each client's
// count as one audit log entry per window. An entry per refused request
// would let anyone who reaches the port grow the log as fast as they can
// send; this way one client adds at most one entry per window, and all
// clients together at most max+1 (clients past max share one count).
type refusals struct {
	window time.Duration
	max    int

	mu    sync.Mutex
	open  map[string]*tally
	sweep time.Time
}

// tally is one client's refusals in its current window.
type tally struct {
	actor   string
	role    supervise.Role
	remote  string
	first   string // the first refused request, "METHOD /path"
	from    time.Time
	last    time.Time
	unauth  int
	limited int
}

// overflowKey counts the refusals of clients past max.
const overflowKey = "*"

// opRefused is the action of a refusal summary entry.
const opRefused = "refused requests"

func newRefusals(window time.Duration, maxClients int) *refusals {
	return &refusals{window: window, max: maxClients, open: map[string]*tally{}}
}

// note counts one refused request of the client key, described by who,
// and returns the summaries that are due: windows that have ended.
func (r *refusals) note(now time.Time, key string, who tally, limited bool) []supervise.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	var due []supervise.Action
	if now.Sub(r.sweep) >= r.window {
		r.sweep = now
		due = r.closeLocked(now, false)
	}
	t, ok := r.open[key]
	if !ok && len(r.open) >= r.max {
		key = overflowKey
		who = tally{actor: "anonymous", remote: overflowKey, first: who.first}
		t, ok = r.open[key]
	}
	if ok && now.Sub(t.from) >= r.window {
		due = append(due, t.action(now))
		ok = false
	}
	if !ok {
		t = &who
		t.from = now
		r.open[key] = t
	}
	t.last = now
	if limited {
		t.limited++
	} else {
		t.unauth++
	}
	return due
}

// close returns the summaries of the windows that have ended by now, or
// of every open window when all is set (at shutdown).
func (r *refusals) close(now time.Time, all bool) []supervise.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeLocked(now, all)
}

func (r *refusals) closeLocked(now time.Time, all bool) []supervise.Action {
	var due []supervise.Action
	for k, t := range r.open {
		if all || now.Sub(t.from) >= r.window {
			due = append(due, t.action(now))
			delete(r.open, k)
		}
	}
	return due
}

// action is the audit entry summarising t.
func (t *tally) action(now time.Time) supervise.Action {
	return supervise.Action{
		Time: now, Actor: t.actor, Role: t.role, Op: opRefused, Target: t.first, Remote: t.remote,
		Outcome: fmt.Sprintf("refused %d (401: %d, 429: %d)", t.unauth+t.limited, t.unauth, t.limited),
		Detail: fmt.Sprintf("from %s to %s; 401: no valid token, 429: rate limited",
			t.from.UTC().Format(time.RFC3339Nano), t.last.UTC().Format(time.RFC3339Nano)),
	}
}

// refuse counts a request refused before its handler ran: by a client
// without a valid token (p nil) or by principal p over its rate limit.
// Summaries that fell due are written now.
func (s *Server) refuse(c *gin.Context, p Principal, limited bool) {
	key := clientKey(c)
	who := tally{actor: "anonymous", remote: key, first: c.Request.Method + " " + clip(c.Request.URL.Path)}
	if p != nil {
		key = "token " + p.Name()
		who.actor = p.Name()
		if cl, ok := p.(*Caller); ok {
			who.role = cl.Role
		}
	}
	s.writeRefusals(c.Request.Context(), s.refused.note(time.Now(), key, who, limited))
}

func (s *Server) writeRefusals(ctx context.Context, as []supervise.Action) {
	for _, a := range as {
		s.record(ctx, a)
	}
}

// sweepRefusals writes the refusal summaries of ended windows every half
// window until ctx ends, so a client's count is written even when it
// stops sending.
func (s *Server) sweepRefusals(ctx context.Context) {
	t := time.NewTicker(max(s.cfg.RefusalWindow/2, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.writeRefusals(ctx, s.refused.close(now, false))
		}
	}
}

// maxTargetLen bounds the target of an audit entry taken from a request
// path.
const maxTargetLen = 256

// clip makes a request-derived string fit an audit entry: valid UTF-8
// (the entry's hash covers the bytes its JSON keeps) of at most
// maxTargetLen bytes.
func clip(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) <= maxTargetLen {
		return v
	}
	n := maxTargetLen
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n] + "…"
}
