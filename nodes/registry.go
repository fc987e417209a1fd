package nodes

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// Store keeps node revisions. The badger index implements it.
type Store interface {
	UpdateNode(ctx context.Context, org, id string, at time.Time, fn record.NodeUpdate) (record.NodeRevision, error)
	Node(ctx context.Context, org, id string) (record.NodeRevision, error)
	Nodes(ctx context.Context) ([]record.NodeRevision, error)
	NodeHistory(ctx context.Context, org, id string) ([]record.NodeRevision, error)
}

// Chains looks chains up by id.
type Chains interface {
	Chain(ctx context.Context, id string) (ledger.Chain, error)
}

// Registry registers, updates and retires nodes, keeping every change. A
// node is identified by its org and its id (Key): ids are unique within
// an org only, so two orgs may each register "peer0" and nothing one org
// does with its nodes depends on another org's.
type Registry struct {
	store  Store
	chains Chains
	now    func() time.Time
}

// NewRegistry returns a registry over store that validates chains
// against chains.
func NewRegistry(store Store, chains Chains) *Registry {
	return &Registry{store: store, chains: chains, now: time.Now}
}

// revDoc is the stored document of a revision.
type revDoc struct {
	Node   Node   `json:"node"`
	Actor  string `json:"actor"`
	Change string `json:"change"`
	Reason string `json:"reason,omitempty"`
}

// Register adds a new node. It fails with a *FieldError for bad fields or
// an unknown chain and with an *ExistsError (matching ErrExists) when its
// org already registered the id, retired nodes included. Other orgs'
// nodes play no part: each org has its own ids.
func (r *Registry) Register(ctx context.Context, n Node, actor string) (Revision, error) {
	n.Retired = false
	if err := r.validate(ctx, &n); err != nil {
		return Revision{}, err
	}
	return r.write(ctx, n.Key(), func(cur *revDoc) (revDoc, error) {
		if cur != nil {
			return revDoc{}, &ExistsError{ID: n.ID, Org: n.Org}
		}
		return revDoc{Node: n, Actor: actor, Change: ChangeRegister}, nil
	})
}

// Update replaces the fields of node (n.Org, n.ID). The node must exist
// and not be retired. The org is part of a node's identity, so it cannot
// change: a node that moves to another org is retired and registered
// again by that org.
func (r *Registry) Update(ctx context.Context, n Node, actor string) (Revision, error) {
	n.Retired = false
	if err := r.validate(ctx, &n); err != nil {
		return Revision{}, err
	}
	return r.write(ctx, n.Key(), func(cur *revDoc) (revDoc, error) {
		switch {
		case cur == nil:
			return revDoc{}, fmt.Errorf("node %s: %w", n.Key(), ledger.ErrNotFound)
		case cur.Node.Retired:
			return revDoc{}, fmt.Errorf("%w: %s", ErrRetired, n.Key())
		}
		return revDoc{Node: n, Actor: actor, Change: ChangeUpdate}, nil
	})
}

// Retire marks node k retired; it is no longer probed but keeps its
// history.
func (r *Registry) Retire(ctx context.Context, k Key, actor, reason string) (Revision, error) {
	if len(reason) > maxNote {
		return Revision{}, fieldErr("reason", "longer than %d bytes", maxNote)
	}
	return r.write(ctx, k, func(cur *revDoc) (revDoc, error) {
		switch {
		case cur == nil:
			return revDoc{}, fmt.Errorf("node %s: %w", k, ledger.ErrNotFound)
		case cur.Node.Retired:
			return revDoc{}, fmt.Errorf("%w: %s", ErrRetired, k)
		}
		n := cur.Node
		n.Retired = true
		return revDoc{Node: n, Actor: actor, Change: ChangeRetire, Reason: reason}, nil
	})
}

// Get returns the current revision of node k.
func (r *Registry) Get(ctx context.Context, k Key) (Revision, error) {
	nr, err := r.store.Node(ctx, k.Org, k.ID)
	if err != nil {
		return Revision{}, fmt.Errorf("node %s: %w", k, err)
	}
	return revision(nr)
}

// Resolve finds the node a caller names: by org and id when org is
// given, else by id alone, which fails with an *AmbiguousError (matching
// ErrAmbiguous) when several orgs registered the id. Only callers that
// may see every org (regulators, the CLI) name a node without its org;
// callers acting for one org always pass it.
func (r *Registry) Resolve(ctx context.Context, org, id string) (Revision, error) {
	if org != "" {
		return r.Get(ctx, Key{Org: org, ID: id})
	}
	rs, err := r.List(ctx, Filter{ID: id, Retired: true})
	if err != nil {
		return Revision{}, err
	}
	switch len(rs) {
	case 0:
		return Revision{}, fmt.Errorf("node %s: %w", id, ledger.ErrNotFound)
	case 1:
		return rs[0], nil
	}
	e := &AmbiguousError{ID: id}
	for _, rv := range rs {
		e.Orgs = append(e.Orgs, rv.Org)
	}
	return Revision{}, e
}

// Filter selects nodes in List. Zero fields match everything.
type Filter struct {
	ID      string // node id, in any org
	Chain   string
	Org     string
	Kind    Kind
	Retired bool // include retired nodes
}

// List returns the current revision of every node passing f, by id and
// then org.
func (r *Registry) List(ctx context.Context, f Filter) ([]Revision, error) {
	nrs, err := r.store.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	out := make([]Revision, 0, len(nrs))
	for _, nr := range nrs {
		rv, err := revision(nr)
		if err != nil {
			return nil, err
		}
		switch {
		case f.ID != "" && rv.ID != f.ID,
			f.Chain != "" && rv.Chain != f.Chain,
			f.Org != "" && rv.Org != f.Org,
			f.Kind != "" && rv.Kind != f.Kind,
			rv.Retired && !f.Retired:
			continue
		}
		out = append(out, rv)
	}
	slices.SortFunc(out, func(a, b Revision) int { return compareKeys(a.Key(), b.Key()) })
	return out, nil
}

// History returns every revision of node k, oldest first.
func (r *Registry) History(ctx context.Context, k Key) ([]Revision, error) {
	nrs, err := r.store.NodeHistory(ctx, k.Org, k.ID)
	if err != nil {
		return nil, fmt.Errorf("node %s history: %w", k, err)
	}
	out := make([]Revision, 0, len(nrs))
	for _, nr := range nrs {
		rv, err := revision(nr)
		if err != nil {
			return nil, err
		}
		out = append(out, rv)
	}
	return out, nil
}

func (r *Registry) validate(ctx context.Context, n *Node) error {
	if err := n.Validate(); err != nil {
		return err
	}
	c, err := r.chains.Chain(ctx, n.Chain)
	if errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrUnknownChain) {
		return fieldErr("chain", "unknown chain %q", n.Chain)
	}
	if err != nil {
		return fmt.Errorf("look up chain %s: %w", n.Chain, err)
	}
	return n.CheckChain(c)
}

func (r *Registry) write(ctx context.Context, k Key, next func(cur *revDoc) (revDoc, error)) (Revision, error) {
	nr, err := r.store.UpdateNode(ctx, k.Org, k.ID, r.now(), func(cur *record.NodeRevision) (json.RawMessage, error) {
		var prev *revDoc
		if cur != nil {
			var p revDoc
			if err := json.Unmarshal(cur.Doc, &p); err != nil {
				return nil, fmt.Errorf("decode node %s revision %d: %w", k, cur.Rev, err)
			}
			prev = &p
		}
		rec, err := next(prev)
		if err != nil {
			return nil, err
		}
		return json.Marshal(rec)
	})
	if err != nil {
		return Revision{}, err
	}
	return revision(nr)
}

func revision(nr record.NodeRevision) (Revision, error) {
	var rec revDoc
	if err := json.Unmarshal(nr.Doc, &rec); err != nil {
		return Revision{}, fmt.Errorf("decode node %s/%s revision %d: %w", nr.Org, nr.ID, nr.Rev, err)
	}
	if nr.Org != "" && rec.Node.Org != nr.Org {
		return Revision{}, fmt.Errorf("node %s/%s revision %d: stored for org %q", nr.Org, nr.ID, nr.Rev, rec.Node.Org)
	}
	return Revision{Node: rec.Node, Rev: nr.Rev, Time: nr.Time, Actor: rec.Actor, Change: rec.Change, Reason: rec.Reason}, nil
}

// Active returns the nodes to probe: registered and not retired.
func Active(rs []Revision) []Node {
	out := make([]Node, 0, len(rs))
	for _, r := range rs {
		if !r.Retired {
			out = append(out, r.Node)
		}
	}
	slices.SortFunc(out, func(a, b Node) int { return compareKeys(a.Key(), b.Key()) })
	return out
}

// Key identifies a registered node: its org and its id. Ids are unique
// within an org only.
type Key struct {
	Org string `json:"org"`
	ID  string `json:"id"`
}

// String is ORG/ID, as node risk subjects and messages name a node.
func (k Key) String() string { return k.Org + "/" + k.ID }

// Key is the node's identity.
func (n *Node) Key() Key { return Key{Org: n.Org, ID: n.ID} }

// compareKeys orders nodes by id, then org.
func compareKeys(a, b Key) int {
	return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.Org, b.Org))
}
