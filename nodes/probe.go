package nodes

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Config configures probing and the supervision loop.
type Config struct {
	// Interval between probe rounds (default 5m).
	Interval time.Duration
	// Timeout bounds each network step of a probe (default 5s).
	Timeout time.Duration
	// NodeTimeout bounds all checks of one node (default 30s).
	NodeTimeout time.Duration
	// Concurrency is how many nodes are probed at once (default 4).
	Concurrency int
	// Jitter is the largest random delay before each node's probe, and
	// the spread of the interval, so probes do not arrive in lock step
	// (default 2s).
	Jitter time.Duration
	// KeepProbes is how many probe runs are kept per node (default 200).
	KeepProbes int
	// MaxLag is the head lag in blocks that raises NODE-LAG and
	// NODE-FISCO-SYNC-LAG (default 20).
	MaxLag uint64
	// ViewInterval is how far apart the two PBFT view samples of a FISCO
	// BCOS node are taken (default 3s, at most a quarter of NodeTimeout);
	// it must stay below NodeTimeout.
	ViewInterval time.Duration
	// MaxEvidence bounds each stored response body (default 4 KiB).
	MaxEvidence int
	// HealthWindow is how many recent blocks ledger-derived health reads
	// per chain each round (default 200).
	HealthWindow int
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Defaults.
const (
	defaultInterval     = 5 * time.Minute
	defaultTimeout      = 5 * time.Second
	defaultNodeTimeout  = 30 * time.Second
	defaultConcurrency  = 4
	defaultJitter       = 2 * time.Second
	defaultKeepProbes   = 200
	defaultMaxLag       = 20
	defaultMaxEvidence  = 4 << 10
	defaultHealthWindow = 200
	defaultViewInterval = 3 * time.Second
)

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Interval, defaultInterval)
	def(&c.Timeout, defaultTimeout)
	def(&c.NodeTimeout, defaultNodeTimeout)
	def(&c.Jitter, defaultJitter)
	def(&c.ViewInterval, min(defaultViewInterval, c.NodeTimeout/4))
	if c.Concurrency == 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.KeepProbes == 0 {
		c.KeepProbes = defaultKeepProbes
	}
	if c.MaxLag == 0 {
		c.MaxLag = defaultMaxLag
	}
	if c.MaxEvidence == 0 {
		c.MaxEvidence = defaultMaxEvidence
	}
	if c.HealthWindow == 0 {
		c.HealthWindow = defaultHealthWindow
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports whether c, with defaults, is usable.
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Interval < time.Second, c.Timeout <= 0, c.NodeTimeout < c.Timeout:
		return fmt.Errorf("%w: interval %v (min 1s), timeout %v, node timeout %v (not below timeout)", ErrConfig, c.Interval, c.Timeout, c.NodeTimeout)
	case c.Jitter < 0:
		return fmt.Errorf("%w: negative jitter", ErrConfig)
	case c.ViewInterval < 0 || c.ViewInterval >= c.NodeTimeout:
		return fmt.Errorf("%w: view interval %v (below node timeout %v)", ErrConfig, c.ViewInterval, c.NodeTimeout)
	case c.Concurrency < 1 || c.Concurrency > 256:
		return fmt.Errorf("%w: concurrency %d (1-256)", ErrConfig, c.Concurrency)
	case c.KeepProbes < 1 || c.MaxEvidence < 256 || c.HealthWindow < 1:
		return fmt.Errorf("%w: keep probes %d, max evidence %d, health window %d", ErrConfig, c.KeepProbes, c.MaxEvidence, c.HealthWindow)
	}
	return nil
}

// Evidence is one raw observation a probe made: what it sent, what came
// back, and whether the check it served passed.
type Evidence struct {
	Check    string `json:"check"`
	Target   string `json:"target"`
	Request  string `json:"request,omitempty"`
	Response string `json:"response,omitempty"` // truncated to Config.MaxEvidence
	Error    string `json:"error,omitempty"`
	OK       bool   `json:"ok"`
	Millis   int64  `json:"ms"`
}

// Result is one probe run of one node.
type Result struct {
	Node      string           `json:"node"`
	Chain     string           `json:"chain"`
	Org       string           `json:"org"`
	Kind      Kind             `json:"kind"`
	Time      time.Time        `json:"time"`
	Millis    int64            `json:"ms"`
	Reachable bool             `json:"reachable"`
	Version   string           `json:"version,omitempty"` // as reported by the node
	Head      uint64           `json:"head,omitempty"`
	Ingested  uint64           `json:"ingested,omitempty"`
	Evidence  []Evidence       `json:"evidence"`
	Findings  []ledger.Finding `json:"findings"`
}

// Heads reports the height Lianjian has ingested for a chain.
type Heads interface {
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
}

// Prober runs the active checks of nodes.
type Prober struct {
	cfg   Config
	adv   *Advisories
	heads Heads
}

// NewProber returns a prober. adv nil means DefaultAdvisories; heads nil
// skips the lag check.
func NewProber(cfg Config, adv *Advisories, heads Heads) (*Prober, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if adv == nil {
		adv = DefaultAdvisories()
	}
	return &Prober{cfg: cfg.WithDefaults(), adv: adv, heads: heads}, nil
}

// Target is a node with the chain it belongs to.
type Target struct {
	Node  Node
	Chain ledger.Chain
}

// Probe runs every check that fits n's kind, within NodeTimeout. It never
// fails: what could not be checked is recorded as evidence.
func (p *Prober) Probe(ctx context.Context, t Target) Result {
	start := p.cfg.Now()
	ctx, cancel := context.WithTimeout(ctx, p.cfg.NodeTimeout)
	defer cancel()
	run := &probeRun{p: p, t: t, res: Result{
		Node: t.Node.ID, Chain: t.Node.Chain, Org: t.Node.Org, Kind: t.Node.Kind, Time: start.UTC(),
	}}
	switch t.Node.Kind {
	case EVMRPC, EVMValidator:
		run.evm(ctx)
	case FabricPeer, FabricOrderer:
		run.fabric(ctx)
	case FiscoSealer, FiscoObserver, FiscoRPC:
		run.fisco(ctx)
	}
	run.versionChecks()
	run.res.Millis = p.cfg.Now().Sub(start).Milliseconds()
	if run.res.Evidence == nil {
		run.res.Evidence = []Evidence{}
	}
	if run.res.Findings == nil {
		run.res.Findings = []ledger.Finding{}
	}
	return run.res
}

// ProbeAll probes targets with at most Concurrency at once, each after a
// random delay of up to Jitter. A slow or failing node holds only its own
// slot, for at most NodeTimeout. Results are in the order of targets.
func (p *Prober) ProbeAll(ctx context.Context, ts []Target) []Result {
	out := make([]Result, len(ts))
	sem := make(chan struct{}, p.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if p.cfg.Jitter > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(rand.N(p.cfg.Jitter)):
				}
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = p.Probe(ctx, t) // records the cancellation as evidence
				return
			}
			defer func() { <-sem }()
			out[i] = p.Probe(ctx, t)
		}()
	}
	wg.Wait()
	return out
}

// probeRun collects the evidence and findings of one node's probe.
type probeRun struct {
	p   *Prober
	t   Target
	res Result
}

func (r *probeRun) evidence(e Evidence) {
	if len(e.Response) > r.p.cfg.MaxEvidence {
		e.Response = e.Response[:r.p.cfg.MaxEvidence] + "…"
	}
	r.res.Evidence = append(r.res.Evidence, e)
}

// finding raises rule against the node; the subject ref is the node id
// (plus a qualifier when one rule can fire for several endpoints).
func (r *probeRun) finding(rule *ledger.RuleInfo, qualifier, msg string, ev map[string]string) {
	ref := r.t.Node.ID
	if qualifier != "" {
		ref += "#" + qualifier
	}
	if ev == nil {
		ev = map[string]string{}
	}
	ev["node"] = r.t.Node.ID
	ev["endpoint"] = r.t.Node.Endpoint
	s := ledger.Subject{Kind: "node", Ref: ref, Org: r.t.Node.Org}
	r.res.Findings = append(r.res.Findings, ledger.NewFinding(rule, r.t.Node.Chain, s, r.res.Time, msg, ev))
}

// versionChecks matches the reported (else declared) version against the
// advisories and compares reported with declared.
func (r *probeRun) versionChecks() {
	n := r.t.Node
	reported, declared := r.res.Version, n.Version
	product := ProductFabric
	switch n.Kind.ChainKind() {
	case ledger.KindFisco:
		product = ProductFisco
	case ledger.KindEVM:
		product = ClientProduct(reported)
		if reported == "" {
			product = ClientProduct(declared)
		}
	}
	v := reported
	if v == "" {
		v = declared
	}
	if product != "" && v != "" {
		for _, a := range r.p.adv.Match(product, v) {
			r.finding(RuleAdvisory, a.ID, fmt.Sprintf("%s %s is affected by %s: %s", product, v, a.ID, a.Summary),
				map[string]string{"version": v, "advisory": a.ID, "cve": a.CVE, "source": a.Source, "advisorySeverity": string(a.Severity),
					"product": product, "summary": a.Summary})
			r.res.Findings[len(r.res.Findings)-1].Severity = a.Severity
		}
	}
	if reported != "" && declared != "" {
		rv, ok1 := parseVersion(reported)
		dv, ok2 := parseVersion(declared)
		if ok1 && ok2 && rv != dv {
			r.finding(RuleVersionMismatch, "", fmt.Sprintf("node reports version %s, registered as %s", reported, declared),
				map[string]string{"reported": reported, "declared": declared})
		}
	}
}
