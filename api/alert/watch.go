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

// HistoryLister also gives a finding's workflow history; with it, Watch
// alerts findings that a rule re-detected after their resolution. The
// index implements it.
type HistoryLister interface {
	FindingLister
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
	since := start
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		next, err := d.poll(ctx, src, since)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			d.log.Warn("alert poll failed", "err", err)
			continue
		}
		since = next
	}
}

// poll notifies the findings first seen, or reopened by a re-detection,
// after since and returns the newest such time.
func (d *Dispatcher) poll(ctx context.Context, src FindingLister, since time.Time) (time.Time, error) {
	newest := since
	hist, _ := src.(HistoryLister)
	p := ledger.Page{Limit: 1000}
	for {
		fs, next, err := src.Findings(ctx, ledger.FindingFilter{Since: since}, p)
		if err != nil {
			return since, err
		}
		for _, f := range fs {
			switch {
			case f.FirstSeen.After(since):
				d.notify(ctx, *f, EventFinding)
				if f.FirstSeen.After(newest) {
					newest = f.FirstSeen
				}
			case hist != nil && f.Status == ledger.StatusOpen && f.LastSeen.After(since):
				at, err := reopenedAt(ctx, hist, f.ID)
				if err != nil {
					return since, err
				}
				if at.After(since) {
					d.notify(ctx, *f, EventReopened)
					if at.After(newest) {
						newest = at
					}
				}
			}
		}
		if next == "" {
			return newest, nil
		}
		p.Cursor = next
	}
}

// reopenedAt returns when a re-detection last reopened the finding, zero
// when its last workflow change is something else.
func reopenedAt(ctx context.Context, h HistoryLister, id string) (time.Time, error) {
	changes, _, err := h.FindingHistory(ctx, id)
	if err != nil || len(changes) == 0 {
		return time.Time{}, err
	}
	last := changes[len(changes)-1]
	if last.Kind != supervise.KindRedetected {
		return time.Time{}, nil
	}
	return last.At, nil
}
