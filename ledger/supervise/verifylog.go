package supervise

import (
	"context"
	"fmt"
	"os"
)

// LogChecker is a stored audit log that feeds its entries to a Verifier
// and lists the checkpoints kept beside them: the index.
type LogChecker interface {
	// AuditCheckpoints calls fn with the stored checkpoints from seq
	// from, in order, until fn returns false.
	AuditCheckpoints(ctx context.Context, from uint64, fn func(c *Checkpoint) bool) error
	// CheckAudit feeds every entry to v, in order, past any break.
	CheckAudit(ctx context.Context, v *Verifier) error
}

// VerifyLog checks the whole audit log that log holds against a, with
// the log's own stored checkpoints as a.Stored: the hash chain, every
// genuine checkpoint's head and size, and the checkpoints themselves.
// It is the verdict of both 'lianjian auditlog verify' and
// GET /api/v1/auditlog/verify. What is wrong with the log is in the
// Report's Problems; the error is a read failure only.
func VerifyLog(ctx context.Context, log LogChecker, a Anchors) (*Report, error) {
	a.Stored, a.Segment = nil, false
	err := log.AuditCheckpoints(ctx, 1, func(c *Checkpoint) bool {
		a.Stored = append(a.Stored, *c)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log checkpoints: %w", err)
	}
	v, probs := a.Verifier()
	if err := log.CheckAudit(ctx, v); err != nil {
		return nil, err
	}
	r := v.Report()
	r.Problems = append(probs, r.Problems...)
	a.describe(r)
	return r, nil
}

// ReadExternal reads the external checkpoint file at path (one JSON
// checkpoint per line, as the anchor appends them) into a.External and
// sets a.HaveExternal.
func (a *Anchors) ReadExternal(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("external checkpoints: %w", err)
	}
	defer fh.Close()
	cps, err := ReadCheckpoints(fh)
	if err != nil {
		return fmt.Errorf("external checkpoints %s: %w", path, err)
	}
	a.External, a.HaveExternal = cps, true
	return nil
}

// describe fills the fields of r that say what r was checked against.
func (a *Anchors) describe(r *Report) {
	r.Stored = len(a.Stored)
	if a.Key.IsZero() {
		return
	}
	r.KeyID, r.External = a.Key.ID(), a.HaveExternal
	if !a.HaveExternal || a.Segment {
		return
	}
	var newest uint64
	for _, c := range a.External {
		newest = max(newest, c.Seq)
	}
	for _, c := range a.Stored {
		if c.Seq > newest {
			r.Unpublished++
		}
	}
}
