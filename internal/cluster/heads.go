package cluster

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// headsBucket is the suffix of the bucket of node heads.
const headsBucket = "-heads"

// PublishHead records the head height the node of chain reported to this
// worker, for the API servers, which follow no chain, to report the
// chain's head and lag. The record expires LeaseTTL after it is written,
// so a head nobody renews stops being reported.
func (w *Worker) PublishHead(ctx context.Context, chain string, head uint64) error {
	if _, err := w.heads.Put(ctx, token(chain), strconv.AppendUint(nil, head, 10)); err != nil {
		return fmt.Errorf("publish head of %s: %w", chain, err)
	}
	return nil
}

// Heads follows the heads the workers publish. It implements the API's
// head reporter.
type Heads struct {
	nc   *nats.Conn
	w    jetstream.KeyWatcher
	done chan struct{}

	ttl time.Duration
	mu  sync.RWMutex
	m   map[string]head
}

// head is a published head and when it was written.
type head struct {
	height uint64
	at     time.Time
}

// WatchHeads connects to NATS and follows the published heads until
// Close. Only URLs, Bucket, Replicas, LeaseTTL and Logger of cfg matter.
func WatchHeads(ctx context.Context, cfg Config) (*Heads, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	nc, js, err := connect(cfg)
	if err != nil {
		return nil, err
	}
	kv, err := openBucket(ctx, js, cfg, cfg.Bucket+headsBucket, "Lianjian node heads by chain")
	if err != nil {
		nc.Close()
		return nil, err
	}
	// Starting a watch asks the stream's leader, which a cluster still
	// electing one (or a loaded machine) answers late: retry as setup
	// does.
	var kw jetstream.KeyWatcher
	err = retrySetup(ctx, func() (err error) {
		kw, err = kv.WatchAll(ctx)
		return err
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("watch heads: %w", err)
	}
	h := &Heads{nc: nc, w: kw, done: make(chan struct{}), ttl: cfg.LeaseTTL, m: map[string]head{}}
	go h.follow()
	return h, nil
}

// follow applies every update until the watcher stops.
func (h *Heads) follow() {
	defer close(h.done)
	for e := range h.w.Updates() {
		if e == nil {
			continue // the initial values are all delivered
		}
		b, err := base64.RawURLEncoding.DecodeString(e.Key())
		if err != nil {
			continue
		}
		chain := string(b)
		h.mu.Lock()
		if v, err := strconv.ParseUint(string(e.Value()), 10, 64); err == nil && e.Operation() == jetstream.KeyValuePut {
			h.m[chain] = head{v, e.Created()}
		} else {
			delete(h.m, chain)
		}
		h.mu.Unlock()
	}
}

// Head returns the last head published for chain, unless it is older
// than LeaseTTL (its worker died or stopped following it).
func (h *Heads) Head(chain string) (uint64, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	v, ok := h.m[chain]
	if !ok || time.Since(v.at) > h.ttl {
		return 0, false
	}
	return v.height, true
}

// Close stops following and closes the connection.
func (h *Heads) Close() error {
	err := h.w.Stop()
	h.nc.Close()
	<-h.done
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		return fmt.Errorf("stop watching heads: %w", err)
	}
	return nil
}
