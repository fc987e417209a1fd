// Package natstest starts a real NATS JetStream cluster on loopback, in
// process, from the NATS server module, for tests and the cluster demo.
// Each node stores JetStream data in files under its own directory.
package natstest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady reports a cluster that did not become ready in time.
var ErrNotReady = errors.New("nats cluster not ready")

// Cluster is a running NATS JetStream cluster.
type Cluster struct {
	mu      sync.Mutex
	servers []*server.Server
}

// Start starts an n-node cluster named name with its nodes' data under
// dir, and waits until JetStream has elected its meta leader.
func Start(name, dir string, n int) (*Cluster, error) {
	ports := make([]int, n)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	c := &Cluster{}
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("%s-%d", name, i),
			Host:       "127.0.0.1",
			Port:       -1,
			NoLog:      true,
			NoSigs:     true,
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("node%d", i)),
			Cluster:    server.ClusterOpts{Name: name, Host: "127.0.0.1", Port: ports[i]},
			Routes:     routes,
		}
		s, err := server.NewServer(opts)
		if err != nil {
			c.Shutdown()
			return nil, fmt.Errorf("nats node %d: %w", i, err)
		}
		go s.Start()
		c.servers = append(c.servers, s)
	}
	for i, s := range c.servers {
		if !s.ReadyForConnections(30 * time.Second) {
			c.Shutdown()
			return nil, fmt.Errorf("%w: node %d accepts no connections", ErrNotReady, i)
		}
	}
	if err := c.waitLeader(30 * time.Second); err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

// StartT starts an n-node cluster for test t, shut down when t ends.
func StartT(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := Start("lianjian-test", t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

// waitLeader waits until a running node is the JetStream meta leader and
// sees every running node as a peer with JetStream, so that streams with
// as many replicas as running nodes can be placed.
func (c *Cluster) waitLeader(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c.ready() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%w: no JetStream meta leader with every node as peer after %s", ErrNotReady, timeout)
}

func (c *Cluster) ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	running := 0
	for _, s := range c.servers {
		if s.Running() {
			running++
		}
	}
	for _, s := range c.servers {
		if s.Running() && s.JetStreamIsLeader() && len(s.JetStreamClusterPeers()) >= running {
			return true
		}
	}
	return false
}

// URLs returns the client URLs of the running nodes.
func (c *Cluster) URLs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, s := range c.servers {
		if s.Running() {
			out = append(out, s.ClientURL())
		}
	}
	return out
}

// URL returns the client URLs of the running nodes, comma-separated.
func (c *Cluster) URL() string { return strings.Join(c.URLs(), ",") }

// Kill shuts node i down, as if its machine died, and waits until the
// others have a JetStream meta leader again.
func (c *Cluster) Kill(i int) error {
	c.mu.Lock()
	s := c.servers[i]
	c.mu.Unlock()
	s.Shutdown()
	s.WaitForShutdown()
	return c.waitLeader(30 * time.Second)
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.servers {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
