package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// IngestConfig configures an Ingester.
type IngestConfig struct {
	// From is the first height to ingest when the chain has no checkpoint.
	From uint64
	// To stops ingest after this height when non-zero (one-shot backfill).
	To uint64
	// Batch is the number of blocks fetched per request.
	Batch int
	// Prefetch is how many batches are fetched concurrently ahead of the
	// commits.
	Prefetch int
	// MaxBytes bounds the raw bytes of the blocks fetched and not yet
	// committed (default 32 MiB): batches shrink, down to one block, as
	// blocks grow, so memory stays bounded whatever the block size.
	MaxBytes int64
	// PollInterval is how often the head is polled when no subscription
	// is available.
	PollInterval time.Duration
	// MaxReorgDepth bounds how far back a reorg may roll the index.
	MaxReorgDepth int
	// MaxBackoff caps the wait between retries when the node fails.
	MaxBackoff time.Duration
	// Follow keeps ingesting new heads after the backfill; without it Run
	// returns once the head (or To) is reached.
	Follow bool
	// MaxRetries bounds consecutive failed attempts when not following
	// (default 5); a follower retries forever.
	MaxRetries int
	// OnBlock, when set, is called after each committed block (progress).
	OnBlock func(b *Block, head uint64)
}

// DefaultIngestBytes is IngestConfig.MaxBytes when unset.
const DefaultIngestBytes = 32 << 20

// Defaults fills zero fields.
func (c *IngestConfig) Defaults() {
	if c.Batch == 0 {
		c.Batch = 32
	}
	if c.Prefetch == 0 {
		c.Prefetch = 8
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultIngestBytes
	}
	if c.PollInterval == 0 {
		c.PollInterval = 2 * time.Second
	}
	if c.MaxReorgDepth == 0 {
		c.MaxReorgDepth = 128
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 5
	}
}

// Validate checks the configuration.
func (c IngestConfig) Validate() error {
	switch {
	case c.Batch < 1 || c.Batch > 1024:
		return fmt.Errorf("%w: batch %d (want 1..1024)", ErrInvalid, c.Batch)
	case c.Prefetch < 1 || c.Prefetch > 64:
		return fmt.Errorf("%w: prefetch %d (want 1..64)", ErrInvalid, c.Prefetch)
	case c.MaxBytes < 1<<20:
		return fmt.Errorf("%w: max bytes in flight %d (want 1 MiB or more)", ErrInvalid, c.MaxBytes)
	case c.PollInterval < 10*time.Millisecond:
		return fmt.Errorf("%w: poll interval %s is below 10ms", ErrInvalid, c.PollInterval)
	case c.MaxReorgDepth < 1:
		return fmt.Errorf("%w: max reorg depth %d", ErrInvalid, c.MaxReorgDepth)
	case c.To != 0 && c.To < c.From:
		return fmt.Errorf("%w: to %d is below from %d", ErrInvalid, c.To, c.From)
	}
	return nil
}

// IngestStore is what the ingester needs from the index.
type IngestStore interface {
	Commit(ctx context.Context, b *Block) error
	Rollback(ctx context.Context, r Reorg) error
	Checkpoint(ctx context.Context, chain string) (Checkpoint, error)
	Block(ctx context.Context, chain string, height uint64) (*Block, error)
}

// BatchCommitter is implemented by stores that commit a run of
// consecutive blocks of one chain in one atomic write, all or none, with
// the checks Commit makes of each block. The ingester commits runs of
// small blocks so (see batchBytes) when the store allows it.
type BatchCommitter interface {
	CommitBatch(ctx context.Context, bs []*Block) error
}

// batchBytes bounds the raw bytes of the blocks the ingester commits in
// one write. Batching saves the cost each write has on its own for small
// blocks; a large block is a write of its own, so what one write holds
// in memory, and what a crash undoes, stays one block.
const batchBytes = 4 << 20

// runLen returns how many blocks of bs, from the first, make one write:
// at least one, and more while their raw bytes stay within batchBytes.
func runLen(bs []*Block) int {
	n, size := 1, len(bs[0].Raw)
	for n < len(bs) && size+len(bs[n].Raw) <= batchBytes {
		size += len(bs[n].Raw)
		n++
	}
	return n
}

// Ingester backfills a chain from its checkpoint and follows its head,
// committing each block atomically and rolling back on reorgs.
type Ingester struct {
	chain string
	src   Source
	store IngestStore
	cfg   IngestConfig
	log   *slog.Logger
	head  atomic.Uint64
}

// NewIngester returns an ingester for one chain.
func NewIngester(chain string, src Source, store IngestStore, cfg IngestConfig, log *slog.Logger) (*Ingester, error) {
	cfg.Defaults()
	if _, ok := src.(Sequential); ok {
		cfg.Prefetch = 1
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ingest %s: %w", chain, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{chain: chain, src: src, store: store, cfg: cfg, log: log.With("chain", chain)}, nil
}

// Head returns the newest head height seen from the node.
func (in *Ingester) Head() uint64 { return in.head.Load() }

// next returns the height to ingest next.
func (in *Ingester) next(ctx context.Context) (uint64, error) {
	cp, err := in.store.Checkpoint(ctx, in.chain)
	switch {
	case errors.Is(err, ErrNotFound):
		return in.cfg.From, nil
	case err != nil:
		return 0, err
	}
	return cp.Height + 1, nil
}

// Run ingests until ctx ends, or until the head (or To) is reached when
// not following. Node failures are retried with backoff; only index
// failures end Run with an error.
func (in *Ingester) Run(ctx context.Context) error {
	heads := in.watchHeads(ctx)
	backoff := time.Duration(0)
	failures := 0
	for {
		done, err := in.step(ctx, heads)
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil && done:
			return nil
		case err == nil:
			backoff, failures = 0, 0
			continue
		case errors.Is(err, errStore):
			return err
		}
		if brks := breaksIn(err); len(brks) > 0 {
			if ferr := in.fileBreak(ctx, brks); ferr != nil {
				return ferr
			}
			if !in.cfg.Follow {
				// A one-shot ingest stops at a break: the blocks before it
				// are committed, the break is a finding.
				return fmt.Errorf("ingest %s: stopped: %w", in.chain, err)
			}
		}
		if failures++; !in.cfg.Follow && failures > in.cfg.MaxRetries {
			return fmt.Errorf("ingest %s: giving up after %d attempts: %w", in.chain, failures, err)
		}
		backoff = min(max(backoff*2, 250*time.Millisecond), in.cfg.MaxBackoff)
		wait := backoff/2 + rand.N(backoff/2+1)
		in.log.Warn("ingest retry", "err", err, "wait", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// errStore marks errors from the index, which retrying will not cure.
var errStore = errors.New("index")

// FindingWriter is implemented by stores that keep findings. The
// ingester files the breaks it meets there.
type FindingWriter interface {
	PutFindings(ctx context.Context, fs []Finding) error
}

// fileBreak stores the breaks found at one block as findings on the
// chain when the store keeps findings. A follower keeps retrying after a
// break (the node may serve the block again, repaired); a finding keeps
// one id however often it is filed.
func (in *Ingester) fileBreak(ctx context.Context, brks []*Break) error {
	now := time.Now().UTC()
	fs := make([]Finding, len(brks))
	for i, brk := range brks {
		in.log.Warn("ingest break", "rule", brk.Rule.ID, "height", brk.Height, "err", brk.Err)
		fs[i] = brk.Finding(in.chain, now)
	}
	fw, ok := in.store.(FindingWriter)
	if !ok {
		return nil
	}
	if err := fw.PutFindings(ctx, fs); err != nil {
		return fmt.Errorf("ingest %s: %w: store break finding: %w", in.chain, errStore, err)
	}
	return nil
}

// breaksIn returns the breaks in err's tree, in order.
func breaksIn(err error) []*Break {
	if brk, ok := err.(*Break); ok {
		return []*Break{brk}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return breaksIn(u.Unwrap())
	case interface{ Unwrap() []error }:
		var out []*Break
		for _, e := range u.Unwrap() {
			out = append(out, breaksIn(e)...)
		}
		return out
	}
	return nil
}

// locate names the file and offset of the block a break is about, when
// the source reads files.
func (in *Ingester) locate(brk *Break) *Break {
	if l, ok := in.src.(Locator); ok {
		brk.File, brk.Offset, _ = l.Locate(brk.Height)
	}
	return brk
}

// step ingests up to the current head. It returns done when Run should
// stop (not following and the target is reached).
func (in *Ingester) step(ctx context.Context, heads <-chan uint64) (bool, error) {
	next, err := in.next(ctx)
	if err != nil {
		return false, fmt.Errorf("%w: checkpoint: %w", errStore, err)
	}
	if in.cfg.To != 0 && next > in.cfg.To {
		return true, nil
	}
	head, err := in.src.Head(ctx)
	if err != nil {
		return false, fmt.Errorf("head: %w", err)
	}
	in.head.Store(head)
	target := head
	if in.cfg.To != 0 {
		target = min(target, in.cfg.To)
	}
	if next > target {
		if !in.cfg.Follow {
			if in.cfg.To != 0 && next <= in.cfg.To {
				return false, fmt.Errorf("head %d is below the requested end %d", head, in.cfg.To)
			}
			return true, nil
		}
		in.waitHead(ctx, heads, next)
		return false, nil
	}
	return false, in.ingestRange(ctx, next, target)
}

// waitHead blocks until the node may have a block at height want.
func (in *Ingester) waitHead(ctx context.Context, heads <-chan uint64, want uint64) {
	timer := time.NewTimer(in.cfg.PollInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		case h, ok := <-heads:
			if !ok {
				heads = nil
				continue
			}
			in.head.Store(max(in.head.Load(), h))
			if h >= want {
				return
			}
		}
	}
}

// watchHeads subscribes to new heads when the source supports it. It
// resubscribes after failures; while unsubscribed the ingester polls.
func (in *Ingester) watchHeads(ctx context.Context) <-chan uint64 {
	sub, ok := in.src.(Subscriber)
	if !ok || !in.cfg.Follow {
		return nil
	}
	out := make(chan uint64, 1)
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			ch, err := sub.SubscribeHeads(ctx)
			if err != nil {
				in.log.Info("head subscription unavailable, polling", "err", err)
				select {
				case <-ctx.Done():
					return
				case <-time.After(in.cfg.MaxBackoff):
				}
				continue
			}
			for h := range ch {
				select {
				case out <- h:
				default: // the ingester is busy; it reads the head itself
				}
			}
		}
	}()
	return out
}

type fetched struct {
	blocks []*Block
	hi     uint64 // the last height asked for
	err    error
}

// blockBytes is what a block holds in memory, for the in-flight budget:
// its raw bytes, or an estimate from its transactions.
func blockBytes(b *Block) int64 {
	if len(b.Raw) > 0 {
		return int64(len(b.Raw))
	}
	return 1024 + 512*int64(len(b.Txs))
}

// ingestRange fetches from..to in batches and commits them in order.
// Prefetch workers fetch (and so decode and verify) several batches at
// once, ahead of the commits, so network waits, decoding and index writes
// overlap. A batch holds at most Batch blocks and about MaxBytes/Prefetch
// bytes, judged by the blocks fetched last; the first batches hold one
// block each, until there is something to judge by.
func (in *Ingester) ingestRange(ctx context.Context, from, to uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     = from // the first height not handed to a worker
		seq      int    // the number of the next batch handed out
		results  = map[int]chan fetched{}
		perBlock atomic.Int64 // bytes per block in the last batch fetched
		expect   = from       // the height the checkpoint should take next
	)
	result := func(i int) chan fetched { // under mu
		c, ok := results[i]
		if !ok {
			c = make(chan fetched, 1)
			results[i] = c
		}
		return c
	}
	share := in.cfg.MaxBytes / int64(in.cfg.Prefetch)
	take := func() (chan fetched, uint64, uint64, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next > to {
			return nil, 0, 0, false
		}
		k := uint64(1)
		if pb := perBlock.Load(); pb > 0 {
			k = uint64(min(max(share/pb, 1), int64(in.cfg.Batch)))
		}
		lo := next
		hi := lo + min(k-1, to-lo)
		next = hi + 1
		c := result(seq)
		seq++
		return c, lo, hi, true
	}
	// A slot is taken before a batch is fetched and given back when it is
	// committed, bounding memory to Prefetch batches.
	slots := make(chan struct{}, in.cfg.Prefetch)
	for range in.cfg.Prefetch {
		go func() {
			for {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				out, lo, hi, ok := take()
				if !ok {
					return
				}
				bs, err := in.src.Blocks(ctx, lo, hi)
				switch {
				case err == nil && len(bs) != int(hi-lo+1):
					err = fmt.Errorf("node returned %d blocks for %d..%d", len(bs), lo, hi)
				case err != nil && len(bs) > int(hi-lo+1):
					bs = nil
				}
				if len(bs) > 0 {
					var n int64
					for _, b := range bs {
						n += blockBytes(b)
					}
					perBlock.Store(max(n/int64(len(bs)), 1))
				}
				out <- fetched{bs, hi, err}
			}
		}()
	}
	for i := 0; ; i++ {
		mu.Lock()
		c := result(i)
		mu.Unlock()
		var f fetched
		select {
		case f = <-c:
		case <-ctx.Done():
			return ctx.Err()
		}
		mu.Lock()
		delete(results, i)
		mu.Unlock()
		// The blocks fetched before a failure are committed first: runs
		// of small blocks in one write each when the store allows it.
		// When a run fails (a reorg or a gap at some block, or the
		// store), nothing of it was stored and the rest is committed
		// one block at a time, which finds the block and handles it.
		blocks := f.blocks
		bc, batching := in.store.(BatchCommitter)
		for len(blocks) > 0 {
			if n := runLen(blocks); batching && n > 1 {
				if bc.CommitBatch(ctx, blocks[:n]) == nil {
					for _, b := range blocks[:n] {
						if in.cfg.OnBlock != nil {
							in.cfg.OnBlock(b, in.head.Load())
						}
					}
					expect = blocks[n-1].Height + 1
					blocks = blocks[n:]
					continue
				}
				batching = false
			}
			b := blocks[0]
			blocks = blocks[1:]
			err := in.store.Commit(ctx, b)
			if _, final := in.src.(Final); final && errors.Is(err, ErrReorg) {
				return in.locate(&Break{Rule: RuleBreakUnlinked, Height: b.Height, Tx: NoTx, Err: err})
			}
			if errors.Is(err, ErrReorg) {
				return in.reorg(ctx, b)
			}
			if errors.Is(err, ErrGap) && b.Height == expect {
				// The block is the one that followed the checkpoint this
				// range started from: the checkpoint moved under us, as
				// when a worker that lost its chain has not yet noticed
				// and its successor commits too. Not a break: read the
				// checkpoint again and go on from it.
				in.log.Info("checkpoint moved by another writer; resuming from it", "height", b.Height)
				return nil
			}
			if errors.Is(err, ErrGap) {
				return in.locate(&Break{Rule: RuleBreakGap, Height: b.Height, Tx: NoTx, Err: err})
			}
			if err != nil {
				return fmt.Errorf("%w: commit block %d: %w", errStore, b.Height, err)
			}
			expect = b.Height + 1
			if in.cfg.OnBlock != nil {
				in.cfg.OnBlock(b, in.head.Load())
			}
		}
		if f.err != nil {
			return fmt.Errorf("fetch: %w", f.err)
		}
		<-slots
		if f.hi >= to {
			return nil
		}
	}
}

// reorg finds the common ancestor of the index and the node below block b,
// rolls the index back to it and records the reorg. When the node's block
// below b is the one indexed, there is nothing to roll back: b is fetched
// again, and if it still does not link, the break is returned.
func (in *Ingester) reorg(ctx context.Context, b *Block) error {
	r := Reorg{Chain: in.chain, Time: time.Now().UTC()}
	var parent []byte // the indexed block below b, which the node confirms
	for h := b.Height - 1; ; h-- {
		if int(b.Height-1-h) >= in.cfg.MaxReorgDepth {
			return fmt.Errorf("%w: reorg at %d deeper than %d blocks", errStore, b.Height, in.cfg.MaxReorgDepth)
		}
		stored, err := in.store.Block(ctx, in.chain, h)
		if errors.Is(err, ErrNotFound) {
			// Below the first indexed block: roll back everything.
			r.Ancestor = h
			break
		}
		if err != nil {
			return fmt.Errorf("%w: reorg: %w", errStore, err)
		}
		canon, err := in.hashAt(ctx, h)
		if err != nil {
			return fmt.Errorf("reorg: canonical hash at %d: %w", h, err)
		}
		if bytes.Equal(stored.Hash, canon) {
			r.Ancestor = h
			if h == b.Height-1 {
				parent = stored.Hash
			}
			break
		}
		r.OldHashes = append(r.OldHashes, stored.Hash)
		r.NewHashes = append(r.NewHashes, canon)
		if h == 0 {
			return fmt.Errorf("%w: reorg reaches genesis: the node serves another chain", errStore)
		}
	}
	r.Depth = len(r.OldHashes)
	if r.Depth == 0 {
		return in.unlinked(ctx, b, parent)
	}
	in.log.Warn("reorg", "ancestor", r.Ancestor, "depth", r.Depth)
	if err := in.store.Rollback(ctx, r); err != nil {
		return fmt.Errorf("%w: rollback: %w", errStore, err)
	}
	return nil
}

// unlinked handles block b, which does not link to the block indexed
// below it although the node confirms that block (its hash is parent).
// A block fetched before the node switched forks does that, once: b is
// fetched again and the next attempt commits it. A node that serves it
// again contradicts itself, as one that forged the hash of the block
// below does: b is a break (RuleBreakUnlinked), filed as a finding,
// rather than a reorganisation retried forever without one.
func (in *Ingester) unlinked(ctx context.Context, b *Block, parent []byte) error {
	stale := fmt.Errorf("block %d came from a stale fork; fetching again", b.Height)
	again, err := in.src.Blocks(ctx, b.Height, b.Height)
	if err != nil || len(again) != 1 || parent == nil || bytes.Equal(again[0].ParentHash, parent) {
		return stale
	}
	return in.locate(&Break{Rule: RuleBreakUnlinked, Height: b.Height, Tx: NoTx,
		Err: fmt.Errorf("%w: block %d parent %x, served again; the node's block %d is %x, as indexed", ErrReorg, b.Height, again[0].ParentHash, b.Height-1, parent)})
}

func (in *Ingester) hashAt(ctx context.Context, h uint64) ([]byte, error) {
	if hs, ok := in.src.(HashSource); ok {
		return hs.HashAt(ctx, h)
	}
	bs, err := in.src.Blocks(ctx, h, h)
	if err != nil {
		return nil, err
	}
	if len(bs) != 1 {
		return nil, fmt.Errorf("node returned %d blocks for %d", len(bs), h)
	}
	return bs[0].Hash, nil
}
