package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	// CustomValidation names the validation plugin of chaincodes defined
	// with one other than Fabric's built-in "vscc".
	CustomValidation map[string]string `json:"customValidation,omitempty"`
	// Collections holds the Collections field of each chaincode
	// definition (a marshalled lifecycle.StateData holding its
	// CollectionConfigPackage: collection endorsement policies and
	// BlockToLive), as last committed.
	Collections map[string][]byte `json:"collectionConfigs,omitempty"`
	// KeyPolicies holds key-level endorsement policies in force at Height,
	// each stored under its own key rather than in the checkpoint record,
	// so that an audit writes only what changed. Given to PutAudit, they
	// are changes: an entry with a nil Policy removes the key's policy.
	// AuditKeyPolicies returns all of them.
	KeyPolicies []KeyPolicy `json:"-"`
	// RecordsOnly makes PutAudit store the records and findings and leave
	// the stored checkpoint (and key-level policies) alone: a re-audit of
	// history below it must not move it back.
	RecordsOnly bool `json:"-"`
	// ResetKeyPolicies makes PutAudit replace every stored key-level
	// policy of the chain with KeyPolicies: the audit did not continue
	// from the stored state, so KeyPolicies is its whole state.
	ResetKeyPolicies bool `json:"-"`
	// KeyPolicyGen is the generation the stored key-level policies belong
	// to. A reset starts a new one; keys of older generations are deleted
	// a bounded number per PutAudit, so that no write grows with the
	// number of keys.
	KeyPolicyGen uint64 `json:"keyPolicyGen,omitempty"`
	// EndorsementComplete is set when the audit saw every key-level policy
	// from the genesis block on, so a key without one in KeyPolicies has
	// none.
	EndorsementComplete bool `json:"endorsementComplete,omitempty"`
	// State holds the changes to the replayed world state since the
	// previous checkpoint, each stored under its own key (as KeyPolicies),
	// so that a resumed audit reads the keys it needs instead of holding
	// the state in memory. An entry with Deleted set removes the key.
	State []StateEntry `json:"-"`
	// ResetState makes PutAudit start a new generation of the stored
	// state, holding State only: the audit's state does not continue the
	// stored one.
	ResetState bool `json:"-"`
	// StateGen is the generation the stored state belongs to; keys of
	// older generations are deleted a bounded number per PutAudit.
	StateGen uint64 `json:"stateGen,omitempty"`
	// StateComplete is set when the stored state holds every key of the
	// world state at Height (the replay started at the genesis block and
	// lost nothing since), so a key it lacks does not exist.
	StateComplete bool `json:"stateComplete,omitempty"`
}

// StateEntry is one key of the world state an audit replays (a public key,
// or the hash of a private key in a collection): its value and version.
type StateEntry struct {
	Namespace  string `json:"namespace"`
	Collection string `json:"collection,omitempty"`
	Key        []byte `json:"key"`
	Value      []byte `json:"value,omitempty"`
	Block      uint64 `json:"block"`
	Tx         uint64 `json:"tx"`
	// Doubt marks a key written by a transaction recorded invalid whose
	// invalidity the audit could not confirm: its version is not known.
	Doubt bool `json:"doubt,omitempty"`
	// Deleted removes the key (given to PutAudit only).
	Deleted bool `json:"-"`
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
	// Written is the block of the key's last write, from which a private
	// key's BlockToLive counts.
	Written uint64 `json:"written,omitempty"`
}

// PutAudit stores the audit records of blocks of chain, the findings they
// raised and the new audit checkpoint, atomically. Records replace earlier
// audits of the same heights; findings merge as in PutFindings.
func (d *DB) PutAudit(ctx context.Context, chain string, recs []AuditRecord, fs []ledger.Finding, cp AuditCheckpoint) error {
	if !ValidChainID(chain) {
		return fmt.Errorf("%w: chain id %q", ledger.ErrInvalid, chain)
	}
	return d.update(ctx, func(txn kv) error {
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
		if cp.RecordsOnly {
			return nil
		}
		var old AuditCheckpoint
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
func putState(txn kv, chain string, gen uint64, es []StateEntry) error {
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
func (d *DB) AuditState(ctx context.Context, chain, ns, coll string, k []byte) (e StateEntry, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return e, false, err
	}
	err = d.view(func(txn kv) error {
		var cp AuditCheckpoint
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
func putKeyPolicies(txn kv, chain string, gen uint64, kps []KeyPolicy) error {
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
	opts := badger.DefaultIteratorOptions
	opts.Prefix, opts.PrefetchValues = prefix, false
	it := txn.NewIterator(opts)
	for it.Rewind(); it.Valid() && len(stale) < staleKeyPolicyBatch; it.Next() {
		k := it.Item().Key()
		if bytes.Compare(k, current) >= 0 {
			break
		}
		stale = append(stale, bytes.Clone(k))
	}
	it.Close()
	for _, k := range stale {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// AuditKeyPolicies returns the key-level endorsement policies stored with
// the audit checkpoint of chain.
func (d *DB) AuditKeyPolicies(ctx context.Context, chain string) ([]KeyPolicy, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []KeyPolicy
	err := d.view(func(txn kv) error {
		var cp AuditCheckpoint
		if err := get(txn, auditCheckpointKey(chain), &cp); err != nil {
			if errors.Is(err, ledger.ErrNotFound) {
				return nil
			}
			return err
		}
		return scan(txn, keyPolicyGenPrefix(chain, cp.KeyPolicyGen), nil, func(k, v []byte) (bool, error) {
			var kp KeyPolicy
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
func (d *DB) Audit(ctx context.Context, chain string, height uint64) (*AuditRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec AuditRecord
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
	err := d.view(func(txn kv) error { return get(txn, auditCheckpointKey(chain), &cp) })
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
