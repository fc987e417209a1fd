package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/ledger/index"
)

// newAPI builds the API server from the configuration and returns the
// function that serves it until ctx ends.
func newAPI(cfg *Config, db *index.DB, heads api.HeadReporter, log *slog.Logger) (func(context.Context) error, error) {
	srv, err := api.New(api.Config{Addr: cfg.API.Listen}, api.Deps{Index: db, Heads: heads, Logger: log})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", cfg.API.Listen)
	if err != nil {
		return nil, fmt.Errorf("api.listen: %w", err)
	}
	log.Info("serving", "url", "http://"+l.Addr().String(), "data_dir", cfg.DataDir, "chains", len(cfg.Chains))
	return func(ctx context.Context) error { return srv.Serve(ctx, l) }, nil
}
