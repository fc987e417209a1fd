package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/internal/cluster"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// sharedJob is the cluster job that runs the stages spanning every chain
// (contract scans, node probes, audit-log anchoring), so exactly one
// worker runs them and another takes them over when it dies. It is not a
// valid chain id, so no chain can take its name.
const sharedJob = "lianjian:shared-stages"

// worker is a serve process's share of the cluster's work.
type worker struct {
	cfg     *Config
	db      *index.DB
	heads   *headBoard
	metrics *api.Metrics
	anchor  *serveAnchor
	log     *slog.Logger
}

// jobs returns the job of every chain id the configuration produces (a
// Fabric network gives one per channel, ingested and audited together)
// and the shared stages.
func (w *worker) jobs() map[string]func(context.Context) {
	jobs := map[string]func(context.Context){}
	for _, ch := range w.cfg.Chains {
		for _, m := range ch.models() {
			jobs[m.ID] = func(ctx context.Context) {
				g, ctx := errgroup.WithContext(ctx)
				g.Go(func() error {
					if ledger.Kind(ch.Kind) == ledger.KindFabric {
						superviseChannel(ctx, ch, m, w.db, w.heads, w.log)
					} else {
						superviseChain(ctx, ch, w.db, w.heads, w.log)
					}
					return nil
				})
				stage(g, w.log, "audit "+m.ID, func() error { return auditChain(ctx, m, w.db, w.metrics, w.log) })
				_ = g.Wait()
			}
		}
	}
	jobs[sharedJob] = func(ctx context.Context) {
		g, ctx := errgroup.WithContext(ctx)
		stage(g, w.log, "audit log anchor", func() error { return w.anchor.run(ctx) })
		startSharedStages(ctx, g, w.cfg, w.db, w.log)
		_ = g.Wait()
		w.anchor.final(ctx)
	}
	return jobs
}

// run joins the cluster, registers the configured chains and runs the
// jobs of those this worker owns until ctx ends. Each job resumes from
// the checkpoints stored in the shared index.
func (w *worker) run(ctx context.Context) error {
	cc := w.cfg.Cluster.config(w.log.With("component", "cluster"), w.metrics)
	cw, err := cluster.New(ctx, cc)
	if err != nil {
		return err
	}
	defer cw.Close()
	jobs := w.jobs()
	for id := range jobs {
		if err := cw.Register(ctx, id); err != nil {
			return err
		}
	}
	w.log.Info("cluster worker", "worker", cc.Name, "nats", cc.URLs, "chains", len(jobs)-1,
		"partitions", cc.Partitions, "failover_bound", cc.FailoverBound())
	if w.cfg.Cluster.role() == roleWorker {
		// No API here: the worker's own metrics give its chains' lag.
		if err := w.metrics.WatchIngest(w.db, w.heads, w.log); err != nil {
			return fmt.Errorf("worker metrics: %w", err)
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	if addr := w.cfg.Cluster.MetricsListen; addr != "" {
		g.Go(func() error { return serveMetrics(ctx, addr, w.metrics, w.log) })
	}
	g.Go(func() error {
		w.publishHeads(ctx, cw)
		return nil
	})
	g.Go(func() error {
		return cw.Run(ctx, func(ctx context.Context, chain string) error {
			job := jobs[chain]
			if job == nil {
				// Registered by a worker with another configuration.
				w.log.Error("chain owned but not configured on this worker; give every worker the same chains", "chain", chain)
				return nil
			}
			defer w.heads.drop(chain)
			job(ctx)
			return nil
		})
	})
	return g.Wait()
}

// publishHeads publishes, every poll interval until ctx ends, the node
// heads of the chains this worker runs, so the API servers report their
// head and lag.
func (w *worker) publishHeads(ctx context.Context, cw *cluster.Worker) {
	t := time.NewTicker(cw.Config().PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, chain := range cw.Status().Chains {
			head, ok := w.heads.Head(chain)
			if !ok {
				continue
			}
			if err := cw.PublishHead(ctx, chain, head); err != nil && ctx.Err() == nil {
				w.log.Warn("head not published", "chain", chain, "err", err)
			}
		}
	}
}

// clusterHeads reports the heads of the chains this process runs, and
// those the cluster's workers publish.
type clusterHeads struct {
	local  *headBoard
	shared *cluster.Heads
}

// Head implements api.HeadReporter.
func (h clusterHeads) Head(chain string) (uint64, bool) {
	if v, ok := h.local.Head(chain); ok {
		return v, ok
	}
	return h.shared.Head(chain)
}

// serveMetrics serves /metrics on addr until ctx ends.
func serveMetrics(ctx context.Context, addr string, metrics *api.Metrics, log *slog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cluster.metrics_listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving metrics", "url", "http://"+l.Addr().String()+"/metrics")
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
