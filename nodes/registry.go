package nodes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// Store keeps node revisions. The badger index implements it.
type Store interface {
	UpdateNode(ctx context.Context, id string, at time.Time, fn index.NodeUpdate) (index.NodeRevision, error)
	Node(ctx context.Context, id string) (index.NodeRevision, error)
	Nodes(ctx context.Context) ([]index.NodeRevision, error)
	NodeHistory(ctx context.Context, id string) ([]index.NodeRevision, error)
}

// Chains looks chains up by id.
type Chains interface {
	Chain(ctx context.Context, id string) (ledger.Chain, error)
}

// Registry registers, updates and retires nodes, keeping every change.
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

// record is the stored document of a revision.
type record struct {
	Node   Node   `json:"node"`
	Actor  string `json:"actor"`
	Change string `json:"change"`
	Reason string `json:"reason,omitempty"`
}

// Register adds a new node. It fails with a *FieldError for bad fields or
// an unknown chain and with an *ExistsError (matching ErrExists) when the
// id is taken, retired nodes included.
func (r *Registry) Register(ctx context.Context, n Node, actor string) (Revision, error) {
	n.Retired = false
	if err := r.validate(ctx, &n); err != nil {
		return Revision{}, err
	}
	return r.write(ctx, n.ID, func(cur *record) (record, error) {
		if cur != nil {
			return record{}, &ExistsError{ID: n.ID, Org: cur.Node.Org}
		}
		return record{Node: n, Actor: actor, Change: ChangeRegister}, nil
	})
}

// Update replaces a registered node's fields. The id must exist and not
// be retired; the org may change only when allowOrgChange is set (a
// regulator's call), so an operator cannot hand a node to another org.
func (r *Registry) Update(ctx context.Context, n Node, actor string, allowOrgChange bool) (Revision, error) {
	n.Retired = false
	if err := r.validate(ctx, &n); err != nil {
		return Revision{}, err
	}
	return r.write(ctx, n.ID, func(cur *record) (record, error) {
		switch {
		case cur == nil:
			return record{}, fmt.Errorf("node %s: %w", n.ID, ledger.ErrNotFound)
		case cur.Node.Retired:
			return record{}, fmt.Errorf("%w: %s", ErrRetired, n.ID)
		case cur.Node.Org != n.Org && !allowOrgChange:
			return record{}, fieldErr("org", "cannot move a node from %s to another org", cur.Node.Org)
		}
		return record{Node: n, Actor: actor, Change: ChangeUpdate}, nil
	})
}

// Retire marks a node retired; it is no longer probed but keeps its
// history.
func (r *Registry) Retire(ctx context.Context, id, actor, reason string) (Revision, error) {
	if len(reason) > maxNote {
		return Revision{}, fieldErr("reason", "longer than %d bytes", maxNote)
	}
	return r.write(ctx, id, func(cur *record) (record, error) {
		switch {
		case cur == nil:
			return record{}, fmt.Errorf("node %s: %w", id, ledger.ErrNotFound)
		case cur.Node.Retired:
			return record{}, fmt.Errorf("%w: %s", ErrRetired, id)
		}
		n := cur.Node
		n.Retired = true
		return record{Node: n, Actor: actor, Change: ChangeRetire, Reason: reason}, nil
	})
}

// Get returns the current revision of a node.
func (r *Registry) Get(ctx context.Context, id string) (Revision, error) {
	nr, err := r.store.Node(ctx, id)
	if err != nil {
		return Revision{}, fmt.Errorf("node %s: %w", id, err)
	}
	return revision(nr)
}

// Filter selects nodes in List. Zero fields match everything.
type Filter struct {
	Chain   string
	Org     string
	Kind    Kind
	Retired bool // include retired nodes
}

// List returns the current revision of every node passing f, by id.
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
		case f.Chain != "" && rv.Chain != f.Chain,
			f.Org != "" && rv.Org != f.Org,
			f.Kind != "" && rv.Kind != f.Kind,
			rv.Retired && !f.Retired:
			continue
		}
		out = append(out, rv)
	}
	return out, nil
}

// History returns every revision of a node, oldest first.
func (r *Registry) History(ctx context.Context, id string) ([]Revision, error) {
	nrs, err := r.store.NodeHistory(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("node %s history: %w", id, err)
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

func (r *Registry) write(ctx context.Context, id string, next func(cur *record) (record, error)) (Revision, error) {
	nr, err := r.store.UpdateNode(ctx, id, r.now(), func(cur *index.NodeRevision) (json.RawMessage, error) {
		var prev *record
		if cur != nil {
			var p record
			if err := json.Unmarshal(cur.Doc, &p); err != nil {
				return nil, fmt.Errorf("decode node %s revision %d: %w", id, cur.Rev, err)
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

func revision(nr index.NodeRevision) (Revision, error) {
	var rec record
	if err := json.Unmarshal(nr.Doc, &rec); err != nil {
		return Revision{}, fmt.Errorf("decode node %s revision %d: %w", nr.ID, nr.Rev, err)
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
	slices.SortFunc(out, func(a, b Node) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}
