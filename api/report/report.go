package report

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ruletext"
	"github.com/lianjian/lianjian/ledger/supervise"
	"github.com/lianjian/lianjian/nodes"
)

// Source is what a report reads. The badger index implements it.
type Source interface {
	Chains(ctx context.Context) ([]ledger.Chain, error)
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	Contracts(ctx context.Context, chain string, p ledger.Page) ([]*ledger.Contract, string, error)
	Findings(ctx context.Context, f ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error)
	FindingState(ctx context.Context, id string) (supervise.State, error)
}

// NodeLister lists registered nodes. *nodes.Registry implements it, so
// the report reads nodes the way the registry stores them.
type NodeLister interface {
	List(ctx context.Context, f nodes.Filter) ([]nodes.Revision, error)
}

// Options selects what a report covers.
type Options struct {
	Chain string    // one chain; empty for all
	Org   string    // one org (MSP id); empty for all
	From  time.Time // findings last seen at or after; zero for no bound
	To    time.Time // findings first seen at or before; zero for no bound
	Lang  string    // "zh-CN" (default) or "en"
	Now   time.Time // generation time; zero for time.Now
	// Rules is the rule catalogue; nil means ledger.Rules.
	Rules func() []*ledger.RuleInfo
	// Nodes lists the registered nodes in scope; nil leaves them out.
	Nodes NodeLister
}

// Languages.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// MaxFindings bounds the findings listed in one report.
const MaxFindings = 20_000

// maxContracts bounds the contracts listed per chain in the scope.
const maxContracts = 1000

// Validate checks the options.
func (o Options) Validate() error {
	switch {
	case o.Lang != "" && o.Lang != LangZH && o.Lang != LangEN:
		return fmt.Errorf("%w: language %q (want zh-CN or en)", ErrOptions, o.Lang)
	case !o.From.IsZero() && !o.To.IsZero() && o.To.Before(o.From):
		return fmt.Errorf("%w: to %v is before from %v", ErrOptions, o.To, o.From)
	}
	return nil
}

// Report is a supervision report.
type Report struct {
	Lang      string    `json:"lang"`
	Generated time.Time `json:"generated"`
	Scope     Scope     `json:"scope"`
	Basis     []Basis   `json:"basis"`
	Findings  []Row     `json:"findings"`
	Progress  Progress  `json:"progress"`
	Summary   Summary   `json:"summary"`
}

// Scope is what the report examined.
type Scope struct {
	Org       string        `json:"org,omitempty"`
	From      time.Time     `json:"from,omitzero"`
	To        time.Time     `json:"to,omitzero"`
	Chains    []ChainScope  `json:"chains"`
	Nodes     []NodeRef     `json:"nodes"`
	Contracts []ContractRef `json:"contracts"`
}

// NodeRef is one registered node in scope.
type NodeRef struct {
	ID       string `json:"id"`
	Chain    string `json:"chain"`
	Channel  string `json:"channel,omitempty"`
	Org      string `json:"org"`
	Kind     string `json:"kind"`
	Endpoint string `json:"endpoint"`
	Version  string `json:"version,omitempty"`
}

// ChainScope is one chain examined.
type ChainScope struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Network string `json:"network,omitempty"`
	Channel string `json:"channel,omitempty"`
	Crypto  string `json:"crypto"`
	Group   string `json:"group,omitempty"` // FISCO BCOS group
	Height  uint64 `json:"height"`          // last block indexed
}

// ContractRef is one contract or chaincode version in scope.
type ContractRef struct {
	Chain    string `json:"chain"`
	Address  string `json:"address"`
	Version  string `json:"version,omitempty"`
	Sequence uint64 `json:"sequence,omitempty"`
	Height   uint64 `json:"height"`
}

// Basis is one rule applied, the standard clauses it serves and how many
// findings it raised in scope. Title is in the report's language.
type Basis struct {
	Rule     string   `json:"rule"`
	Title    string   `json:"title"`
	Severity string   `json:"severity"`
	Clauses  []string `json:"clauses"`
	Findings int      `json:"findings"`
}

// Row is one finding of the findings table. Title and Recommendation
// (整改建议: what to change, where, and the clauses served) come from the
// finding's rule in the report's language (ledger/ruletext).
type Row struct {
	ID             string `json:"id"`
	Rule           string `json:"rule"`
	Title          string `json:"title,omitempty"`
	Chain          string `json:"chain"`
	Object         string `json:"object"`
	Org            string `json:"org,omitempty"`
	Severity       string `json:"severity"`
	Message        string `json:"message"`
	Evidence       string `json:"evidence"`
	Recommendation string `json:"recommendation"`
	// Risk is false for the failure of an integrity or cryptographic
	// check (the object's verification status fails), true for a risk
	// shown beside that status (ledger.RuleInfo.Verifies).
	Risk      bool      `json:"risk"`
	Status    string    `json:"status"`
	Confirmed bool      `json:"confirmed"`
	Deadline  time.Time `json:"deadline,omitzero"`
	Overdue   bool      `json:"overdue"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// Progress is how far rectification has got.
type Progress struct {
	ByStatus  map[string]int `json:"byStatus"`
	Closed    int            `json:"closed"` // resolved, accepted-risk or false-positive
	Confirmed int            `json:"confirmed"`
	Overdue   int            `json:"overdue"`
	Percent   int            `json:"percent"` // closed share of all findings
}

// Summary counts findings by severity.
type Summary struct {
	Total      int            `json:"total"`
	BySeverity map[string]int `json:"bySeverity"`
	Open       int            `json:"open"` // not closed
	Critical   int            `json:"openCritical"`
}

// Build reads the scope from src and assembles the report.
func Build(ctx context.Context, src Source, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Lang == "" {
		o.Lang = LangZH
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Rules == nil {
		o.Rules = ledger.Rules
	}
	r := &Report{
		Lang: o.Lang, Generated: o.Now.UTC(),
		Scope:    Scope{Org: o.Org, From: o.From, To: o.To, Chains: []ChainScope{}, Nodes: []NodeRef{}, Contracts: []ContractRef{}},
		Basis:    []Basis{},
		Findings: []Row{},
		Progress: Progress{ByStatus: map[string]int{}},
		Summary:  Summary{BySeverity: map[string]int{}},
	}
	if err := r.scope(ctx, src, o); err != nil {
		return nil, err
	}
	rules := o.Rules()
	byID := make(map[string]*ledger.RuleInfo, len(rules))
	for _, ru := range rules {
		byID[ru.ID] = ru
	}
	if err := r.findings(ctx, src, o, byID); err != nil {
		return nil, err
	}
	r.basis(rules)
	return r, nil
}

func (r *Report) scope(ctx context.Context, src Source, o Options) error {
	chains, err := src.Chains(ctx)
	if err != nil {
		return fmt.Errorf("list chains: %w", err)
	}
	found := false
	for _, c := range chains {
		if o.Chain != "" && c.ID != o.Chain {
			continue
		}
		found = true
		cs := ChainScope{ID: c.ID, Kind: string(c.Kind), Network: c.Network, Channel: c.Channel, Crypto: string(c.Crypto), Group: c.Group}
		switch cp, err := src.Checkpoint(ctx, c.ID); {
		case err == nil:
			cs.Height = cp.Height
		case !errors.Is(err, ledger.ErrNotFound):
			return fmt.Errorf("checkpoint %s: %w", c.ID, err)
		}
		r.Scope.Chains = append(r.Scope.Chains, cs)
		p := ledger.Page{Limit: 500}
		for n := 0; n < maxContracts; {
			cts, next, err := src.Contracts(ctx, c.ID, p)
			if err != nil {
				return fmt.Errorf("contracts of %s: %w", c.ID, err)
			}
			for _, ct := range cts {
				r.Scope.Contracts = append(r.Scope.Contracts, ContractRef{
					Chain: c.ID, Address: ct.Address, Version: ct.Version, Sequence: ct.Sequence, Height: ct.Height,
				})
			}
			n += len(cts)
			if next == "" {
				break
			}
			p.Cursor = next
		}
	}
	if o.Chain != "" && !found {
		return fmt.Errorf("chain %q: %w", o.Chain, ledger.ErrUnknownChain)
	}
	return r.nodes(ctx, o)
}

// nodes lists the registered nodes in scope (retired ones excluded), when
// the options name a node lister.
func (r *Report) nodes(ctx context.Context, o Options) error {
	if o.Nodes == nil {
		return nil
	}
	revs, err := o.Nodes.List(ctx, nodes.Filter{Chain: o.Chain, Org: o.Org})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for _, n := range revs {
		r.Scope.Nodes = append(r.Scope.Nodes, NodeRef{
			ID: n.ID, Chain: n.Chain, Channel: n.Channel, Org: n.Org, Kind: string(n.Kind), Endpoint: n.Endpoint, Version: n.Version,
		})
	}
	sort.Slice(r.Scope.Nodes, func(i, j int) bool { return r.Scope.Nodes[i].ID < r.Scope.Nodes[j].ID })
	return nil
}

func (r *Report) findings(ctx context.Context, src Source, o Options, rules map[string]*ledger.RuleInfo) error {
	q := ledger.FindingFilter{Chain: o.Chain, Org: o.Org, Since: o.From, Until: o.To}
	p := ledger.Page{Limit: 1000}
	for {
		fs, next, err := src.Findings(ctx, q, p)
		if err != nil {
			return fmt.Errorf("list findings: %w", err)
		}
		for _, f := range fs {
			if len(r.Findings) == MaxFindings {
				return fmt.Errorf("%w: more than %d", ErrTooMany, MaxFindings)
			}
			st, err := src.FindingState(ctx, f.ID)
			if err != nil {
				return fmt.Errorf("finding %s state: %w", f.ID, err)
			}
			r.add(f, st, rules[f.Rule], o.Now)
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if ra, rb := ledger.Severity(a.Severity).Rank(), ledger.Severity(b.Severity).Rank(); ra != rb {
			return ra > rb
		}
		return a.FirstSeen.Before(b.FirstSeen)
	})
	if n := r.Summary.Total; n > 0 {
		r.Progress.Percent = 100 * r.Progress.Closed / n
	}
	return nil
}

func (r *Report) add(f *ledger.Finding, st supervise.State, rule *ledger.RuleInfo, now time.Time) {
	row := Row{
		ID: f.ID, Rule: f.Rule, Chain: f.Chain, Object: ruletext.Kind(f.Subject.Kind, r.Lang) + " " + f.Subject.Ref, Org: f.Subject.Org,
		Severity: string(f.Severity), Message: f.MessageIn(r.Lang), Evidence: evidenceText(f.EvidenceIn(r.Lang), r.Lang),
		Status: string(f.Status), Confirmed: st.Confirmed, Deadline: st.Deadline,
		FirstSeen: f.FirstSeen, LastSeen: f.LastSeen,
	}
	if t, ok := ruletext.For(f.Rule, r.Lang); ok {
		row.Title, row.Recommendation = t.Title, t.Advice
	} else if rule != nil {
		// A rule without texts: its English doc says how to fix it.
		row.Title, row.Recommendation = rule.Title, rule.Doc
	}
	if rule == nil {
		rule = &ledger.RuleInfo{Severity: f.Severity, Category: f.Category}
	}
	row.Risk = !rule.Verifies()
	closed := supervise.Closed(f.Status)
	row.Overdue = !closed && !st.Deadline.IsZero() && now.After(st.Deadline)
	r.Findings = append(r.Findings, row)
	r.Summary.Total++
	r.Summary.BySeverity[row.Severity]++
	r.Progress.ByStatus[row.Status]++
	switch {
	case closed:
		r.Progress.Closed++
	case f.Severity == ledger.Critical:
		r.Summary.Open++
		r.Summary.Critical++
	default:
		r.Summary.Open++
	}
	if st.Confirmed {
		r.Progress.Confirmed++
	}
	if row.Overdue {
		r.Progress.Overdue++
	}
}

// basis lists the rules in the catalogue with their clauses and the
// number of findings each raised in scope; rules of findings missing from
// the catalogue are listed too.
func (r *Report) basis(rules []*ledger.RuleInfo) {
	count := map[string]int{}
	for _, row := range r.Findings {
		count[row.Rule]++
	}
	seen := map[string]bool{}
	for _, ru := range rules {
		seen[ru.ID] = true
		clauses := ru.Clauses
		if clauses == nil {
			clauses = []string{}
		}
		title := ru.Title
		if t, ok := ruletext.For(ru.ID, r.Lang); ok {
			title = t.Title
		}
		r.Basis = append(r.Basis, Basis{Rule: ru.ID, Title: title, Severity: string(ru.Severity), Clauses: clauses, Findings: count[ru.ID]})
	}
	var extra []string
	for id := range count {
		if !seen[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		r.Basis = append(r.Basis, Basis{Rule: id, Clauses: []string{}, Findings: count[id]})
	}
}

// evidenceText writes evidence as "label: value" pairs in lang.
func evidenceText(ev []ledger.EvidenceItem, lang string) string {
	sep, colon := "；", "："
	if ruletext.Lang(lang) == ruletext.EN {
		sep, colon = "; ", ": "
	}
	parts := make([]string, 0, len(ev))
	for _, e := range ev {
		parts = append(parts, e.Label+colon+e.Value)
	}
	return strings.Join(parts, sep)
}
