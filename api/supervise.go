package api

import (
	"context"
	"errors"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// Workflow changes findings and reads their history.
type Workflow interface {
	ChangeFinding(ctx context.Context, id string, req supervise.Request, now time.Time) (*ledger.Finding, supervise.Change, error)
	FindingHistory(ctx context.Context, id string) ([]supervise.Change, supervise.State, error)
	FindingState(ctx context.Context, id string) (supervise.State, error)
}

// AuditLog appends to and reads the hash-chained log of mutating actions
// and its stored checkpoints; as a supervise.LogChecker it is verified
// against them.
type AuditLog interface {
	AppendAudit(ctx context.Context, a supervise.Action) (supervise.Entry, error)
	AuditEntries(ctx context.Context, from uint64, fn func(e *supervise.Entry) bool) error
	supervise.LogChecker
}

// Searcher resolves identifiers across chains.
type Searcher interface {
	Search(ctx context.Context, q string) ([]supervise.Match, error)
}

// DeliveryReader lists recorded alert deliveries, newest first.
type DeliveryReader interface {
	Deliveries(ctx context.Context, p ledger.Page) ([]supervise.Delivery, string, error)
}

// Supervisor is the store of supervision records. The badger index
// implements it; New finds it on Deps.Index by type assertion when
// Deps.Supervisor is nil.
type Supervisor interface {
	TokenStore
	Workflow
	AuditLog
	Searcher
	DeliveryReader
}

// errNoSupervisor answers supervision routes on a server built without a
// Supervisor.
var errNoSupervisor = errors.New("supervision store not configured")

func (s *Server) supervisor() (Supervisor, error) {
	if s.sup == nil {
		return nil, errNoSupervisor
	}
	return s.sup, nil
}

// scopedFinding loads a finding the caller may see; others are not found.
func (s *Server) scopedFinding(ctx context.Context, id string) (*ledger.Finding, error) {
	f, err := s.idx.Finding(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.scopeOf(ctx).sees(f) {
		return nil, ledger.ErrNotFound
	}
	return f, nil
}

// record appends one mutating action to the audit log. A failure is
// logged, not returned: the action has already happened or been refused.
func (s *Server) record(ctx context.Context, a supervise.Action) {
	if s.sup == nil {
		return
	}
	if _, err := s.sup.AppendAudit(context.WithoutCancel(ctx), a); err != nil {
		s.log.ErrorContext(ctx, "audit log append failed", "action", a.Op, "err", err)
	}
}
