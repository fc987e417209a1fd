package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/storage"
)

// Node supervision records (package nodes). The index stores them as
// documents the nodes stage encodes: it knows only orgs, ids, revisions
// and times, which is all ordering and history need. A node is
// identified by its org and its id: two orgs may each register "peer0".
// Every registry change is a new revision; no revision is ever rewritten
// or deleted.

// maxNodeDoc bounds one stored node document.
const maxNodeDoc = 256 << 10

func checkNodeKey(org, id string) error {
	if !validNodeOrg(org) {
		return fmt.Errorf("%w: node org %q", ledger.ErrInvalid, org)
	}
	if !validNodeID(id) {
		return fmt.Errorf("%w: node id %q", ledger.ErrInvalid, id)
	}
	return nil
}

// UpdateNode applies fn to the current revision of node (org, id) and
// stores the result as the next revision, atomically: two concurrent
// updates never both build on the same revision. It returns the stored
// revision.
func (d *DB) UpdateNode(ctx context.Context, org, id string, at time.Time, fn record.NodeUpdate) (record.NodeRevision, error) {
	if err := checkNodeKey(org, id); err != nil {
		return record.NodeRevision{}, err
	}
	var out record.NodeRevision
	err := d.update(ctx, func(txn kv) error {
		cur, err := getNode(txn, org, id)
		switch {
		case errors.Is(err, ledger.ErrNotFound):
			cur = nil
		case err != nil:
			return err
		}
		doc, err := fn(cur)
		if err != nil {
			return err
		}
		if len(doc) > maxNodeDoc {
			return fmt.Errorf("%w: node document of %d bytes", ledger.ErrInvalid, len(doc))
		}
		out = record.NodeRevision{Org: org, ID: id, Rev: 1, Time: at.UTC(), Doc: doc}
		if cur != nil {
			out.Rev = cur.Rev + 1
		}
		if err := put(txn, nodeRevKey(org, id, out.Rev), out); err != nil {
			return err
		}
		return put(txn, nodeKey(org, id), out)
	})
	return out, err
}

// getNode reads the current revision of node (org, id), in the old
// id-only form when the index has not been migrated (a read-only handle
// on an index written before issue 15).
func getNode(txn kv, org, id string) (*record.NodeRevision, error) {
	var r record.NodeRevision
	err := get(txn, nodeKey(org, id), &r)
	if err == nil {
		r.Org = org
		return &r, nil
	}
	if !errors.Is(err, ledger.ErrNotFound) {
		return nil, err
	}
	return getLegacyNode(txn, org, id)
}

// getLegacyNode reads a node stored under its id alone, if its org is
// org.
func getLegacyNode(txn kv, org, id string) (*record.NodeRevision, error) {
	var r record.NodeRevision
	if err := get(txn, legacyNodeKey(id), &r); err != nil {
		return nil, err
	}
	r.Org = legacyNodeOrg(r)
	if r.Org != org {
		return nil, ledger.ErrNotFound
	}
	return &r, nil
}

// legacyNodeOrg is the org of a node revision stored before issue 15,
// which did not record it beside the document: the org of the node the
// registry's document describes ({"node":{"org":...}}).
func legacyNodeOrg(r record.NodeRevision) string {
	if r.Org != "" {
		return r.Org
	}
	var doc struct {
		Node struct {
			Org string `json:"org"`
		} `json:"node"`
	}
	if json.Unmarshal(r.Doc, &doc) != nil || !validNodeOrg(doc.Node.Org) {
		return ""
	}
	return doc.Node.Org
}

// Node returns the current revision of node (org, id).
func (d *DB) Node(ctx context.Context, org, id string) (record.NodeRevision, error) {
	if err := ctx.Err(); err != nil {
		return record.NodeRevision{}, err
	}
	if checkNodeKey(org, id) != nil {
		return record.NodeRevision{}, ledger.ErrNotFound
	}
	var r record.NodeRevision
	err := d.view(func(txn kv) error {
		cur, err := getNode(txn, org, id)
		if err == nil {
			r = *cur
		}
		return err
	})
	return r, err
}

// Nodes returns the current revision of every node, ordered by org and
// id (nodes of an index not migrated yet come in id order, after).
func (d *DB) Nodes(ctx context.Context) ([]record.NodeRevision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []record.NodeRevision
	err := d.view(func(txn kv) error {
		return scan(txn, []byte{tagNode, '/'}, nil, func(k, v []byte) (bool, error) {
			var r record.NodeRevision
			if err := decode(v, &r); err != nil {
				return false, err
			}
			org, _, ok := bytes.Cut(k[2:], []byte{'/'})
			if ok {
				r.Org = string(org)
			} else {
				r.Org = legacyNodeOrg(r)
			}
			out = append(out, r)
			return true, nil
		})
	})
	return out, err
}

// NodeHistory returns every revision of node (org, id), oldest first.
func (d *DB) NodeHistory(ctx context.Context, org, id string) ([]record.NodeRevision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if checkNodeKey(org, id) != nil {
		return nil, ledger.ErrNotFound
	}
	var out []record.NodeRevision
	err := d.view(func(txn kv) error {
		prefix, legacy := nodeRevPrefix(org, id), false
		if !has(txn, nodeKey(org, id)) {
			if _, err := getLegacyNode(txn, org, id); err != nil {
				return err
			}
			prefix, legacy = legacyNodeRevPrefix(id), true
		}
		return scan(txn, prefix, nil, func(k, v []byte) (bool, error) {
			if legacy && !isLegacyUnder(prefix, k) {
				return true, nil
			}
			var r record.NodeRevision
			if err := decode(v, &r); err != nil {
				return false, err
			}
			r.Org = org
			out = append(out, r)
			return true, nil
		})
	})
	if err == nil && len(out) == 0 {
		err = ledger.ErrNotFound
	}
	return out, err
}

// has reports whether k is stored.
func has(txn kv, k []byte) bool {
	ok, err := txn.Has(k)
	return err == nil && ok
}

// PutProbe stores one probe run of node (p.Org, p.Node) and drops the
// node's oldest runs beyond keep (keep <= 0 keeps all).
func (d *DB) PutProbe(ctx context.Context, p record.ProbeRecord, keep int) error {
	if err := checkNodeKey(p.Org, p.Node); err != nil {
		return err
	}
	p.Time = p.Time.UTC()
	return d.update(ctx, func(txn kv) error {
		if err := put(txn, probeKey(p.Org, p.Node, p.Time.UnixNano()), p); err != nil {
			return err
		}
		if keep <= 0 {
			return nil
		}
		var keys [][]byte
		err := scanKeys(txn, probePrefix(p.Org, p.Node), true, func(k []byte) bool {
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

// Probes returns up to limit probe runs of node (org, node), newest
// first.
func (d *DB) Probes(ctx context.Context, org, node string, limit int) ([]record.ProbeRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if checkNodeKey(org, node) != nil {
		return nil, nil
	}
	var out []record.ProbeRecord
	err := d.view(func(txn kv) error {
		prefix, legacy := probePrefix(org, node), false
		if !has(txn, nodeKey(org, node)) {
			if _, err := getLegacyNode(txn, org, node); err == nil {
				prefix, legacy = legacyProbePrefix(node), true
			}
		}
		return scanItems(txn, prefix, true, func(k, v []byte) (bool, error) {
			if legacy && !isLegacyUnder(prefix, k) {
				return true, nil
			}
			var p record.ProbeRecord
			if err := decode(v, &p); err != nil {
				return false, err
			}
			p.Org = org
			out = append(out, p)
			return limit <= 0 || len(out) < limit, nil
		})
	})
	return out, err
}

// PutRisk stores risk points.
func (d *DB) PutRisk(ctx context.Context, ps []record.RiskPoint) error {
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
func (d *DB) RiskTrend(ctx context.Context, subject string, since time.Time, limit int) ([]record.RiskPoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []record.RiskPoint
	err := d.view(func(txn kv) error {
		return scanValues(txn, riskPrefix(subject), true, func(v []byte) (bool, error) {
			var p record.RiskPoint
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
	it := txn.NewIterator(prefix, scanStart(reverse), reverse)
	defer it.Release()
	for it.Next() {
		if !fn(it.Key()) {
			return nil
		}
	}
	return it.Error()
}

// scanStart is where scanKeys and scanItems start under their prefix:
// reverse, at the prefix followed by 0xff, as they always have.
func scanStart(reverse bool) []byte {
	if reverse {
		return []byte{0xff}
	}
	return nil
}

// scanValues iterates the values under prefix, highest key first when
// reverse is set, until fn returns false.
func scanValues(txn kv, prefix []byte, reverse bool, fn func(v []byte) (bool, error)) error {
	return scanItems(txn, prefix, reverse, func(_, v []byte) (bool, error) { return fn(v) })
}

// scanItems iterates the keys and values under prefix, highest key first
// when reverse is set, until fn returns false.
func scanItems(txn kv, prefix []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	return items(txn.NewIterator(prefix, scanStart(reverse), reverse), fn)
}

// items calls fn with each key and value of it until fn returns false,
// and releases it.
func items(it storage.Iterator, fn func(k, v []byte) (bool, error)) error {
	defer it.Release()
	for it.Next() {
		v, err := it.Value()
		if err != nil {
			return err
		}
		more, err := fn(it.Key(), v)
		if err != nil || !more {
			return err
		}
	}
	return it.Error()
}

// decodeValue decodes the value of it's current key into out.
func decodeValue(it storage.Iterator, out any) error {
	v, err := it.Value()
	if err != nil {
		return err
	}
	return decode(v, out)
}
