package cluster

import (
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Config.
const (
	DefaultStream       = "LIANJIAN_CHAINS"
	DefaultBucket       = "lianjian"
	DefaultPartitions   = 32
	DefaultReplicas     = 3
	DefaultLeaseTTL     = 10 * time.Second
	DefaultPollInterval = time.Second
)

// Config configures a worker.
type Config struct {
	// URLs are the NATS servers to connect to (any of the cluster's
	// nodes; the client finds the others).
	URLs []string
	// Name identifies this worker among the live ones (default: the host
	// name and process id). Letters, digits, '-' and '_' only.
	Name string
	// Stream is the JetStream stream of chain registrations (default
	// LIANJIAN_CHAINS).
	Stream string
	// Bucket prefixes the two key-value buckets: <Bucket>-leases and
	// <Bucket>-workers (default lianjian).
	Bucket string
	// Partitions is the number of partitions chains are spread over
	// (default 32). It is fixed when the stream is created; it bounds how
	// many workers can share the chains.
	Partitions int
	// Replicas is the replication factor of the stream and buckets
	// (default 3; 1 for a single NATS server).
	Replicas int
	// LeaseTTL is how long a lease or heartbeat outlives its last renewal
	// (default 10s).
	LeaseTTL time.Duration
	// PollInterval is how often a worker renews its leases and heartbeat
	// and recomputes its share (default 1s; at most LeaseTTL/3).
	PollInterval time.Duration
	// JobRestart is the wait before a per-chain job that returned an error
	// runs again (default PollInterval).
	JobRestart time.Duration
	// Logger receives the worker's log (default: discarded).
	Logger *slog.Logger
	// Registerer, when set, receives the worker's metrics.
	Registerer prometheus.Registerer
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	if c.Name == "" {
		host, _ := os.Hostname()
		c.Name = fmt.Sprintf("%s-%d", badName.ReplaceAllString(host, "_"), os.Getpid())
	}
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.Replicas == 0 {
		c.Replicas = DefaultReplicas
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.JobRestart == 0 {
		c.JobRestart = c.PollInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

var (
	badName   = regexp.MustCompile(`[^A-Za-z0-9_-]`)
	validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case len(c.URLs) == 0:
		return fmt.Errorf("%w: no NATS server URL", ErrInvalid)
	case !validName.MatchString(c.Name):
		return fmt.Errorf("%w: worker name %q (want 1-64 letters, digits, '-' or '_')", ErrInvalid, c.Name)
	case !validName.MatchString(c.Stream):
		return fmt.Errorf("%w: stream name %q", ErrInvalid, c.Stream)
	case !validName.MatchString(c.Bucket):
		return fmt.Errorf("%w: bucket name %q", ErrInvalid, c.Bucket)
	case c.Partitions < 1 || c.Partitions > 1024:
		return fmt.Errorf("%w: %d partitions (want 1..1024)", ErrInvalid, c.Partitions)
	case c.Replicas < 1 || c.Replicas > 5:
		return fmt.Errorf("%w: %d replicas (want 1..5)", ErrInvalid, c.Replicas)
	case c.LeaseTTL < time.Second:
		return fmt.Errorf("%w: lease TTL %s is below 1s", ErrInvalid, c.LeaseTTL)
	case c.PollInterval < 10*time.Millisecond || 3*c.PollInterval > c.LeaseTTL:
		return fmt.Errorf("%w: poll interval %s (want 10ms..lease TTL/3)", ErrInvalid, c.PollInterval)
	case c.JobRestart < 0:
		return fmt.Errorf("%w: job restart %s", ErrInvalid, c.JobRestart)
	}
	for _, u := range c.URLs {
		if strings.TrimSpace(u) == "" {
			return fmt.Errorf("%w: empty NATS server URL", ErrInvalid)
		}
	}
	return nil
}

// FailoverBound is the longest time a dead worker's partitions stay
// without an owner (see the package documentation).
func (c Config) FailoverBound() time.Duration { return c.LeaseTTL + 3*c.PollInterval }
