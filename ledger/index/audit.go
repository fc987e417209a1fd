package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// PutAudit stores the audit records of blocks of chain, the findings they
// raised and the new audit checkpoint, atomically. Records replace earlier
// audits of the same heights; findings merge as in PutFindings.
func (d *DB) PutAudit(ctx context.Context, chain string, recs []record.AuditRecord, fs []ledger.Finding, cp record.AuditCheckpoint) error {
	if !ledger.ValidChainID(chain) {
		return fmt.Errorf("%w: chain id %q", ledger.ErrInvalid, chain)
	}
	return d.withFindings(ctx, fs, func(ws []supervise.Write) error { return d.putAudit(ctx, chain, recs, ws, cp) })
}

// putAudit is one attempt of PutAudit, storing the findings as decided in
// ws.
func (d *DB) putAudit(ctx context.Context, chain string, recs []record.AuditRecord, ws []supervise.Write, cp record.AuditCheckpoint) error {
	return d.update(ctx, func(txn kv) error {
		for i := range recs {
			if recs[i].Chain != chain {
				return fmt.Errorf("%w: audit record of chain %q stored under %q", ledger.ErrInvalid, recs[i].Chain, chain)
			}
			if err := put(txn, verdictKey(chain, recs[i].Height), &recs[i]); err != nil {
				return err
			}
		}
		if err := putFindings(txn, ws); err != nil {
			return err
		}
		if cp.RecordsOnly {
			return nil
		}
		var old record.AuditCheckpoint
		if err := get(txn, auditCheckpointKey(chain), &old); err != nil && !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		cp.KeyPolicyGen = old.KeyPolicyGen
		if cp.ResetKeyPolicies {
			cp.KeyPolicyGen++
		}
		if err := putKeyPolicies(txn, chain, cp.KeyPolicyGen, cp.KeyPolicies); err != nil {
			return err
		}
		cp.StateGen = old.StateGen
		if cp.ResetState {
			cp.StateGen++
		}
		if err := putState(txn, chain, cp.StateGen, cp.State); err != nil {
			return err
		}
		return put(txn, auditCheckpointKey(chain), cp)
	})
}

// putState applies world-state changes to generation gen and deletes up
// to staleKeyPolicyBatch keys of other generations.
func putState(txn kv, chain string, gen uint64, es []record.StateEntry) error {
	for i := range es {
		e := &es[i]
		if strings.ContainsRune(e.Namespace, 0) || strings.ContainsRune(e.Collection, 0) {
			return fmt.Errorf("%w: state key in namespace %q collection %q", ledger.ErrInvalid, e.Namespace, e.Collection)
		}
		k := auditStateKey(chain, gen, e.Namespace, e.Collection, e.Key)
		if e.Deleted {
			if err := txn.Delete(k); err != nil {
				return err
			}
			continue
		}
		if err := put(txn, k, e); err != nil {
			return err
		}
	}
	return deleteStale(txn, auditStatePrefix(chain), auditStateGenPrefix(chain, gen))
}

// AuditState returns the stored world-state entry of one key, in the
// generation of the stored audit checkpoint of chain; found is false when
// the state holds no such key.
func (d *DB) AuditState(ctx context.Context, chain, ns, coll string, k []byte) (e record.StateEntry, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return e, false, err
	}
	err = d.view(func(txn kv) error {
		var cp record.AuditCheckpoint
		if err := get(txn, auditCheckpointKey(chain), &cp); err != nil {
			return err
		}
		return get(txn, auditStateKey(chain, cp.StateGen, ns, coll, k), &e)
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return e, false, nil
	}
	return e, err == nil, err
}

// staleKeyPolicyBatch bounds how many key-level policies of older
// generations one PutAudit deletes.
const staleKeyPolicyBatch = 1024

// putKeyPolicies applies key-level policy changes to generation gen and
// deletes up to staleKeyPolicyBatch policies of other generations.
func putKeyPolicies(txn kv, chain string, gen uint64, kps []record.KeyPolicy) error {
	for i := range kps {
		k := keyPolicyKey(chain, gen, kps[i].Namespace, kps[i].Collection, kps[i].Key)
		if kps[i].Policy == nil {
			if err := txn.Delete(k); err != nil {
				return err
			}
			continue
		}
		if err := put(txn, k, &kps[i]); err != nil {
			return err
		}
	}
	return deleteStale(txn, keyPolicyPrefix(chain), keyPolicyGenPrefix(chain, gen))
}

// deleteStale deletes up to staleKeyPolicyBatch keys under prefix of
// generations older than the one under current. Older generations sort
// before the current one: read keys only, and stop at the current
// generation.
func deleteStale(txn kv, prefix, current []byte) error {
	var stale [][]byte
	it := txn.NewIterator(prefix, nil, false)
	for len(stale) < staleKeyPolicyBatch && it.Next() {
		k := it.Key()
		if bytes.Compare(k, current) >= 0 {
			break
		}
		stale = append(stale, bytes.Clone(k))
	}
	it.Release()
	for _, k := range stale {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
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
		if err := get(txn, auditCheckpointKey(chain), &cp); err != nil {
			if errors.Is(err, ledger.ErrNotFound) {
				return nil
			}
			return err
		}
		return scan(txn, keyPolicyGenPrefix(chain, cp.KeyPolicyGen), nil, func(k, v []byte) (bool, error) {
			var kp record.KeyPolicy
			if err := json.Unmarshal(v, &kp); err != nil {
				return false, fmt.Errorf("key-level policy %q: %w", k, err)
			}
			out = append(out, kp)
			return true, nil
		})
	})
	return out, err
}

// Audit returns the stored audit of the block of chain at height.
func (d *DB) Audit(ctx context.Context, chain string, height uint64) (*record.AuditRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec record.AuditRecord
	err := d.view(func(txn kv) error { return get(txn, verdictKey(chain, height), &rec) })
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("audit of block %d of %s: %w", height, chain, ledger.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// TxAudit returns the stored audit verdict of transaction id of chain.
func (d *DB) TxAudit(ctx context.Context, chain, id string) (*record.TxAudit, error) {
	tx, err := d.Tx(ctx, chain, id)
	if err != nil {
		return nil, err
	}
	rec, err := d.Audit(ctx, chain, tx.Height)
	if err != nil {
		return nil, err
	}
	if tx.Index < 0 || tx.Index >= len(rec.Txs) || rec.Txs[tx.Index].ID != tx.ID {
		return nil, fmt.Errorf("audit of tx %s of %s: %w", id, chain, ledger.ErrNotFound)
	}
	return &rec.Txs[tx.Index], nil
}

// AuditCheckpoint returns how far the auditor got on chain; ErrNotFound
// when it never ran.
func (d *DB) AuditCheckpoint(ctx context.Context, chain string) (record.AuditCheckpoint, error) {
	if err := ctx.Err(); err != nil {
		return record.AuditCheckpoint{}, err
	}
	var cp record.AuditCheckpoint
	err := d.view(func(txn kv) error { return get(txn, auditCheckpointKey(chain), &cp) })
	if errors.Is(err, ledger.ErrNotFound) {
		return cp, fmt.Errorf("audit checkpoint of %s: %w", chain, ledger.ErrNotFound)
	}
	return cp, err
}

// AuditVerdicts returns the audit verdict of the block at height and of
// each of its transactions by id, with the time of the audit, for readers
// that do not know record.AuditRecord (the API).
func (d *DB) AuditVerdicts(ctx context.Context, chain string, height uint64) (ledger.Verdict, map[string]ledger.Verdict, time.Time, error) {
	rec, err := d.Audit(ctx, chain, height)
	if err != nil {
		return ledger.Verdict{}, nil, time.Time{}, err
	}
	txs := make(map[string]ledger.Verdict, len(rec.Txs))
	for _, t := range rec.Txs {
		txs[t.ID] = t.Verdict
	}
	return rec.Verdict, txs, rec.At, nil
}
