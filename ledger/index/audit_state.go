package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// The replayed world state and key-level policies of an audit are kept
// by height (keys.go, E/ and Y/): each checkpoint saves the keys that
// changed as versions tagged with its height, and a copy of the
// checkpoint record (H/), so that a re-audit below the current checkpoint
// restores the nearest one and reads the state as it was there.

// stateVersion is the value of one version of a world-state key (E/).
type stateVersion struct {
	Value   []byte `json:"v,omitempty"`
	Block   uint64 `json:"b,omitempty"`
	Tx      uint64 `json:"t,omitempty"`
	Doubt   bool   `json:"d,omitempty"`
	Deleted bool   `json:"x,omitempty"`
}

// putStateVersions saves world-state changes as versions at height h of
// generation gen.
func putStateVersions(txn kv, chain string, gen, h uint64, es []record.StateEntry) error {
	prefix := stateVersionGenPrefix(chain, gen)
	for i := range es {
		e := &es[i]
		v := stateVersion{Value: e.Value, Block: e.Block, Tx: e.Tx, Doubt: e.Doubt, Deleted: e.Deleted && !e.Doubt}
		if err := put(txn, versionKey(prefix, versionID(e.Namespace, e.Collection, e.Key), h), &v); err != nil {
			return err
		}
	}
	return nil
}

// putKeyPolicyVersions saves key-level policy changes as versions at
// height h of generation gen; a nil policy saves the removal.
func putKeyPolicyVersions(txn kv, chain string, gen, h uint64, kps []record.KeyPolicy) error {
	prefix := keyPolicyVersionGenPrefix(chain, gen)
	for i := range kps {
		kp := &kps[i]
		if err := put(txn, versionKey(prefix, versionID(kp.Namespace, kp.Collection, kp.Key), h), kp); err != nil {
			return err
		}
	}
	return nil
}

// newestVersions calls fn with the id and value of the newest version at
// or below height h of each key under prefix from start on, in key
// order, until fn returns false. Versions of one key are contiguous and
// newest first: the first one at or below h is taken, the rest skipped.
func newestVersions(txn kv, prefix, start []byte, h uint64, fn func(id, v []byte) (bool, error)) error {
	it := txn.NewIterator(prefix, start, false)
	defer it.Release()
	var last []byte
	have, taken := false, false
	for it.Next() {
		k := it.Key()
		if len(k) < len(prefix)+8 {
			return fmt.Errorf("%w: version key %q", ErrRecordFormat, k)
		}
		id := k[len(prefix) : len(k)-8]
		if !have || !bytes.Equal(id, last) {
			last, have, taken = append(last[:0], id...), true, false
		}
		if taken || ^binary.BigEndian.Uint64(k[len(k)-8:]) > h {
			continue
		}
		taken = true
		v, err := it.Value()
		if err != nil {
			return err
		}
		if more, err := fn(id, v); err != nil || !more {
			return err
		}
	}
	return it.Error()
}

// stateAt returns the generation and height of the stored state to read:
// the newest of the stored checkpoint's generation when at is nil, the
// state saved with checkpoint at otherwise. It fails with ErrNoState when
// the index no longer holds that state, and ledger.ErrNotFound when no
// checkpoint is stored.
func stateAt(txn kv, chain string, at *record.AuditCheckpoint) (gen, h uint64, err error) {
	var head record.AuditCheckpoint
	if err := get(txn, auditCheckpointKey(chain), &head); err != nil {
		return 0, 0, err
	}
	switch {
	case !head.ByHeight:
		return 0, 0, fmt.Errorf("%w: the audit checkpoint of %s was stored before states were kept by height", ErrNoState, chain)
	case at == nil:
		return head.StateGen, math.MaxUint64, nil
	case at.StateGen != head.StateGen || at.Height < head.HistorySince:
		return 0, 0, fmt.Errorf("%w: the state of %s at %d was replaced by a new generation", ErrNoState, chain, at.Height)
	}
	return at.StateGen, at.Height, nil
}

// AuditState returns the stored world-state entry of one key, its newest
// version in the generation of the stored audit checkpoint of chain;
// found is false when the state holds no such key.
func (d *DB) AuditState(ctx context.Context, chain, ns, coll string, k []byte) (e record.StateEntry, found bool, err error) {
	return d.auditState(ctx, chain, nil, ns, coll, k)
}

// AuditStateAt is AuditState as of the stored checkpoint at (one
// AuditCheckpointAt returned): the version saved with it or before.
func (d *DB) AuditStateAt(ctx context.Context, chain string, at record.AuditCheckpoint, ns, coll string, k []byte) (e record.StateEntry, found bool, err error) {
	return d.auditState(ctx, chain, &at, ns, coll, k)
}

func (d *DB) auditState(ctx context.Context, chain string, at *record.AuditCheckpoint, ns, coll string, k []byte) (e record.StateEntry, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return e, false, err
	}
	err = d.view(func(txn kv) error {
		gen, h, err := stateAt(txn, chain, at)
		if err != nil {
			return err
		}
		it := txn.NewIterator(append(stateVersionGenPrefix(chain, gen), versionID(ns, coll, k)...), be64(^h), false)
		defer it.Release()
		if !it.Next() {
			return it.Error()
		}
		v, err := it.Value()
		if err != nil {
			return err
		}
		var sv stateVersion
		if err := json.Unmarshal(v, &sv); err != nil {
			return fmt.Errorf("corrupt state version %q: %w", it.Key(), err)
		}
		if !sv.Deleted {
			e, found = record.StateEntry{Namespace: ns, Collection: coll, Key: k, Value: sv.Value, Block: sv.Block, Tx: sv.Tx, Doubt: sv.Doubt}, true
		}
		return nil
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return e, false, nil
	}
	return e, found && err == nil, err
}

// AuditStateRange calls fn with the stored world-state entries of the
// keys of namespace ns and collection coll from start on, in key order,
// until fn returns false: their newest versions (as AuditState) when at
// is nil, as of checkpoint at otherwise (as AuditStateAt). Deleted keys
// are left out, keys in doubt are given with Doubt set. fn runs inside a
// read of the index and must not call it.
func (d *DB) AuditStateRange(ctx context.Context, chain string, at *record.AuditCheckpoint, ns, coll string, start []byte, fn func(record.StateEntry) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.view(func(txn kv) error {
		gen, h, err := stateAt(txn, chain, at)
		if err != nil {
			return err
		}
		prefix := stateVersionGenPrefix(chain, gen)
		prefix = appendEsc(prefix, []byte(ns))
		prefix = appendEsc(prefix, []byte(coll))
		return newestVersions(txn, prefix, escPrefix(nil, start), h, func(id, v []byte) (bool, error) {
			k, rest, ok := cutEsc(id)
			if !ok || len(rest) != 0 {
				return false, fmt.Errorf("%w: state version key %q", ErrRecordFormat, id)
			}
			var sv stateVersion
			if err := json.Unmarshal(v, &sv); err != nil {
				return false, fmt.Errorf("corrupt state version of %q: %w", k, err)
			}
			if sv.Deleted {
				return ctx.Err() == nil, ctx.Err()
			}
			return fn(record.StateEntry{Namespace: ns, Collection: coll, Key: bytes.Clone(k), Value: sv.Value, Block: sv.Block, Tx: sv.Tx, Doubt: sv.Doubt}), nil
		})
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return nil
	}
	return err
}

// keyPoliciesAt returns the key-level policies in force at height h in
// generation gen.
func keyPoliciesAt(txn kv, chain string, gen, h uint64) ([]record.KeyPolicy, error) {
	var out []record.KeyPolicy
	err := newestVersions(txn, keyPolicyVersionGenPrefix(chain, gen), nil, h, func(id, v []byte) (bool, error) {
		var kp record.KeyPolicy
		if err := json.Unmarshal(v, &kp); err != nil {
			return false, fmt.Errorf("key-level policy %q: %w", id, err)
		}
		if kp.Policy != nil {
			out = append(out, kp)
		}
		return true, nil
	})
	return out, err
}

// AuditKeyPolicies returns the key-level endorsement policies stored with
// the audit checkpoint of chain.
func (d *DB) AuditKeyPolicies(ctx context.Context, chain string) ([]record.KeyPolicy, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []record.KeyPolicy
	err := d.view(func(txn kv) error {
		var cp record.AuditCheckpoint
		if err := get(txn, auditCheckpointKey(chain), &cp); err != nil || !cp.ByHeight {
			return err
		}
		var err error
		out, err = keyPoliciesAt(txn, chain, cp.KeyPolicyGen, math.MaxUint64)
		return err
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil
	}
	return out, err
}

// AuditCheckpointAt returns the stored audit checkpoint of chain nearest
// at or below height h whose world state and key-level policies the index
// still holds, with its key-level policies (all of them, not changes):
// a re-audit starting above it restores it, and reads the state as of it
// with AuditStateAt and AuditStateRange. ledger.ErrNotFound when there is
// none (no audit below h since the state was last replaced, or an index
// written before states were kept by height).
func (d *DB) AuditCheckpointAt(ctx context.Context, chain string, h uint64) (record.AuditCheckpoint, error) {
	if err := ctx.Err(); err != nil {
		return record.AuditCheckpoint{}, err
	}
	var cp record.AuditCheckpoint
	err := d.view(func(txn kv) error {
		var head record.AuditCheckpoint
		if err := get(txn, auditCheckpointKey(chain), &head); err != nil {
			return err
		}
		if !head.ByHeight {
			return ledger.ErrNotFound
		}
		found := false
		err := items(txn.NewIterator(auditHistoryPrefix(chain), be64(h), true), func(_, v []byte) (bool, error) {
			found = true
			return false, decode(v, &cp)
		})
		switch {
		case err != nil:
			return err
		case !found || cp.Height < head.HistorySince || cp.StateGen != head.StateGen || cp.KeyPolicyGen != head.KeyPolicyGen:
			return ledger.ErrNotFound
		}
		cp.KeyPolicies, err = keyPoliciesAt(txn, chain, cp.KeyPolicyGen, cp.Height)
		return err
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return record.AuditCheckpoint{}, fmt.Errorf("audit checkpoint of %s at or below %d: %w", chain, h, ledger.ErrNotFound)
	}
	return cp, err
}
