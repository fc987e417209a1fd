package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/internal/cluster"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

func init() {
	commands["serve"] = command{run: runServe}
}

func runServe(ctx context.Context, e *env, args []string) error {
	var c common
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.register(fs)
	listen := fs.String("listen", "", "API listen address (overrides api.listen)")
	role := fs.String("role", "", "what this process runs: all (API and chains), worker (ingest and audit of its share of the chains) or api (the API only) (overrides cluster.role; default all)")
	natsURLs := fs.String("nats", "", "NATS servers, comma-separated, through which workers share the chains (overrides cluster.nats)")
	name := fs.String("worker-name", "", "this worker's name in the cluster (overrides cluster.name; default host name and process id)")
	metricsListen := fs.String("metrics-listen", "", "serve /metrics of a worker on this address (overrides cluster.metrics_listen)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load(e)
	if err != nil {
		return err
	}
	if *listen != "" || *role != "" || *natsURLs != "" || *name != "" || *metricsListen != "" {
		cfg.API.Listen = cmp.Or(*listen, cfg.API.Listen)
		cfg.Cluster.Role = cmp.Or(*role, cfg.Cluster.Role)
		if *natsURLs != "" {
			cfg.Cluster.NATS = splitURLs(*natsURLs)
		}
		cfg.Cluster.Name = cmp.Or(*name, cfg.Cluster.Name)
		cfg.Cluster.MetricsListen = cmp.Or(*metricsListen, cfg.Cluster.MetricsListen)
		if err := cfg.Validate(); err != nil {
			return err
		}
	}
	log := newLogger(e.stderr, cfg.Log)
	db, err := openIndexCLI(cfg, report.LangZH, log, createIndex) // serve has no --lang; it creates a missing index
	if err != nil {
		return err
	}
	defer db.Close()
	for _, ch := range cfg.Chains {
		for _, m := range ch.models() {
			if err := registerChain(ctx, db, m); err != nil {
				return fmt.Errorf("register chain %s: %w", m.ID, err)
			}
		}
	}
	anchorLog, err := newServeAnchor(cfg, db, log)
	if err != nil {
		return err
	}
	heads := &headBoard{}
	metrics := api.NewMetrics()
	g, ctx := errgroup.WithContext(ctx)
	if cfg.Cluster.role() != roleWorker {
		var reporter api.HeadReporter = heads
		if len(cfg.Cluster.NATS) > 0 {
			// Heads of the chains other processes run come from them.
			shared, err := cluster.WatchHeads(ctx, cfg.Cluster.config(log.With("component", "cluster"), nil))
			if err != nil {
				return err
			}
			defer shared.Close()
			reporter = clusterHeads{local: heads, shared: shared}
		}
		serveAPI, err := newAPI(cfg, db, reporter, metrics, log)
		if err != nil {
			return err
		}
		g.Go(func() error { return serveAPI(ctx) })
	}
	switch {
	case cfg.Cluster.role() == roleAPI:
		// The workers ingest, audit and anchor; the API reads the shared
		// index, so it can be run as many times as the load asks.
		log.Info("api role: chains are followed by the cluster's workers")
		return serveUntil(g, log)
	case len(cfg.Cluster.NATS) > 0:
		w := &worker{cfg: cfg, db: db, heads: heads, metrics: metrics, anchor: anchorLog, log: log}
		g.Go(func() error { return w.run(ctx) })
		return serveUntil(g, log)
	}
	g.Go(func() error { return anchorLog.run(ctx) })
	startStages(ctx, g, cfg, db, metrics, log)
	for _, ch := range cfg.Chains {
		if ledger.Kind(ch.Kind) == ledger.KindFabric {
			g.Go(func() error {
				superviseFabric(ctx, ch, db, heads, log)
				return nil
			})
			continue
		}
		g.Go(func() error {
			superviseChain(ctx, ch, db, heads, log)
			return nil
		})
	}
	err = g.Wait()
	anchorLog.final(ctx)
	log.Info("stopped")
	return err
}

// serveUntil waits for a serve process's components to end.
func serveUntil(g *errgroup.Group, log *slog.Logger) error {
	err := g.Wait()
	log.Info("stopped")
	return err
}

// headBoard remembers each chain's ingester so the API can report heads.
type headBoard struct{ m sync.Map }

func (h *headBoard) set(chain string, in *ledger.Ingester) { h.m.Store(chain, in) }

// drop forgets chain, which this process no longer follows.
func (h *headBoard) drop(chain string) { h.m.Delete(chain) }

// Head returns the newest head height seen for chain.
func (h *headBoard) Head(chain string) (uint64, bool) {
	v, ok := h.m.Load(chain)
	if !ok {
		return 0, false
	}
	head := v.(*ledger.Ingester).Head()
	return head, head > 0
}

// superviseChain keeps one chain's ingest running until ctx ends. A node
// that is down, or ingest that stops on an error, is retried with capped
// exponential backoff; it never stops the other chains.
func superviseChain(ctx context.Context, ch ChainConfig, db *index.DB, heads *headBoard, log *slog.Logger) {
	retry(ctx, log.With("chain", ch.ID), "chain ingest stopped; retrying", func() error {
		return ingestChain(ctx, ch, db, heads, log)
	})
}

// retry runs f until it succeeds or ctx ends, waiting a capped, jittered
// exponential backoff between failures. A panic in f (fabric-sdk-go's
// logger panics on Fatal) is a failure like any other, so one chain's
// trouble never takes the service down.
func retry(ctx context.Context, log *slog.Logger, msg string, f func() error) {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		err := guard(f)
		if err == nil || ctx.Err() != nil {
			return
		}
		backoff = min(max(2*backoff, time.Second), time.Minute)
		wait := backoff/2 + rand.N(backoff/2+1)
		log.Error(msg, "err", err, "wait", wait)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// guard runs f and turns a panic into an error.
func guard(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return f()
}

// registerChain stores the configured description of chain m, keeping
// what ingest learned from its node before (EIP-155 chain id, network,
// FISCO BCOS group) until it dials the node again: the auditor reads them
// from the store.
func registerChain(ctx context.Context, db *index.DB, m ledger.Chain) error {
	old, err := db.Chain(ctx, m.ID)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
	case err != nil:
		return err
	case old.Kind == m.Kind:
		m.ChainID = cmp.Or(m.ChainID, old.ChainID)
		m.Network = cmp.Or(m.Network, old.Network)
		m.Group = cmp.Or(m.Group, old.Group)
	}
	return db.PutChain(ctx, m)
}

func ingestChain(ctx context.Context, ch ChainConfig, db *index.DB, heads *headBoard, log *slog.Logger) error {
	src, m, closeSrc, err := dialChain(ctx, &ch)
	if err != nil {
		return err
	}
	defer closeSrc()
	if err := db.PutChain(ctx, m); err != nil {
		return err
	}
	if err := resume(ctx, src, db, ch.ID); err != nil {
		return err
	}
	in, err := ledger.NewIngester(ch.ID, src, db, ch.ingestConfig(true), log)
	if err != nil {
		return err
	}
	heads.set(ch.ID, in)
	log.Info("ingest started", "chain", ch.ID, "kind", ch.Kind, "network", m.Network, "chain_id", m.ChainID)
	return in.Run(ctx)
}
