package main

import (
	"context"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/audit"
	"github.com/lianjian/lianjian/contracts/watch"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/nodes"
)

// startStages runs, beside ingest and the API, the stages that work from
// the index with checkpoints of their own: the auditor of every chain
// (each Fabric channel, EVM and FISCO BCOS chain), automatic scans of
// deployed contracts, and node probes with consortium posture. A stage
// that fails is logged and leaves the others running.
func startStages(ctx context.Context, g *errgroup.Group, cfg *Config, db *index.DB, metrics *api.Metrics, log *slog.Logger) {
	for _, ch := range cfg.Chains {
		for _, m := range ch.models() {
			stage(g, log, "audit "+m.ID, func() error { return auditChain(ctx, m, db, metrics, log) })
		}
	}
	startSharedStages(ctx, g, cfg, db, log)
}

// startSharedStages runs the stages that span every chain: automatic
// scans of deployed contracts, and node probes with consortium posture.
// In a cluster one worker runs them (see serve_cluster.go).
func startSharedStages(ctx context.Context, g *errgroup.Group, cfg *Config, db *index.DB, log *slog.Logger) {
	stage(g, log, "contract scans", func() error {
		return watch.Run(ctx, db, watch.Config{Tool: "lianjian " + version}, log.With("component", "scan"))
	})
	stage(g, log, "nodes", func() error {
		nc, err := cfg.Nodes.config()
		if err != nil {
			return err
		}
		return nodes.Supervise(ctx, db, nc, log.With("component", "nodes"))
	})
}

// stage runs one stage in g; its failure is logged and stops nothing.
func stage(g *errgroup.Group, log *slog.Logger, name string, run func() error) {
	g.Go(func() error {
		if err := run(); err != nil {
			log.Error("stage stopped", "stage", name, "err", err)
		}
		return nil
	})
}

// auditChain re-verifies one chain's blocks (a Fabric channel, an EVM or
// FISCO BCOS chain) as they are ingested, from its audit checkpoint,
// until ctx ends.
func auditChain(ctx context.Context, m ledger.Chain, db *index.DB, metrics *api.Metrics, log *slog.Logger) error {
	ac := audit.Config{Chain: m, Logger: log.With("component", "audit", "chain", m.ID)}
	return audit.Follow(ctx, db, ac, audit.FollowConfig{OnAudited: func(_ uint64, s audit.Summary) {
		metrics.AuditObserved(m.ID, "block", s.Blocks)
		metrics.AuditObserved(m.ID, "tx", s.Txs)
		metrics.AuditObserved(m.ID, "signature", s.Signatures)
	}})
}
