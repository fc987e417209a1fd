package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/api/alert"
	"github.com/lianjian/lianjian/api/transport"
	"github.com/lianjian/lianjian/ledger/index"
)

func init() {
	commands["devcert"] = command{"generate development TLS and GM TLS (SM2) certificates for the API", runDevCert}
}

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
	srv, err := api.New(cfg.API.serverConfig(), api.Deps{
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

func runDevCert(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("devcert", flag.ContinueOnError)
	dir := fs.String("dir", "lianjian-data/tls", "directory to write the certificates to")
	hosts := fs.String("hosts", "localhost,127.0.0.1,::1", "comma-separated host names and IPs the certificates are valid for")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := transport.DevCerts(*dir, strings.Split(*hosts, ","))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "api:\n  tls:\n    cert: %s\n    key: %s\n    gm: true\n    sign_cert: %s\n    sign_key: %s\n    enc_cert: %s\n    enc_key: %s\n",
		c.Cert, c.Key, c.SignCert, c.SignKey, c.EncCert, c.EncKey)
	return nil
}
