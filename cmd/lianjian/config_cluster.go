package main

import (
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/internal/cluster"
)

// Roles of a serve process.
const (
	roleAll    = "all"    // API and every chain, or this worker's share of them
	roleWorker = "worker" // ingest and audit of this worker's share of the chains
	roleAPI    = "api"    // the HTTP API over the shared store only
)

// ClusterConfig configures how serve shares the chains with other
// processes through NATS JetStream (see internal/cluster). Every worker
// reads the same chains section: a worker runs the chains of the
// partitions it owns.
type ClusterConfig struct {
	// Role is all (default), worker or api.
	Role string `yaml:"role"`
	// NATS lists the NATS servers. Empty: one process follows every
	// configured chain, as without a cluster (role all only).
	NATS []string `yaml:"nats"`
	// Name identifies this worker (default: host name and process id).
	Name string `yaml:"name"`
	// Partitions is the number of partitions chains are spread over
	// (default 32); fixed when the first worker creates the stream.
	Partitions int `yaml:"partitions"`
	// Replicas is the replication of the JetStream stream and buckets
	// (default 3).
	Replicas int `yaml:"replicas"`
	// LeaseTTL is how long a dead worker keeps its chains (default 10s).
	LeaseTTL Duration `yaml:"lease_ttl"`
	// PollInterval is how often leases are renewed and shares recomputed
	// (default 1s).
	PollInterval Duration `yaml:"poll_interval"`
	// MetricsListen, when set, serves /metrics of a worker that has no
	// API (host:port).
	MetricsListen string `yaml:"metrics_listen"`
}

// role returns the role, all when unset.
func (c ClusterConfig) role() string {
	if c.Role == "" {
		return roleAll
	}
	return c.Role
}

// config returns the cluster package's configuration, its metrics
// registered with metrics when that is set.
func (c ClusterConfig) config(log *slog.Logger, metrics *api.Metrics) cluster.Config {
	cc := cluster.Config{
		URLs: c.NATS, Name: c.Name, Partitions: c.Partitions, Replicas: c.Replicas,
		LeaseTTL: time.Duration(c.LeaseTTL), PollInterval: time.Duration(c.PollInterval),
		Logger: log,
	}
	if metrics != nil {
		cc.Registerer = metrics.Registry()
	}
	cc.Defaults()
	return cc
}

// validate checks the cluster section.
func (c ClusterConfig) validate() error {
	switch c.role() {
	case roleAll, roleAPI:
	case roleWorker:
		if len(c.NATS) == 0 {
			return bad("cluster.nats", "is empty: a worker shares chains through NATS (--nats URL)")
		}
	default:
		return bad("cluster.role", "%q is not all, worker or api", c.Role)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			return bad("cluster.metrics_listen", "%q is not host:port", c.MetricsListen)
		}
	}
	if len(c.NATS) == 0 {
		return nil
	}
	if err := c.config(nil, nil).Validate(); err != nil {
		return bad("cluster", "%s", err.Error())
	}
	return nil
}

// splitURLs splits a comma-separated --nats value.
func splitURLs(s string) []string {
	var out []string
	for u := range strings.SplitSeq(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}
