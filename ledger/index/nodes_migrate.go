package index

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/lianjian/lianjian/ledger/record"
)

// migrateNodeKeys moves the node records of an index written before
// issue 15, keyed by node id alone, to the keys of (org, id) that let two
// orgs each register the same id: the current revision, every revision
// (now carrying the org), the probe runs and the node's risk points (whose
// subject becomes node/ORG/ID). It runs as one write (a spill when large,
// so a crash leaves either form, never half of each) and finds nothing to
// do on an index already migrated. A legacy record whose org cannot be
// read stays where it is; reads still find it.
func (d *DB) migrateNodeKeys(ctx context.Context) error {
	var legacy []record.NodeRevision
	err := d.view(func(txn kv) error {
		return scan(txn, []byte{tagNode, '/'}, nil, func(k, v []byte) (bool, error) {
			if bytes.IndexByte(k[2:], '/') >= 0 {
				return true, nil
			}
			var r record.NodeRevision
			if err := decode(v, &r); err != nil {
				return false, err
			}
			if r.Org = legacyNodeOrg(r); r.Org != "" && validNodeID(r.ID) && r.ID == string(k[2:]) {
				legacy = append(legacy, r)
			}
			return true, nil
		})
	})
	if err != nil || len(legacy) == 0 {
		return err
	}
	return d.update(ctx, func(txn kv) error {
		for _, r := range legacy {
			if err := migrateNode(txn, r); err != nil {
				return fmt.Errorf("migrate node %s of %s: %w", r.ID, r.Org, err)
			}
		}
		return nil
	})
}

// migrateNode moves one legacy node's records; r is its current revision
// with the org filled in.
func migrateNode(txn kv, r record.NodeRevision) error {
	org, id := r.Org, r.ID
	type move struct{ from, to, val []byte }
	var moves []move
	collect := func(prefix []byte, to func(k, v []byte) ([]byte, []byte, error)) error {
		return scan(txn, prefix, nil, func(k, v []byte) (bool, error) {
			if !isLegacyUnder(prefix, k) {
				return true, nil
			}
			nk, nv, err := to(k, v)
			if err != nil {
				return false, err
			}
			moves = append(moves, move{from: k, to: nk, val: nv})
			return true, nil
		})
	}
	suffix := func(prefix, k []byte) []byte { return k[len(prefix):] }
	revs := legacyNodeRevPrefix(id)
	err := collect(revs, func(k, v []byte) ([]byte, []byte, error) {
		var rev record.NodeRevision
		if err := decode(v, &rev); err != nil {
			return nil, nil, err
		}
		rev.Org = org
		b, err := json.Marshal(rev)
		return append(nodeRevPrefix(org, id), suffix(revs, k)...), b, err
	})
	if err != nil {
		return err
	}
	probes := legacyProbePrefix(id)
	err = collect(probes, func(k, v []byte) ([]byte, []byte, error) {
		var p record.ProbeRecord
		if err := decode(v, &p); err != nil {
			return nil, nil, err
		}
		p.Org = org
		b, err := json.Marshal(p)
		return append(probePrefix(org, id), suffix(probes, k)...), b, err
	})
	if err != nil {
		return err
	}
	risk := legacyNodeRiskPrefix(id)
	subject := "node/" + org + "/" + id
	err = collect(risk, func(k, v []byte) ([]byte, []byte, error) {
		var p record.RiskPoint
		if err := decode(v, &p); err != nil {
			return nil, nil, err
		}
		p.Subject = subject
		// The score document names its subject too (package nodes'
		// Score); rewrite that field, keep the rest as stored.
		var doc map[string]json.RawMessage
		if json.Unmarshal(p.Doc, &doc) == nil && doc != nil {
			doc["subject"], _ = json.Marshal(subject)
			doc["org"], _ = json.Marshal(org)
			if b, err := json.Marshal(doc); err == nil {
				p.Doc = b
			}
		}
		b, err := json.Marshal(p)
		return append(riskPrefix(subject), suffix(risk, k)...), b, err
	})
	if err != nil {
		return err
	}
	for _, m := range moves {
		if err := txn.Set(m.to, m.val); err != nil {
			return err
		}
		if err := txn.Delete(m.from); err != nil {
			return err
		}
	}
	if !has(txn, nodeKey(org, id)) {
		if err := put(txn, nodeKey(org, id), r); err != nil {
			return err
		}
	}
	return txn.Delete(legacyNodeKey(id))
}
