package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/api/alert"
	"github.com/lianjian/lianjian/api/transport"
	"github.com/lianjian/lianjian/ledger/index"
)

// newAPI builds the API server from the configuration and returns the
// function that serves it, with the webhook dispatcher beside it, until
// ctx ends. Every route but the probes and /metrics needs a token made
// with 'lianjian users create'.
func newAPI(cfg *Config, db *index.DB, heads api.HeadReporter, metrics *api.Metrics, log *slog.Logger) (func(context.Context) error, error) {
	tc, err := cfg.API.transport(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	ac, err := cfg.API.alertConfig(os.Getenv)
	if err != nil {
		return nil, err
	}
	sc := cfg.API.serverConfig()
	// GET auditlog/verify checks what 'lianjian auditlog verify' does.
	if sc.AuditKey, err = cfg.AuditLog.publicKey(); err != nil {
		return nil, err
	}
	if !sc.AuditKey.IsZero() {
		sc.AuditCheckpoints = cfg.AuditLog.Checkpoints
	}
	srv, err := api.New(sc, api.Deps{
		Index: db, Heads: heads, Logger: log, Auth: api.NewTokenAuth(db), Supervisor: db, Metrics: metrics,
	})
	if err != nil {
		return nil, err
	}
	alerts, err := alert.New(ac, db, nil, log.With("component", "alerts"))
	if err != nil {
		return nil, err
	}
	raw, err := net.Listen("tcp", cfg.API.Listen)
	if err != nil {
		return nil, fmt.Errorf("api.listen: %w", err)
	}
	l, scheme, err := transport.Listen(raw, tc)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("api.tls: %w", err)
	}
	if ts, err := db.Tokens(context.Background()); err == nil && len(ts) == 0 {
		log.Warn("no API tokens yet: create one with 'lianjian users create --role regulator --name NAME'")
	}
	log.Info("serving", "url", scheme+"://"+l.Addr().String(), "gm_tls", tc.GM, "data_dir", cfg.DataDir,
		"chains", len(cfg.Chains), "webhooks", len(ac.Hooks))
	return func(ctx context.Context) error {
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error { return srv.Serve(ctx, l) })
		if len(ac.Hooks) > 0 {
			g.Go(func() error { return alerts.Run(ctx) })
			g.Go(func() error { return alerts.Watch(ctx, db, time.Now()) })
		}
		return g.Wait()
	}, nil
}
