package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// job is one chain's running job.
type job struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// follow runs the jobs of partition p's chains until ctx ends, then waits
// for them and closes done. It reads the registrations through the
// partition's durable consumer, recreating it after a failure (a NATS
// node lost, say): the consumer delivers the last registration of each
// chain again, and chains whose jobs run already are left running.
func (w *Worker) follow(ctx context.Context, p int, run Job, done chan struct{}) {
	defer close(done)
	log := w.cfg.Logger.With("partition", p)
	jobs := map[string]*job{}
	var wg sync.WaitGroup
	defer func() {
		for _, j := range jobs {
			j.cancel()
		}
		wg.Wait()
	}()
	handle := func(chain string, remove bool) {
		j := jobs[chain]
		running := j != nil && !closed(j.done)
		switch {
		case remove && running:
			log.Info("chain unregistered; stopping", "chain", chain)
			j.cancel()
			delete(jobs, chain)
		case !remove && !running:
			jctx, cancel := context.WithCancel(ctx)
			j = &job{cancel: cancel, done: make(chan struct{})}
			jobs[chain] = j
			wg.Go(func() {
				defer close(j.done)
				w.runJob(jctx, p, chain, run)
			})
		}
	}
	for ctx.Err() == nil {
		err := w.consume(ctx, p, handle)
		if ctx.Err() != nil {
			return
		}
		log.Warn("partition consumer failed; recreating", "err", err)
		wait(ctx, w.cfg.PollInterval)
	}
}

// closed reports whether c is closed.
func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// consume recreates partition p's durable consumer and hands each
// registration it delivers to handle, until ctx ends or the consumer
// fails.
func (w *Worker) consume(ctx context.Context, p int, handle func(chain string, remove bool)) error {
	name := fmt.Sprintf("partition-%d", p)
	if err := w.js.DeleteConsumer(ctx, w.cfg.Stream, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("delete consumer %s: %w", name, err)
	}
	cons, err := w.js.CreateConsumer(ctx, w.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "Lianjian chains of one partition, read by its owner",
		FilterSubject: fmt.Sprintf("%s.part.%d.*", w.prefix, p),
		// The stream keeps one message per chain, so delivering all of
		// them delivers the last registration of each. (Delivering "last
		// per subject" races with a registration stored while the
		// consumer is created: its start can fall just after it.)
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		// A cursor its owner recreates: one replica in memory is enough,
		// and is created without a replica election.
		Replicas:      1,
		MemoryStorage: true,
	})
	if err != nil {
		return fmt.Errorf("create consumer %s: %w", name, err)
	}
	// Short pulls: a pull the server dropped (the consumer just created,
	// a node lost) is replaced within a second or two, not after the
	// default 30 s.
	it, err := cons.Messages(jetstream.PullExpiry(min(max(w.cfg.LeaseTTL/2, time.Second), 10*time.Second)))
	if err != nil {
		return fmt.Errorf("consume %s: %w", name, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		switch {
		case errors.Is(err, jetstream.ErrMsgIteratorClosed):
			return ctx.Err()
		case err != nil:
			return fmt.Errorf("consume %s: %w", name, err)
		}
		handle(string(msg.Data()), msg.Headers().Get(opHeader) == opRemove)
		if err := msg.Ack(); err != nil {
			w.cfg.Logger.Debug("registration not acknowledged", "partition", p, "err", err)
		}
	}
}

// runJob runs chain's job until ctx ends, again after each failure.
func (w *Worker) runJob(ctx context.Context, p int, chain string, run Job) {
	log := w.cfg.Logger.With("chain", chain, "partition", p)
	w.mu.Lock()
	w.chains[chain] = p
	w.metrics.chains.Set(float64(len(w.chains)))
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.chains, chain)
		w.metrics.chains.Set(float64(len(w.chains)))
		w.mu.Unlock()
	}()
	log.Info("chain job started")
	for {
		err := guard(ctx, chain, run)
		if ctx.Err() != nil {
			log.Info("chain job stopped")
			return
		}
		if err == nil {
			log.Info("chain job finished")
			return
		}
		log.Error("chain job failed; restarting", "err", err, "wait", w.cfg.JobRestart)
		wait(ctx, w.cfg.JobRestart)
		if ctx.Err() != nil {
			return
		}
	}
}

// guard runs a job, turning a panic into an error.
func guard(ctx context.Context, chain string, run Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return run(ctx, chain)
}
