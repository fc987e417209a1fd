package alert

import (
	"context"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// FindingLister lists findings. The index implements it.
type FindingLister interface {
	Findings(ctx context.Context, f ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error)
}

// HistoryLister also gives a finding's workflow state and history; with
// it, Watch alerts findings that a rule re-detected after their
// resolution. The index implements it.
type HistoryLister interface {
	FindingLister
	FindingState(ctx context.Context, id string) (supervise.State, error)
	FindingHistory(ctx context.Context, id string) ([]supervise.Change, supervise.State, error)
}

// Events of [Payload].
const (
	EventFinding  = "finding"          // a finding first seen
	EventReopened = "finding.reopened" // a resolved finding seen again, so reopened
)

// Watch polls src for findings first seen after start, and (when src is a
// HistoryLister) for findings reopened after start, and notifies them,
// until ctx ends. Ingest and audit write findings to the index and never
// wait for alerts; Watch reads them from there, so a slow or unreachable
// webhook delays nothing but its own deliveries.
func (d *Dispatcher) Watch(ctx context.Context, src FindingLister, start time.Time) error {
	w := watermarks{first: start, reopened: start}
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		next, err := d.poll(ctx, src, w)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			d.log.Warn("alert poll failed", "err", err)
			continue
		}
		w = next
	}
}

// watermarks are the newest first-seen and reopening times alerted.
type watermarks struct {
	first, reopened time.Time
}

// poll notifies the findings first seen after w.first and those reopened
// by a re-detection after w.reopened, and returns the new watermarks.
func (d *Dispatcher) poll(ctx context.Context, src FindingLister, w watermarks) (watermarks, error) {
	next := w
	hist, _ := src.(HistoryLister)
	since := w.first
	if hist != nil && w.reopened.Before(since) {
		since = w.reopened
	}
	p := ledger.Page{Limit: 1000}
	for {
		fs, cursor, err := src.Findings(ctx, ledger.FindingFilter{Since: since}, p)
		if err != nil {
			return w, err
		}
		for _, f := range fs {
			switch {
			case f.FirstSeen.After(w.first):
				d.notify(ctx, *f, EventFinding)
				if f.FirstSeen.After(next.first) {
					next.first = f.FirstSeen
				}
			case hist != nil && f.Status == ledger.StatusOpen && !f.FirstSeen.After(w.first):
				at, err := reopenedAfter(ctx, hist, f.ID, w.reopened)
				if err != nil {
					return w, err
				}
				if !at.IsZero() {
					d.notify(ctx, *f, EventReopened)
					if at.After(next.reopened) {
						next.reopened = at
					}
				}
			}
		}
		if cursor == "" {
			// Both kinds of event come in time order with the findings
			// written: what one watermark passed, the other need not
			// look at again.
			latest := next.first
			if next.reopened.After(latest) {
				latest = next.reopened
			}
			return watermarks{first: latest, reopened: latest}, nil
		}
		p.Cursor = cursor
	}
}

// reopenedAfter returns when a re-detection reopened the finding, when
// that is its last workflow change and came after since; zero otherwise.
// The state is read first, so that the history is read only for findings
// whose status changed after since.
func reopenedAfter(ctx context.Context, h HistoryLister, id string, since time.Time) (time.Time, error) {
	st, err := h.FindingState(ctx, id)
	if err != nil || !st.Since.After(since) {
		return time.Time{}, err
	}
	changes, _, err := h.FindingHistory(ctx, id)
	if err != nil || len(changes) == 0 {
		return time.Time{}, err
	}
	last := changes[len(changes)-1]
	if last.Kind != supervise.KindRedetected || !last.At.After(since) {
		return time.Time{}, nil
	}
	return last.At, nil
}
