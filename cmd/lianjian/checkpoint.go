package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise/anchor"
)

// finalCheckpointTimeout bounds the checkpoint written when a command or
// serve ends, webhook included.
const finalCheckpointTimeout = 30 * time.Second

// checkpointCLI signs a checkpoint of the audit log at the end of a CLI
// command that appended to it, when the log is anchored. An interrupted
// command still signs.
func checkpointCLI(ctx context.Context, e *env, db *index.DB) error {
	if e.auditlog == nil || e.auditlog.Key == "" {
		return nil
	}
	anc, err := e.auditlog.anchor(db, nil)
	if err != nil {
		return fmt.Errorf("audit log checkpoint: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalCheckpointTimeout)
	defer cancel()
	if _, _, err := anc.Checkpoint(ctx); err != nil {
		return fmt.Errorf("audit log checkpoint: %w", err)
	}
	return nil
}

// serveAnchor writes serve's checkpoints: one at start, one every
// auditlog.interval and one on shutdown.
type serveAnchor struct {
	anc *anchor.Anchor // nil: the log is not anchored
	log *slog.Logger
}

// newServeAnchor reads the signing key, so that a bad key stops serve
// before it starts.
func newServeAnchor(cfg *Config, db *index.DB, log *slog.Logger) (*serveAnchor, error) {
	log = log.With("component", "auditlog")
	anc, err := cfg.AuditLog.anchor(db, log)
	if err != nil {
		return nil, err
	}
	if anc == nil {
		log.Warn("audit log not anchored: set auditlog.key and auditlog.checkpoints or auditlog.webhook")
	}
	return &serveAnchor{anc: anc, log: log}, nil
}

// run checkpoints at start and then every interval until ctx ends.
func (s *serveAnchor) run(ctx context.Context) error {
	if s.anc == nil {
		return nil
	}
	s.checkpoint(ctx)
	return s.anc.Run(ctx)
}

// final writes the shutdown checkpoint; call it when nothing appends any
// more.
func (s *serveAnchor) final(ctx context.Context) {
	if s.anc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalCheckpointTimeout)
	defer cancel()
	s.checkpoint(ctx)
}

func (s *serveAnchor) checkpoint(ctx context.Context) {
	c, fresh, err := s.anc.Checkpoint(ctx)
	switch {
	case err != nil:
		s.log.Error("audit log checkpoint failed", "err", err)
	case fresh:
		s.log.Info("audit log checkpoint", "seq", c.Seq, "size", c.Size)
	}
}
