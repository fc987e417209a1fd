// Command fabnet starts a native Hyperledger Fabric test network (see package
// internal/testnet/fabnet), drives traffic through it and keeps it running.
//
// Usage:
//
//	fabnet build [--version V]
//	fabnet up --dir D [--version V] [--consensus etcdraft|BFT] [--orderers N] [--tx N] [--exit] ...
//
// "up" starts the network in D, drives every traffic shape (puts, a delete,
// both-org endorsements, a one-org endorsement, MVCC read conflicts and a
// channel config update), bulk-puts until the ledger holds at least --tx
// transactions, writes D/network.json and waits for SIGINT or SIGTERM; with
// --exit it stops after the traffic and leaves the ledger files in D.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/lianjian/lianjian/internal/testnet/fabnet"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, logger, os.Args[1:]); err != nil {
		logger.Error("fabnet failed", "err", err)
		stop()
		os.Exit(1)
	}
}

func usage() error {
	return errors.New("usage: fabnet build [--version V] | fabnet up --dir D [flags]; see fabnet up -h")
}

func run(ctx context.Context, logger *slog.Logger, args []string) error {
	if len(args) == 0 {
		return usage()
	}
	switch args[0] {
	case "build":
		fs := flag.NewFlagSet("build", flag.ContinueOnError)
		version := fs.String("version", fabnet.V2_5_9, "Fabric version: 2.5.9 or 3.1.1")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		bin, err := fabnet.Build(ctx, *version, logger)
		if err != nil {
			return err
		}
		fmt.Println(string(bin))
		return nil
	case "up":
		return up(ctx, logger, args[1:])
	default:
		return usage()
	}
}

// upConfig holds the flags of "up".
type upConfig struct {
	opts     fabnet.Options
	tx       int
	parallel int
	exit     bool
}

func parseUp(args []string) (upConfig, error) {
	var c upConfig
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.StringVar(&c.opts.Dir, "dir", "", "directory for all network state (required)")
	fs.StringVar(&c.opts.Version, "version", fabnet.V2_5_9, "Fabric version: 2.5.9 or 3.1.1")
	fs.StringVar(&c.opts.Consensus, "consensus", fabnet.EtcdRaft, "orderer consensus: etcdraft or BFT (3.1.1)")
	fs.StringVar(&c.opts.Channel, "channel", fabnet.DefaultChannel, "application channel name")
	fs.BoolVar(&c.opts.TLS.Disabled, "no-tls", false, "disable TLS")
	fs.BoolVar(&c.opts.TLS.PeerClientAuth, "peer-client-auth", false, "peers require TLS client certificates")
	fs.BoolVar(&c.opts.TLS.OrdererClientAuth, "orderer-client-auth", false, "orderers require TLS client certificates")
	fs.BoolVar(&c.opts.TLS.OperationsClientAuth, "ops-client-auth", false, "operations endpoints use TLS and require client certificates")
	fs.IntVar(&c.opts.Orderers, "orderers", 1, "number of orderers (consenters)")
	fs.IntVar(&c.opts.MaxMessageCount, "block-size", 10, "most transactions per block")
	fs.IntVar(&c.opts.PreferredMaxBytes, "preferred-max-bytes", fabnet.DefaultPreferredMaxBytes, "orderer BatchSize.PreferredMaxBytes: cut a block before it grows past this")
	fs.IntVar(&c.opts.AbsoluteMaxBytes, "absolute-max-bytes", fabnet.DefaultAbsoluteMaxBytes, "orderer BatchSize.AbsoluteMaxBytes: refuse larger transactions")
	fs.IntVar(&c.tx, "tx", 0, "bulk-put until the ledger holds at least this many transactions")
	fs.IntVar(&c.parallel, "parallel", 16, "concurrent invokes during the bulk phase")
	fs.BoolVar(&c.exit, "exit", false, "stop after the traffic instead of waiting for a signal")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, c.opts.Validate()
}

func up(ctx context.Context, logger *slog.Logger, args []string) error {
	c, err := parseUp(args)
	if err != nil {
		return err
	}
	c.opts.Logger = logger
	n, err := fabnet.Start(ctx, c.opts)
	if err != nil {
		return err
	}
	defer n.Stop()
	info := filepath.Join(n.Dir(), "network.json")
	if err := n.WriteInfo(info); err != nil {
		return err
	}
	if err := traffic(ctx, logger, n); err != nil {
		return err
	}
	if bulk := c.tx - n.Transactions(); bulk > 0 {
		begin := time.Now()
		ok, err := n.BulkPut(ctx, "bulk-", bulk, c.parallel)
		if err != nil {
			return fmt.Errorf("bulk put after %d: %w", ok, err)
		}
		took := time.Since(begin)
		logger.Info("bulk puts committed", "count", ok, "took", took.Round(time.Millisecond),
			"tx_per_s", fmt.Sprintf("%.1f", float64(ok)/took.Seconds()))
	}
	height, err := n.Height(ctx)
	if err != nil {
		return err
	}
	logger.Info("traffic done", "height", height, "transactions", n.Transactions(), "info", info)
	if c.exit {
		return nil
	}
	<-ctx.Done()
	logger.Info("stopping")
	return nil
}

// traffic drives one of each transaction shape.
func traffic(ctx context.Context, logger *slog.Logger, n *fabnet.Network) error {
	for i := 1; i <= 5; i++ {
		if _, err := n.Put(ctx, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			return err
		}
	}
	if _, err := n.Delete(ctx, "k1"); err != nil {
		return err
	}
	if _, err := n.Incr(ctx, "counter"); err != nil {
		return err
	}
	txs, err := n.IncrConcurrent(ctx, "counter", 4)
	if err != nil {
		return err
	}
	tx, err := n.Invoke(ctx, []string{"Org1"}, "put", "one-org", "x")
	if !errors.Is(err, fabnet.ErrTxInvalid) {
		return fmt.Errorf("one-org endorsement: want an invalid tx, have %+v, %v", tx, err)
	}
	cfg, err := n.UpdateBatchTimeout(ctx, 500*time.Millisecond)
	if err != nil {
		return err
	}
	logger.Info("traffic shapes committed", "concurrent_incr", txs, "one_org", tx.Code, "config_block", cfg)
	return nil
}
