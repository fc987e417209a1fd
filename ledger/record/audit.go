package record

import (
	"time"

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
	// ByHeight is set by the index on every checkpoint it stores since
	// it keeps states and key-level policies by height: a stored
	// checkpoint without it has a state the index does not read, which a
	// resumed audit must not continue.
	ByHeight bool `json:"byHeight,omitempty"`
	// HistorySince is the height of the first stored checkpoint whose
	// state and key-level policies the index still holds (the first of
	// the current generations): re-audits restore checkpoints from there
	// on.
	HistorySince uint64 `json:"historySince,omitempty"`
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
