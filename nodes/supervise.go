package nodes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// SuperviseStore is what the supervision loop reads and writes. The
// badger index implements it.
type SuperviseStore interface {
	Store
	Chains(ctx context.Context) ([]ledger.Chain, error)
	Chain(ctx context.Context, id string) (ledger.Chain, error)
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	Contracts(ctx context.Context, chain string, p ledger.Page) ([]*ledger.Contract, string, error)
	Findings(ctx context.Context, f ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error)
	PutFindings(ctx context.Context, fs []ledger.Finding) error
	PutProbe(ctx context.Context, p record.ProbeRecord, keep int) error
	Probes(ctx context.Context, org, node string, limit int) ([]record.ProbeRecord, error)
	PutRisk(ctx context.Context, ps []record.RiskPoint) error
	RiskTrend(ctx context.Context, subject string, since time.Time, limit int) ([]record.RiskPoint, error)
	ChannelConfigs(ctx context.Context, chain string) ([]record.ConfigVersion, error)
	ChannelConfig(ctx context.Context, chain string, height uint64) (*ledger.Config, error)
	FabricIdentities(ctx context.Context, chain, mspID string, p ledger.Page) ([]*record.FabricIdentity, string, error)
}

// Supervisor runs probe rounds, posture, ledger-derived health and risk
// scoring over a store.
type Supervisor struct {
	cfg    Config
	store  SuperviseStore
	reg    *Registry
	prober *Prober
	log    *slog.Logger
}

// NewSupervisor returns a supervisor. log nil discards logs.
func NewSupervisor(cfg Config, store SuperviseStore, log *slog.Logger) (*Supervisor, error) {
	p, err := NewProber(cfg, nil, store)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Supervisor{cfg: cfg.WithDefaults(), store: store, reg: NewRegistry(store, store), prober: p, log: log}, nil
}

// Supervise runs a Supervisor until ctx ends: one round at once, then one
// every Interval (± Jitter). A failed round is logged and retried at the
// next interval; it never stops the loop. It returns nil when ctx ends.
func Supervise(ctx context.Context, store SuperviseStore, cfg Config, log *slog.Logger) error {
	s, err := NewSupervisor(cfg, store, log)
	if err != nil {
		return err
	}
	for {
		if _, err := s.Round(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("node supervision round failed", "err", err)
		}
		wait := s.cfg.Interval
		if s.cfg.Jitter > 0 {
			wait += rand.N(2*s.cfg.Jitter) - s.cfg.Jitter
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// RoundStats summarises one round.
type RoundStats struct {
	Probed   int `json:"probed"`
	Findings int `json:"findings"`
	Scores   int `json:"scores"`
}

// Round probes every active node, judges the posture and health of every
// chain, stores findings and probe evidence, and records risk scores.
func (s *Supervisor) Round(ctx context.Context) (RoundStats, error) {
	var st RoundStats
	now := s.cfg.Now()
	chains, err := s.store.Chains(ctx)
	if err != nil {
		return st, fmt.Errorf("list chains: %w", err)
	}
	byID := map[string]ledger.Chain{}
	var ids []string
	for _, c := range chains {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	revs, err := s.reg.List(ctx, Filter{})
	if err != nil {
		return st, err
	}
	nodes := Active(revs)
	results, err := s.ProbeNodes(ctx, nodes, byID)
	if err != nil {
		return st, err
	}
	st.Probed = len(results)
	var current []ledger.Finding
	for _, r := range results {
		current = append(current, r.Findings...)
	}
	var errs []error
	for _, c := range chains {
		fs, err := s.ChainFindings(ctx, c, nodes, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("chain %s: %w", c.ID, err))
			continue
		}
		if err := s.store.PutFindings(ctx, fs); err != nil {
			errs = append(errs, fmt.Errorf("store findings of %s: %w", c.ID, err))
		}
		current = append(current, fs...)
	}
	st.Findings = len(current)
	// Scores rank everything open on a chain, not only what this round
	// found: ingest, audit and contract findings too, with their workflow
	// status (a closed finding does not count).
	open, err := s.openFindings(ctx, ids)
	if err != nil {
		errs = append(errs, err)
		open = current
	}
	scores := Scores(nodes, ids, open, now)
	points := make([]record.RiskPoint, 0, len(scores))
	for _, sc := range scores {
		doc, err := json.Marshal(sc)
		if err != nil {
			return st, err
		}
		points = append(points, record.RiskPoint{Subject: sc.Subject, Time: now, Doc: doc})
	}
	if err := s.store.PutRisk(ctx, points); err != nil {
		errs = append(errs, fmt.Errorf("store risk: %w", err))
	}
	st.Scores = len(points)
	return st, errors.Join(errs...)
}

// maxScoredFindings bounds the findings read per chain for its scores.
const maxScoredFindings = 100_000

// openFindings reads the stored findings of chains that are not closed.
func (s *Supervisor) openFindings(ctx context.Context, chains []string) ([]ledger.Finding, error) {
	var out []ledger.Finding
	for _, c := range chains {
		p := ledger.Page{Limit: 1000}
		for n := 0; n < maxScoredFindings; {
			fs, next, err := s.store.Findings(ctx, ledger.FindingFilter{Chain: c}, p)
			if err != nil {
				return nil, fmt.Errorf("findings of %s: %w", c, err)
			}
			for _, f := range fs {
				if !supervise.Closed(f.Status) {
					out = append(out, *f)
				}
			}
			n += len(fs)
			if next == "" {
				break
			}
			p.Cursor = next
		}
	}
	return out, nil
}

// ProbeNodes probes nodes (skipping those whose chain is unknown) and
// stores each result and its findings.
func (s *Supervisor) ProbeNodes(ctx context.Context, nodes []Node, chains map[string]ledger.Chain) ([]Result, error) {
	var ts []Target
	for _, n := range nodes {
		c, ok := chains[n.Chain]
		if !ok {
			s.log.Warn("node on unknown chain not probed", "node", n.ID, "org", n.Org, "chain", n.Chain)
			continue
		}
		ts = append(ts, Target{Node: n, Chain: c})
	}
	results := s.prober.ProbeAll(ctx, ts)
	var errs []error
	for _, r := range results {
		doc, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		if err := s.store.PutProbe(ctx, record.ProbeRecord{Org: r.Org, Node: r.Node, Time: r.Time, Doc: doc}, s.cfg.KeepProbes); err != nil {
			errs = append(errs, fmt.Errorf("store probe of %s/%s: %w", r.Org, r.Node, err))
		}
		if err := s.store.PutFindings(ctx, r.Findings); err != nil {
			errs = append(errs, fmt.Errorf("store findings of %s/%s: %w", r.Org, r.Node, err))
		}
	}
	return results, errors.Join(errs...)
}

// ChainFindings judges one chain from its ledger: the posture of every
// Fabric config version and the ledger-derived health of its nodes.
func (s *Supervisor) ChainFindings(ctx context.Context, c ledger.Chain, nodes []Node, now time.Time) ([]ledger.Finding, error) {
	var out []ledger.Finding
	if c.Kind == ledger.KindFabric {
		cfgs, err := s.configs(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		ccs, err := s.chaincodes(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, PostureHistory(c, cfgs, ccs, now)...)
		h, err := FabricHealth(ctx, s.store, c, cfgs, nodes, s.cfg.HealthWindow, now)
		if err != nil {
			return nil, err
		}
		out = append(out, h...)
	} else {
		h, err := CliqueHealth(ctx, s.store, c, s.cfg.HealthWindow, now)
		if err != nil {
			return nil, err
		}
		out = append(out, h...)
	}
	return out, nil
}

// configs loads every stored channel config version of a chain, oldest
// first.
func (s *Supervisor) configs(ctx context.Context, chain string) ([]*ledger.Config, error) {
	vs, err := s.store.ChannelConfigs(ctx, chain)
	if err != nil {
		return nil, fmt.Errorf("config versions: %w", err)
	}
	out := make([]*ledger.Config, 0, len(vs))
	for _, v := range vs {
		cfg, err := s.store.ChannelConfig(ctx, chain, v.Height)
		if err != nil {
			return nil, fmt.Errorf("config at %d: %w", v.Height, err)
		}
		out = append(out, cfg)
	}
	return out, nil
}

// maxChaincodes bounds the chaincode definitions read per chain.
const maxChaincodes = 1000

func (s *Supervisor) chaincodes(ctx context.Context, chain string) ([]ledger.Contract, error) {
	cs, _, err := s.store.Contracts(ctx, chain, ledger.Page{Limit: maxChaincodes})
	if err != nil {
		return nil, fmt.Errorf("chaincodes: %w", err)
	}
	out := make([]ledger.Contract, 0, len(cs))
	for _, c := range cs {
		out = append(out, *c)
	}
	return out, nil
}

// Registry returns the supervisor's node registry.
func (s *Supervisor) Registry() *Registry { return s.reg }
