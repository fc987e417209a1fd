package cluster

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// opHeader marks a registration message that removes its chain.
const (
	opHeader = "Lianjian-Op"
	opRemove = "remove"
)

// partitionsKey is the stream metadata key holding the partition count.
const partitionsKey = "lianjian_partitions"

// Worker is one member of a cluster: it registers chains and runs a job
// for each chain of the partitions it owns.
type Worker struct {
	cfg     Config
	nc      *nats.Conn
	js      jetstream.JetStream
	leases  jetstream.KeyValue
	workers jetstream.KeyValue
	heads   jetstream.KeyValue
	metrics *metrics
	prefix  string // subject prefix, from the stream name

	mu         sync.Mutex
	chains     map[string]int // running jobs: chain -> partition
	partitions []int          // owned at the last poll
}

// New connects to NATS and makes sure the chain stream and the lease and
// heartbeat buckets exist.
func New(ctx context.Context, cfg Config) (*Worker, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Name, cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("cluster metrics: %w", err)
	}
	nc, js, err := connect(cfg)
	if err != nil {
		return nil, err
	}
	w := &Worker{cfg: cfg, nc: nc, js: js, metrics: m, prefix: strings.ToLower(cfg.Stream), chains: map[string]int{}}
	if err := w.setup(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return w, nil
}

// connect connects to the NATS servers of cfg.
func connect(cfg Config) (*nats.Conn, jetstream.JetStream, error) {
	log := cfg.Logger
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","),
		nats.Name("lianjian "+cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(cfg.PollInterval),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil on Close
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("nats reconnected", "server", c.ConnectedUrlRedacted())
		}),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to nats %s: %w", strings.Join(cfg.URLs, ","), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

// Close closes the connection to NATS. Call it after Run has returned.
func (w *Worker) Close() { w.nc.Close() }

// Name returns the worker's name.
func (w *Worker) Name() string { return w.cfg.Name }

// Config returns the worker's configuration with defaults filled in.
func (w *Worker) Config() Config { return w.cfg }

// setup creates the stream and buckets, or checks the existing stream.
func (w *Worker) setup(ctx context.Context) error {
	n := w.cfg.Partitions
	sc := jetstream.StreamConfig{
		Name:        w.cfg.Stream,
		Description: "Lianjian chain registrations, partitioned by chain",
		Subjects:    []string{w.prefix + ".chain.*"},
		SubjectTransform: &jetstream.SubjectTransformConfig{
			Source:      w.prefix + ".chain.*",
			Destination: fmt.Sprintf("%s.part.{{partition(%d,1)}}.{{wildcard(1)}}", w.prefix, n),
		},
		MaxMsgsPerSubject: 1,
		Storage:           jetstream.FileStorage,
		Replicas:          w.cfg.Replicas,
		Metadata:          map[string]string{partitionsKey: strconv.Itoa(n)},
	}
	var s jetstream.Stream
	err := retrySetup(ctx, func() (err error) {
		s, err = w.js.CreateStream(ctx, sc)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			s, err = w.js.Stream(ctx, w.cfg.Stream)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("chain stream %s: %w", w.cfg.Stream, err)
	}
	if have := s.CachedInfo().Config.Metadata[partitionsKey]; have != strconv.Itoa(n) {
		return fmt.Errorf("%w: stream %s has %q, want %d", ErrPartitions, w.cfg.Stream, have, n)
	}
	bucket := func(name, desc string) (jetstream.KeyValue, error) {
		return openBucket(ctx, w.js, w.cfg, name, desc)
	}
	if w.leases, err = bucket(w.cfg.Bucket+"-leases", "Lianjian partition leases"); err != nil {
		return err
	}
	if w.workers, err = bucket(w.cfg.Bucket+"-workers", "Lianjian worker heartbeats"); err != nil {
		return err
	}
	w.heads, err = bucket(w.cfg.Bucket+headsBucket, "Lianjian node heads by chain")
	return err
}

// openBucket opens, or creates, a key-value bucket whose entries expire
// LeaseTTL after they are written.
func openBucket(ctx context.Context, js jetstream.JetStream, cfg Config, name, desc string) (jetstream.KeyValue, error) {
	var kv jetstream.KeyValue
	err := retrySetup(ctx, func() (err error) {
		kv, err = js.KeyValue(ctx, name)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket: name, Description: desc, History: 1, TTL: cfg.LeaseTTL,
				Storage: jetstream.FileStorage, Replicas: cfg.Replicas,
			})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// setupRetry bounds how long retrySetup retries.
const setupRetry = 30 * time.Second

// retrySetup runs f, which creates or opens a stream or bucket, until it
// succeeds, fails for good, ctx ends or setupRetry has passed. Creating a
// replicated asset takes a round of the cluster's meta group: when
// several workers start at once on a loaded cluster, a request times out
// or finds the asset another worker created meanwhile, and is retried.
func retrySetup(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(setupRetry)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		err := f()
		transient := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
			errors.Is(err, jetstream.ErrBucketExists)
		if err == nil || !transient || ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// token is chain's subject token: unpadded base64url, which holds no '.',
// '*', '>' or space whatever the chain id.
func token(chain string) string { return base64.RawURLEncoding.EncodeToString([]byte(chain)) }

// Register adds chain to the cluster, or confirms it: the worker that owns
// its partition starts its job. Registering again is harmless.
func (w *Worker) Register(ctx context.Context, chain string) error {
	if chain == "" {
		return fmt.Errorf("%w: empty chain id", ErrInvalid)
	}
	if _, err := w.js.Publish(ctx, w.prefix+".chain."+token(chain), []byte(chain)); err != nil {
		return fmt.Errorf("register chain %s: %w", chain, err)
	}
	return nil
}

// Unregister removes chain from the cluster: its owner stops its job.
func (w *Worker) Unregister(ctx context.Context, chain string) error {
	msg := nats.NewMsg(w.prefix + ".chain." + token(chain))
	msg.Data = []byte(chain)
	msg.Header.Set(opHeader, opRemove)
	if _, err := w.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("unregister chain %s: %w", chain, err)
	}
	return nil
}

// Status is what a worker owns.
type Status struct {
	// Partitions are the partitions whose leases it held at its last
	// poll, in increasing order.
	Partitions []int
	// Chains are the chains whose jobs run now, sorted.
	Chains []string
}

// Status returns what the worker owns now.
func (w *Worker) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := Status{Partitions: slices.Clone(w.partitions), Chains: make([]string, 0, len(w.chains))}
	for c := range w.chains {
		st.Chains = append(st.Chains, c)
	}
	slices.Sort(st.Chains)
	return st
}

// errLeaseLost reports a lease renewal refused because another worker
// holds the lease now, or it expired.
var errLeaseLost = errors.New("lease lost")

// leaseKey is partition p's key in the lease bucket.
func leaseKey(p int) string { return "p." + strconv.Itoa(p) }

// wait sleeps d or until ctx ends.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
