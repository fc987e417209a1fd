package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/lianjian/lianjian/ledger"
)

// Node supervision records (package nodes). The index stores them as
// documents the nodes stage encodes: it knows only ids, revisions and
// times, which is all ordering and history need. Every registry change is
// a new revision; no revision is ever rewritten or deleted.

// NodeRevision is one revision of a registered node.
type NodeRevision struct {
	ID   string          `json:"id"`
	Rev  uint64          `json:"rev"` // 1 for the registration, then +1 per change
	Time time.Time       `json:"time"`
	Doc  json.RawMessage `json:"doc"`
}

// ProbeRecord is one stored probe run of one node, with its evidence.
type ProbeRecord struct {
	Node string          `json:"node"`
	Time time.Time       `json:"time"`
	Doc  json.RawMessage `json:"doc"`
}

// RiskPoint is one risk score of a subject (a node, an org or a chain)
// at one time, kept for the trend.
type RiskPoint struct {
	Subject string          `json:"subject"` // e.g. node/ID, org/CHAIN/MSP, chain/CHAIN
	Time    time.Time       `json:"time"`
	Doc     json.RawMessage `json:"doc"`
}

// maxNodeDoc bounds one stored node document.
const maxNodeDoc = 256 << 10

// NodeUpdate computes the next document of a node from its current
// revision (nil when the node is not registered yet). It runs inside the
// index transaction and may run more than once, so it must not have side
// effects.
type NodeUpdate func(cur *NodeRevision) (json.RawMessage, error)

// UpdateNode applies fn to the current revision of node id and stores the
// result as the next revision, atomically: two concurrent updates never
// both build on the same revision. It returns the stored revision.
func (d *DB) UpdateNode(ctx context.Context, id string, at time.Time, fn NodeUpdate) (NodeRevision, error) {
	if !validNodeID(id) {
		return NodeRevision{}, fmt.Errorf("%w: node id %q", ledger.ErrInvalid, id)
	}
	var out NodeRevision
	err := d.update(ctx, func(txn kv) error {
		var cur *NodeRevision
		var r NodeRevision
		switch err := get(txn, nodeKey(id), &r); {
		case err == nil:
			cur = &r
		case !errors.Is(err, ledger.ErrNotFound):
			return err
		}
		doc, err := fn(cur)
		if err != nil {
			return err
		}
		if len(doc) > maxNodeDoc {
			return fmt.Errorf("%w: node document of %d bytes", ledger.ErrInvalid, len(doc))
		}
		out = NodeRevision{ID: id, Rev: 1, Time: at.UTC(), Doc: doc}
		if cur != nil {
			out.Rev = cur.Rev + 1
		}
		if err := put(txn, nodeRevKey(id, out.Rev), out); err != nil {
			return err
		}
		return put(txn, nodeKey(id), out)
	})
	return out, err
}

// Node returns the current revision of a node.
func (d *DB) Node(ctx context.Context, id string) (NodeRevision, error) {
	var r NodeRevision
	if err := ctx.Err(); err != nil {
		return r, err
	}
	err := d.view(func(txn kv) error { return get(txn, nodeKey(id), &r) })
	return r, err
}

// Nodes returns the current revision of every node, ordered by id.
func (d *DB) Nodes(ctx context.Context) ([]NodeRevision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []NodeRevision
	err := d.view(func(txn kv) error {
		return scan(txn, []byte{tagNode, '/'}, nil, func(_, v []byte) (bool, error) {
			var r NodeRevision
			if err := decode(v, &r); err != nil {
				return false, err
			}
			out = append(out, r)
			return true, nil
		})
	})
	return out, err
}

// NodeHistory returns every revision of a node, oldest first.
func (d *DB) NodeHistory(ctx context.Context, id string) ([]NodeRevision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []NodeRevision
	err := d.view(func(txn kv) error {
		return scan(txn, nodeRevPrefix(id), nil, func(_, v []byte) (bool, error) {
			var r NodeRevision
			if err := decode(v, &r); err != nil {
				return false, err
			}
			out = append(out, r)
			return true, nil
		})
	})
	if err == nil && len(out) == 0 {
		err = ledger.ErrNotFound
	}
	return out, err
}

// PutProbe stores one probe run and drops the node's oldest runs beyond
// keep (keep <= 0 keeps all).
func (d *DB) PutProbe(ctx context.Context, p ProbeRecord, keep int) error {
	if !validNodeID(p.Node) {
		return fmt.Errorf("%w: node id %q", ledger.ErrInvalid, p.Node)
	}
	p.Time = p.Time.UTC()
	return d.update(ctx, func(txn kv) error {
		if err := put(txn, probeKey(p.Node, p.Time.UnixNano()), p); err != nil {
			return err
		}
		if keep <= 0 {
			return nil
		}
		var keys [][]byte
		err := scanKeys(txn, probePrefix(p.Node), true, func(k []byte) bool {
			keys = append(keys, k)
			return true
		})
		if err != nil {
			return err
		}
		for _, k := range keys[min(keep, len(keys)):] {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Probes returns up to limit probe runs of a node, newest first.
func (d *DB) Probes(ctx context.Context, node string, limit int) ([]ProbeRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []ProbeRecord
	err := d.view(func(txn kv) error {
		return scanValues(txn, probePrefix(node), true, func(v []byte) (bool, error) {
			var p ProbeRecord
			if err := decode(v, &p); err != nil {
				return false, err
			}
			out = append(out, p)
			return limit <= 0 || len(out) < limit, nil
		})
	})
	return out, err
}

// PutRisk stores risk points.
func (d *DB) PutRisk(ctx context.Context, ps []RiskPoint) error {
	if len(ps) == 0 {
		return nil
	}
	return d.update(ctx, func(txn kv) error {
		for _, p := range ps {
			if p.Subject == "" {
				return fmt.Errorf("%w: risk point without subject", ledger.ErrInvalid)
			}
			p.Time = p.Time.UTC()
			if err := put(txn, riskKey(p.Subject, p.Time.UnixNano()), p); err != nil {
				return err
			}
		}
		return nil
	})
}

// RiskTrend returns the risk points of a subject from since on, oldest
// first, at most limit of the newest (limit <= 0: all).
func (d *DB) RiskTrend(ctx context.Context, subject string, since time.Time, limit int) ([]RiskPoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []RiskPoint
	err := d.view(func(txn kv) error {
		return scanValues(txn, riskPrefix(subject), true, func(v []byte) (bool, error) {
			var p RiskPoint
			if err := decode(v, &p); err != nil {
				return false, err
			}
			if p.Time.Before(since) {
				return false, nil
			}
			out = append(out, p)
			return limit <= 0 || len(out) < limit, nil
		})
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// scanKeys iterates the keys under prefix, newest (highest) first when
// reverse is set, without reading values.
func scanKeys(txn kv, prefix []byte, reverse bool, fn func(k []byte) bool) error {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = prefix
	opts.Reverse = reverse
	it := txn.NewIterator(opts)
	defer it.Close()
	start := prefix
	if reverse {
		start = append(append([]byte{}, prefix...), 0xff)
	}
	for it.Seek(start); it.Valid(); it.Next() {
		if !fn(it.Item().KeyCopy(nil)) {
			return nil
		}
	}
	return nil
}

// scanValues iterates the values under prefix, highest key first when
// reverse is set, until fn returns false.
func scanValues(txn kv, prefix []byte, reverse bool, fn func(v []byte) (bool, error)) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	opts.Reverse = reverse
	it := txn.NewIterator(opts)
	defer it.Close()
	start := prefix
	if reverse {
		start = append(append([]byte{}, prefix...), 0xff)
	}
	for it.Seek(start); it.Valid(); it.Next() {
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		more, err := fn(v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
