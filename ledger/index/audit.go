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

// AuditRecord is the stored audit of one block: the block verdict, the
// verdict of each transaction and the ids of the findings it raised.
type AuditRecord struct {
	Chain      string         `json:"chain"`
	Height     uint64         `json:"height"`
	Hash       []byte         `json:"hash,omitempty"`
	Verdict    ledger.Verdict `json:"verdict"`
	Txs        []TxAudit      `json:"txs,omitempty"`
	Findings   []string       `json:"findings,omitempty"`
	Signatures int            `json:"signatures"`
	At         time.Time      `json:"at"`
}

// TxAudit is the audit verdict of one transaction.
type TxAudit struct {
	Index   int            `json:"index"`
	ID      string         `json:"id"`
	Verdict ledger.Verdict `json:"verdict"`
}

// AuditCheckpoint is how far the auditor got on a chain, with the state a
// later audit resumes from.
type AuditCheckpoint struct {
	Height uint64    `json:"height"`
	At     time.Time `json:"at"`
	// Chaincodes holds the endorsement policy (a marshalled
	// peer.ApplicationPolicy) of each chaincode defined up to Height.
	Chaincodes map[string][]byte `json:"chaincodes,omitempty"`
	// SM2PreHash is the SM2 pre-hash convention pinned for the chain by
	// the audit so far (empty before the first SM2 signature).
	SM2PreHash string `json:"sm2PreHash,omitempty"`
	// Collections holds the collection-level endorsement policies
	// (marshalled peer.ApplicationPolicy) of each chaincode, by collection.
	Collections map[string]map[string][]byte `json:"collections,omitempty"`
	// KeyPolicies holds the key-level endorsement policies in force at
	// Height, each stored under its own key rather than in the checkpoint
	// record, so that an audit writes only what changed. AuditCheckpoint
	// returns all of them. Given to PutAudit, they are changes: an entry
	// with a nil Policy removes the key's policy.
	KeyPolicies []KeyPolicy `json:"-"`
	// ResetKeyPolicies makes PutAudit drop every stored key-level policy of
	// the chain before applying KeyPolicies: the audit did not continue
	// from the stored state, so KeyPolicies is its whole state.
	ResetKeyPolicies bool `json:"-"`
	// EndorsementComplete is set when the audit saw every key-level policy
	// from the genesis block on, so a key without one in KeyPolicies has
	// none.
	EndorsementComplete bool `json:"endorsementComplete,omitempty"`
}

// KeyPolicy is the key-level endorsement policy of one key: its
// VALIDATION_PARAMETER metadata, a marshalled SignaturePolicyEnvelope.
type KeyPolicy struct {
	Namespace  string `json:"namespace"`
	Collection string `json:"collection,omitempty"`
	Key        []byte `json:"key"` // the key, or the key hash in a collection
	Policy     []byte `json:"policy"`
	// Uncertain is set when the policy was written by a metadata-only
	// update of a key not known to exist then, which Fabric ignores when
	// the key does not exist.
	Uncertain bool `json:"uncertain,omitempty"`
}

// PutAudit stores the audit records of blocks of chain, the findings they
// raised and the new audit checkpoint, atomically. Records replace earlier
// audits of the same heights; findings merge as in PutFindings.
func (d *DB) PutAudit(ctx context.Context, chain string, recs []AuditRecord, fs []ledger.Finding, cp AuditCheckpoint) error {
	if !ValidChainID(chain) {
		return fmt.Errorf("%w: chain id %q", ledger.ErrInvalid, chain)
	}
	return d.update(ctx, func(txn *badger.Txn) error {
		for i := range recs {
			if recs[i].Chain != chain {
				return fmt.Errorf("%w: audit record of chain %q stored under %q", ledger.ErrInvalid, recs[i].Chain, chain)
			}
			if err := put(txn, verdictKey(chain, recs[i].Height), &recs[i]); err != nil {
				return err
			}
		}
		if err := putFindings(txn, fs); err != nil {
			return err
		}
		if err := putKeyPolicies(txn, chain, cp.KeyPolicies, cp.ResetKeyPolicies); err != nil {
			return err
		}
		return put(txn, auditCheckpointKey(chain), cp)
	})
}

// putKeyPolicies applies key-level policy changes, after dropping every
// stored policy of chain when reset is set.
func putKeyPolicies(txn *badger.Txn, chain string, kps []KeyPolicy, reset bool) error {
	if reset {
		var stale [][]byte
		err := scan(txn, keyPolicyPrefix(chain), nil, func(k, _ []byte) (bool, error) {
			stale = append(stale, k)
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
	}
	for i := range kps {
		k := keyPolicyKey(chain, kps[i].Namespace, kps[i].Collection, kps[i].Key)
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
	return nil
}

// Audit returns the stored audit of the block of chain at height.
func (d *DB) Audit(ctx context.Context, chain string, height uint64) (*AuditRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec AuditRecord
	err := d.view(func(txn *badger.Txn) error { return get(txn, verdictKey(chain, height), &rec) })
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("audit of block %d of %s: %w", height, chain, ledger.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// TxAudit returns the stored audit verdict of transaction id of chain.
func (d *DB) TxAudit(ctx context.Context, chain, id string) (*TxAudit, error) {
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
func (d *DB) AuditCheckpoint(ctx context.Context, chain string) (AuditCheckpoint, error) {
	if err := ctx.Err(); err != nil {
		return AuditCheckpoint{}, err
	}
	var cp AuditCheckpoint
	err := d.view(func(txn *badger.Txn) error {
		if err := get(txn, auditCheckpointKey(chain), &cp); err != nil {
			return err
		}
		return scan(txn, keyPolicyPrefix(chain), nil, func(k, v []byte) (bool, error) {
			var kp KeyPolicy
			if err := json.Unmarshal(v, &kp); err != nil {
				return false, fmt.Errorf("key-level policy %q: %w", k, err)
			}
			cp.KeyPolicies = append(cp.KeyPolicies, kp)
			return true, nil
		})
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return cp, fmt.Errorf("audit checkpoint of %s: %w", chain, ledger.ErrNotFound)
	}
	return cp, err
}

// AuditVerdicts returns the audit verdict of the block at height and of
// each of its transactions by id, with the time of the audit, for readers
// that do not know AuditRecord (the API).
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
