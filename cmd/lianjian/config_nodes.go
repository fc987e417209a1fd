package main

import (
	"time"

	"github.com/lianjian/lianjian/nodes"
)

// NodesConfig tunes node probes and consortium posture (the nodes:
// section of the config).
type NodesConfig struct {
	Interval    Duration `yaml:"interval"`     // between probe rounds (default 5m)
	Timeout     Duration `yaml:"timeout"`      // per network step of a probe (default 5s)
	NodeTimeout Duration `yaml:"node_timeout"` // all checks of one node (default 30s)
	Concurrency int      `yaml:"concurrency"`  // nodes probed at once (default 4)
	MaxLag      uint64   `yaml:"max_lag"`      // head lag in blocks that raises NODE-LAG (default 20)
}

// config turns the section into the nodes package's configuration and
// validates it, naming the offending key.
func (n NodesConfig) config() (nodes.Config, error) {
	c := nodes.Config{
		Interval: time.Duration(n.Interval), Timeout: time.Duration(n.Timeout),
		NodeTimeout: time.Duration(n.NodeTimeout), Concurrency: n.Concurrency, MaxLag: n.MaxLag,
	}
	if err := c.Validate(); err != nil {
		return c, bad("nodes", "%s", reason(err))
	}
	return c, nil
}
