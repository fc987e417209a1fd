// Package anchor signs the head of the audit log into checkpoints and
// writes each one where the owner of the data directory cannot rewrite it
// alone: an append-only file, a webhook, or both. The index keeps a copy,
// so that a verifier can check the whole series; the external copy is the
// authority.
//
// Before it signs, the Anchor checks that the log still extends the last
// checkpoint, so it never signs over a truncated or rewritten log.
package anchor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// Config configures an Anchor.
type Config struct {
	// Interval is the time between checkpoints in Run (default 5m).
	Interval time.Duration
	// File is the append-only checkpoint file: one JSON checkpoint per
	// line. Make it append-only for the service's user (chattr +a, a WORM
	// mount or another host's log) so it cannot be rewritten.
	File string
	// Webhook receives an HTTP POST of each checkpoint's JSON.
	Webhook string
	// Timeout bounds one webhook request (default 10s).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	if c.Interval == 0 {
		c.Interval = 5 * time.Minute
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.File == "" && c.Webhook == "":
		return fmt.Errorf("%w: a checkpoint file, a webhook or both are needed", ledger.ErrInvalid)
	case c.Interval < time.Second:
		return fmt.Errorf("%w: interval %s is under 1s", ledger.ErrInvalid, c.Interval)
	case c.Timeout < 0:
		return fmt.Errorf("%w: negative timeout", ledger.ErrInvalid)
	}
	if c.Webhook != "" {
		u, err := url.Parse(c.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: webhook %q is not an http(s) URL", ledger.ErrInvalid, c.Webhook)
		}
	}
	return nil
}

// Store is the audit log with its checkpoints; the index implements it.
type Store interface {
	AuditEntries(ctx context.Context, from uint64, fn func(e *supervise.Entry) bool) error
	AuditCheckpoints(ctx context.Context, from uint64, fn func(c *supervise.Checkpoint) bool) error
	// LastAuditCheckpoint returns ledger.ErrNotFound when there is none.
	LastAuditCheckpoint(ctx context.Context) (supervise.Checkpoint, error)
	PutAuditCheckpoint(ctx context.Context, c supervise.Checkpoint) error
}

// Anchor signs and publishes checkpoints of one audit log. Its methods
// are safe for concurrent use.
type Anchor struct {
	cfg    Config
	store  Store
	signer *supervise.Signer
	client *http.Client
	log    *slog.Logger

	mu      sync.Mutex
	started bool   // fileSeq and hooked are set
	fileSeq uint64 // seq of the last checkpoint in the file
	hooked  uint64 // seq of the last checkpoint the webhook took
}

// New returns an Anchor. client may be nil.
func New(cfg Config, store Store, signer *supervise.Signer, client *http.Client, log *slog.Logger) (*Anchor, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if signer == nil {
		return nil, fmt.Errorf("%w: no signing key", ledger.ErrInvalid)
	}
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Anchor{cfg: cfg, store: store, signer: signer, client: client, log: log}, nil
}

// Checkpoint signs the log's head if it moved since the last checkpoint,
// stores the checkpoint in the index and publishes every stored
// checkpoint the file or the webhook has not taken yet. It returns the
// latest checkpoint and whether it is new. It refuses to sign a log that
// does not extend the last checkpoint (the error wraps
// supervise.ErrTruncated, ErrRewritten or ErrBrokenChain). A publishing
// failure is returned after the checkpoint is stored; the next call
// retries it.
func (a *Anchor) Checkpoint(ctx context.Context) (supervise.Checkpoint, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	last, err := a.store.LastAuditCheckpoint(ctx)
	have := err == nil
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return last, false, fmt.Errorf("read last audit log checkpoint: %w", err)
	}
	if err := a.start(last.Seq); err != nil {
		return last, false, err
	}
	if a.fileSeq > last.Seq {
		return last, false, fmt.Errorf("%w: %s holds checkpoint %d but the index only %d: the index was restored or rewritten (run lianjian auditlog verify)",
			supervise.ErrMissingCheckpoint, a.cfg.File, a.fileSeq, last.Seq)
	}
	size, head, err := a.head(ctx, last, have)
	if err != nil {
		return last, false, err
	}
	fresh := !have || size != last.Size
	if fresh {
		c := supervise.Checkpoint{Seq: last.Seq + 1, Size: size, Head: head, Time: a.cfg.Now().UTC()}
		if err := a.signer.Sign(&c); err != nil {
			return last, false, err
		}
		if err := a.store.PutAuditCheckpoint(ctx, c); err != nil {
			return last, false, fmt.Errorf("store audit log checkpoint %d: %w", c.Seq, err)
		}
		last = c
	}
	return last, fresh, a.publish(ctx, last.Seq)
}

// head walks the log from the last checkpoint's entry to its end and
// returns the size and head hash to sign, checking on the way that the
// log still extends the checkpoint. With no checkpoint it checks the
// whole chain.
func (a *Anchor) head(ctx context.Context, last supervise.Checkpoint, have bool) (uint64, []byte, error) {
	var v supervise.Verifier
	size, head := uint64(0), make([]byte, 32)
	from, resume := uint64(1), have && last.Size > 0
	if resume {
		from = last.Size
	}
	var problem error
	err := a.store.AuditEntries(ctx, from, func(e *supervise.Entry) bool {
		if resume {
			resume = false
			if e.Seq != last.Size || !bytes.Equal(e.Hash, last.Head) {
				problem = fmt.Errorf("%w: entry %d no longer has the head of checkpoint %d", supervise.ErrRewritten, last.Size, last.Seq)
				return false
			}
			problem = v.Start(e)
		} else {
			problem = v.Check(e)
		}
		size, head = e.Seq, e.Hash
		return problem == nil
	})
	switch {
	case err != nil:
		return 0, nil, fmt.Errorf("read audit log: %w", err)
	case problem != nil:
		return 0, nil, fmt.Errorf("not signing the audit log: %w", problem)
	case have && size < last.Size:
		return 0, nil, fmt.Errorf("not signing the audit log: %w: the log no longer has entry %d of checkpoint %d",
			supervise.ErrTruncated, last.Size, last.Seq)
	}
	return size, head, nil
}

// Run writes a checkpoint every Interval until ctx ends. Failures are
// logged and retried at the next tick. The caller writes the last
// checkpoint when everything else that appends has stopped.
func (a *Anchor) Run(ctx context.Context) error {
	t := time.NewTicker(a.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		c, fresh, err := a.Checkpoint(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Error("audit log checkpoint failed", "err", err)
		case fresh:
			a.log.Info("audit log checkpoint", "seq", c.Seq, "size", c.Size)
		}
	}
}
