package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/storage"
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
			if err := txn.Set(verdictKey(chain, recs[i].Height), encodeAudit(nil, &recs[i])); err != nil {
				return err
			}
		}
		if err := putFindings(txn, ws); err != nil {
			return err
		}
		if cp.RecordsOnly {
			return nil
		}
		return putCheckpoint(txn, chain, cp)
	})
}

// putCheckpoint stores the audit checkpoint cp of chain with the changes
// of state and key-level policies it carries, as versions at its height
// (audit_state.go), and a copy of it for re-audits below it. It deletes a
// bounded number of keys of older generations, of history records below
// the first checkpoint of the current generations, and of the tables
// before states were kept by height (S/ and P/).
func putCheckpoint(txn kv, chain string, cp record.AuditCheckpoint) error {
	var old record.AuditCheckpoint
	err := get(txn, auditCheckpointKey(chain), &old)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return err
	}
	// What a checkpoint of the earlier layout stored is not read: start
	// new generations.
	first, legacy := err != nil, err == nil && !old.ByHeight
	cp.ByHeight, cp.HistorySince = true, old.HistorySince
	cp.KeyPolicyGen, cp.StateGen = old.KeyPolicyGen, old.StateGen
	if cp.ResetKeyPolicies || legacy {
		cp.KeyPolicyGen++
	}
	if cp.ResetState || legacy {
		cp.StateGen++
	}
	if first || cp.KeyPolicyGen != old.KeyPolicyGen || cp.StateGen != old.StateGen {
		cp.HistorySince = cp.Height
	}
	if err := putKeyPolicyVersions(txn, chain, cp.KeyPolicyGen, cp.Height, cp.KeyPolicies); err != nil {
		return err
	}
	if err := putStateVersions(txn, chain, cp.StateGen, cp.Height, cp.State); err != nil {
		return err
	}
	for _, s := range [][2][]byte{
		{keyPolicyVersionPrefix(chain), keyPolicyVersionGenPrefix(chain, cp.KeyPolicyGen)},
		{stateVersionPrefix(chain), stateVersionGenPrefix(chain, cp.StateGen)},
		{auditHistoryPrefix(chain), auditHistoryKey(chain, cp.HistorySince)},
		{keyPolicyPrefix(chain), nil},
		{auditStatePrefix(chain), nil},
	} {
		if err := deleteStale(txn, s[0], s[1]); err != nil {
			return err
		}
	}
	if err := put(txn, auditHistoryKey(chain, cp.Height), cp); err != nil {
		return err
	}
	return put(txn, auditCheckpointKey(chain), cp)
}

// staleBatch bounds how many keys of one table one PutAudit deletes.
const staleBatch = 1024

// deleteStale deletes up to staleBatch keys under prefix that sort
// before current (all of them when current is nil). Read keys only, and
// stop at current.
func deleteStale(txn kv, prefix, current []byte) error {
	var stale [][]byte
	it := txn.NewIterator(prefix, nil, false)
	for len(stale) < staleBatch && it.Next() {
		k := it.Key()
		if current != nil && bytes.Compare(k, current) >= 0 {
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

// Audit returns the stored audit of the block of chain at height.
func (d *DB) Audit(ctx context.Context, chain string, height uint64) (*record.AuditRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec record.AuditRecord
	err := d.view(func(txn kv) error {
		v, err := txn.Get(verdictKey(chain, height))
		if errors.Is(err, storage.ErrNotFound) {
			return ledger.ErrNotFound
		}
		if err != nil {
			return err
		}
		return decodeAudit(v, chain, height, &rec)
	})
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
