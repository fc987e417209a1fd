package alert

import (
	"context"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// FindingLister lists findings. The index implements it.
type FindingLister interface {
	Findings(ctx context.Context, f ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error)
}

// Watch polls src for findings first seen after start and notifies them,
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

// poll notifies the findings first seen after since and returns the
// newest first-seen time.
func (d *Dispatcher) poll(ctx context.Context, src FindingLister, since time.Time) (time.Time, error) {
	newest := since
	p := ledger.Page{Limit: 1000}
	for {
		fs, next, err := src.Findings(ctx, ledger.FindingFilter{Since: since}, p)
		if err != nil {
			return since, err
		}
		for _, f := range fs {
			if f.FirstSeen.After(since) {
				d.Notify(ctx, *f)
				if f.FirstSeen.After(newest) {
					newest = f.FirstSeen
				}
			}
		}
		if next == "" {
			return newest, nil
		}
		p.Cursor = next
	}
}
