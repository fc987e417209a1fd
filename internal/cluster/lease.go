package cluster

import (
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Job is the work a worker runs for each chain it owns. It should run
// until ctx ends, which happens when the worker loses or releases the
// chain's partition, or stops. A job that returns an error runs again
// after Config.JobRestart while the chain is still owned; one that
// returns nil before ctx ends is done until the chain moves.
type Job func(ctx context.Context, chain string) error

// run is the state of one Run: the partitions owned, and every goroutine
// it started (partition followers and lease releases).
type run struct {
	owned map[int]*lease
	job   Job
	wg    sync.WaitGroup
}

// lease is one partition this worker owns.
type lease struct {
	rev     uint64    // the revision this worker last wrote
	renewed time.Time // when it was last written
	cancel  context.CancelFunc
	done    chan struct{} // closed when the partition's jobs have ended
}

// Run takes this worker's share of the partitions and runs job for every
// chain in them until ctx ends. On return every job has ended, and the
// leases and heartbeat are released so that the other workers take the
// partitions over at their next poll.
func (w *Worker) Run(ctx context.Context, job Job) error {
	r := &run{owned: map[int]*lease{}, job: job}
	tick := time.NewTicker(w.cfg.PollInterval)
	defer tick.Stop()
	w.cfg.Logger.Info("cluster worker started", "worker", w.cfg.Name, "partitions", w.cfg.Partitions,
		"lease_ttl", w.cfg.LeaseTTL, "poll", w.cfg.PollInterval, "failover_bound", w.cfg.FailoverBound())
	for ctx.Err() == nil {
		w.poll(ctx, r)
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	for p, l := range r.owned {
		w.release(p, l, r)
	}
	r.wg.Wait()
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.LeaseTTL)
	defer cancel()
	if err := w.workers.Delete(stop, w.cfg.Name); err != nil {
		w.cfg.Logger.Warn("heartbeat not removed; it expires", "err", err)
	}
	w.snapshot(nil)
	w.cfg.Logger.Info("cluster worker stopped", "worker", w.cfg.Name)
	return nil
}

// poll renews the heartbeat and leases, then releases or takes partitions
// to reach this worker's fair share.
func (w *Worker) poll(ctx context.Context, r *run) {
	log, owned := w.cfg.Logger, r.owned
	if _, err := w.workers.Put(ctx, w.cfg.Name, nil); err != nil && ctx.Err() == nil {
		w.metrics.renewFailures.Inc()
		log.Warn("heartbeat failed", "err", err)
	}
	for p, l := range owned {
		err := w.renew(ctx, p, l)
		if err == nil || ctx.Err() != nil {
			continue
		}
		w.metrics.renewFailures.Inc()
		if errors.Is(err, errLeaseLost) || time.Since(l.renewed) > w.cfg.LeaseTTL-w.cfg.PollInterval {
			// Stop before anyone else may take it; no release: the lease
			// is, or is about to be, someone else's.
			log.Warn("partition lost", "partition", p, "err", err)
			l.cancel()
			delete(owned, p)
			continue
		}
		log.Warn("lease renewal failed", "partition", p, "err", err)
	}
	defer w.snapshot(owned)
	share, ok := w.share(ctx)
	if !ok {
		return
	}
	if len(owned) > share {
		ps := make([]int, 0, len(owned))
		for p := range owned {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		for _, p := range ps[share:] {
			log.Info("partition released to rebalance", "partition", p, "share", share)
			w.metrics.rebalances.Inc()
			w.release(p, owned[p], r)
			delete(owned, p)
		}
		return
	}
	if len(owned) < share {
		w.acquire(ctx, r, share)
	}
}

// renew rewrites partition p's lease at the revision this worker wrote.
func (w *Worker) renew(ctx context.Context, p int, l *lease) error {
	rev, err := w.leases.Update(ctx, leaseKey(p), []byte(w.cfg.Name), l.rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return errors.Join(errLeaseLost, err)
	}
	if err != nil {
		return err
	}
	l.rev, l.renewed = rev, time.Now()
	return nil
}

// share returns how many partitions this worker should own: the live
// workers, sorted by name, split the partitions as evenly as they can,
// the first ones taking one more when they do not divide.
func (w *Worker) share(ctx context.Context) (int, bool) {
	names, err := w.workers.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		if ctx.Err() == nil {
			w.cfg.Logger.Warn("live workers unknown", "err", err)
		}
		return 0, false
	}
	if !slices.Contains(names, w.cfg.Name) {
		names = append(names, w.cfg.Name)
	}
	slices.Sort(names)
	rank := slices.Index(names, w.cfg.Name)
	n, live := w.cfg.Partitions, len(names)
	share := n / live
	if rank < n%live {
		share++
	}
	return share, true
}

// acquire takes free partitions until this worker owns share of them. It
// starts at a point derived from the worker's name so that workers
// starting together try different partitions first.
func (w *Worker) acquire(ctx context.Context, r *run, share int) {
	owned := r.owned
	taken := map[string]bool{}
	keys, err := w.leases.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		if ctx.Err() == nil {
			w.cfg.Logger.Warn("leases unknown", "err", err)
		}
		return
	}
	for _, k := range keys {
		taken[k] = true
	}
	h := fnv.New32a()
	h.Write([]byte(w.cfg.Name))
	n := w.cfg.Partitions
	start := int(h.Sum32() % uint32(n))
	for i := 0; i < n && len(owned) < share; i++ {
		p := (start + i) % n
		if owned[p] != nil || taken[leaseKey(p)] {
			continue
		}
		rev, err := w.leases.Create(ctx, leaseKey(p), []byte(w.cfg.Name))
		if err != nil {
			continue // taken meanwhile, or JetStream unavailable: next poll
		}
		pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l := &lease{rev: rev, renewed: time.Now(), cancel: cancel, done: make(chan struct{})}
		owned[p] = l
		w.metrics.takeovers.Inc()
		w.cfg.Logger.Info("partition acquired", "partition", p, "share", share)
		r.wg.Go(func() { w.follow(pctx, p, r.job, l.done) })
	}
}

// release stops partition p's jobs, then deletes its lease at the
// revision this worker wrote, so the next owner may take it at once.
func (w *Worker) release(p int, l *lease, r *run) {
	l.cancel()
	r.wg.Go(func() {
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.LeaseTTL)
		defer cancel()
		if err := w.leases.Delete(ctx, leaseKey(p), jetstream.LastRevision(l.rev)); err != nil {
			w.cfg.Logger.Warn("lease not released; it expires", "partition", p, "err", err)
		}
	})
}

// snapshot records the partitions owned, for Status and the metrics.
func (w *Worker) snapshot(owned map[int]*lease) {
	ps := make([]int, 0, len(owned))
	for p := range owned {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	w.mu.Lock()
	w.partitions = ps
	w.mu.Unlock()
	w.metrics.partitions.Set(float64(len(ps)))
}
