package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/api/report"
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
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load(e)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.API.Listen = *listen
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
		models := []ledger.Chain{ch.model()}
		if ledger.Kind(ch.Kind) == ledger.KindFabric {
			models = ch.fabricModels()
		}
		for _, m := range models {
			if err := db.PutChain(ctx, m); err != nil {
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
	serveAPI, err := newAPI(cfg, db, heads, metrics, log)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveAPI(ctx) })
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

// headBoard remembers each chain's ingester so the API can report heads.
type headBoard struct{ m sync.Map }

func (h *headBoard) set(chain string, in *ledger.Ingester) { h.m.Store(chain, in) }

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
