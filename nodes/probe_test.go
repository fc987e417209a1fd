package nodes

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lianjian/lianjian/ledger"
)

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{}, true},
		{"short interval", Config{Interval: time.Millisecond}, false},
		{"node timeout below timeout", Config{Timeout: time.Minute, NodeTimeout: time.Second}, false},
		{"negative jitter", Config{Jitter: -time.Second}, false},
		{"too concurrent", Config{Concurrency: 1000}, false},
	} {
		if err := c.cfg.Validate(); (err == nil) != c.ok {
			t.Errorf("Validate(%s) = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// TestProbeAllBounded: nodes that hang hold only their own slot for at
// most NodeTimeout, never more than Concurrency run at once, and the
// responsive nodes are probed regardless.
func TestProbeAllBounded(t *testing.T) {
	defer goleak.VerifyNone(t)
	// A listener that accepts and never answers: every step times out.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var open, peak atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n := open.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			go func() {
				buf := make([]byte, 1024)
				for {
					if _, err := c.Read(buf); err != nil {
						break
					}
				}
				open.Add(-1)
				c.Close()
			}()
		}
	}()
	defer func() { l.Close(); <-done }()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	p, err := NewProber(Config{Timeout: 300 * time.Millisecond, NodeTimeout: 300 * time.Millisecond, Concurrency: 2, Jitter: time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	chain := ledger.Chain{ID: "f", Kind: ledger.KindFabric}
	var ts []Target
	for i := range 6 {
		ts = append(ts, Target{Node: Node{ID: "hang" + itoa(i), Chain: "f", Org: "O", Kind: FabricPeer, Endpoint: l.Addr().String()}, Chain: chain})
	}
	ts = append(ts, Target{Node: Node{ID: "dead", Chain: "f", Org: "O", Kind: FabricPeer, Endpoint: deadAddr}, Chain: chain})
	start := time.Now()
	res := p.ProbeAll(context.Background(), ts)
	// Six hanging nodes two at a time take three node timeouts; unbounded
	// they would take one and hold six connections. The server sees a
	// closed connection a moment after the prober drops it (later still on
	// a loaded machine), hence two spares in the peak.
	if el := time.Since(start); el < 850*time.Millisecond || el > 10*time.Second {
		t.Errorf("ProbeAll took %v, want about 3 rounds of 300ms", el)
	}
	if peak.Load() > 4 {
		t.Errorf("peak concurrent connections = %d, want at most 2 (+2 closing)", peak.Load())
	}
	if len(res) != 7 || res[6].Node != "dead" || rulesOf(res[6].Findings)[RuleUnreachable.ID] != 1 {
		t.Errorf("ProbeAll results = %d, last %+v; want the dead node unreachable", len(res), res[6])
	}
	for _, r := range res[:6] {
		if len(r.Evidence) == 0 {
			t.Errorf("hanging node %s kept no evidence", r.Node)
		}
	}
}
