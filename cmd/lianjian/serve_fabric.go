package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// superviseFabric follows every channel of one configured Fabric network
// until ctx ends, each channel as its own chain in its own goroutine. A
// channel whose peer fails or serves a block that does not decode is
// retried with backoff and never stops the other channels or chains.
func superviseFabric(ctx context.Context, ch ChainConfig, db *index.DB, heads *headBoard, log *slog.Logger) {
	log = log.With("network", ch.ID)
	net := dialFabric(ctx, ch, log)
	if net == nil {
		return
	}
	defer net.Close()
	ids := ch.channelChainIDs()
	var wg sync.WaitGroup
	for _, channel := range ch.Fabric.Channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := ids[channel]
			clog := log.With("chain", id, "channel", channel)
			retry(ctx, clog, "channel ingest stopped; retrying", func() error {
				return followChannel(ctx, ch, net, channel, id, db, heads, clog)
			})
		}()
	}
	wg.Wait()
}

// superviseChannel follows one channel of a configured Fabric network,
// over a connection of its own, until ctx ends: a cluster worker runs the
// channels it owns, which may be some of a network's only.
func superviseChannel(ctx context.Context, ch ChainConfig, m ledger.Chain, db *index.DB, heads *headBoard, log *slog.Logger) {
	log = log.With("network", ch.ID, "chain", m.ID, "channel", m.Channel)
	net := dialFabric(ctx, ch, log)
	if net == nil {
		return
	}
	defer net.Close()
	retry(ctx, log, "channel ingest stopped; retrying", func() error {
		return followChannel(ctx, ch, net, m.Channel, m.ID, db, heads, log)
	})
}

// dialFabric connects to a configured Fabric network, retrying with
// backoff; it returns nil when ctx ends first or the configuration's
// files are gone.
func dialFabric(ctx context.Context, ch ChainConfig, log *slog.Logger) *fabric.Network {
	lc, err := ch.liveConfig("fabric")
	if err != nil {
		// Validated at load time; the files may have gone since.
		log.Error("fabric chain not started", "err", err)
		return nil
	}
	lc.Logger = log
	var net *fabric.Network
	retry(ctx, log, "fabric connection failed; retrying", func() error {
		net, err = fabric.Dial(ctx, lc)
		return err
	})
	return net
}

// followChannel ingests one channel from its checkpoint and follows it.
func followChannel(ctx context.Context, ch ChainConfig, net *fabric.Network, channel, id string, db *index.DB, heads *headBoard, log *slog.Logger) error {
	resume := func(ctx context.Context) (uint64, error) {
		cp, err := db.Checkpoint(ctx, id)
		if errors.Is(err, ledger.ErrNotFound) {
			return ch.Ingest.From, nil
		}
		return cp.Height + 1, err
	}
	var seed *ledger.Config
	if cp, err := db.Checkpoint(ctx, id); err == nil {
		if seed, err = db.ChannelConfig(ctx, id, cp.Height); err != nil && !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
	}
	src, err := net.Channel(ctx, channel, id, resume, seed)
	if err != nil {
		return err
	}
	in, err := ledger.NewIngester(id, src, db, ch.ingestConfig(true), log)
	if err != nil {
		return err
	}
	heads.set(id, in)
	log.Info("ingest started", "profile", ch.Fabric.Profile)
	return in.Run(ctx)
}
