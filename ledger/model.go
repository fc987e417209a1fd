package ledger

import (
	"time"
)

// Kind names the family of a supervised chain.
type Kind string

// Chain kinds.
const (
	KindEVM    Kind = "evm"
	KindFabric Kind = "fabric"
	KindFisco  Kind = "fisco"
)

// Crypto names the cryptographic profile a chain is declared to follow.
type Crypto string

// Crypto profiles.
const (
	CryptoIntl Crypto = "intl" // international algorithms (ECDSA, secp256k1, SHA-2, Keccak)
	CryptoGM   Crypto = "gm"   // Chinese national algorithms (SM2, SM3)
)

// Chain is one height-ordered ledger under supervision. A Fabric network
// with several channels is several chains that share a Network name.
type Chain struct {
	ID      string `json:"id"`
	Kind    Kind   `json:"kind"`
	Name    string `json:"name,omitempty"`
	Network string `json:"network,omitempty"` // Fabric network (or EVM network) the chain belongs to
	Channel string `json:"channel,omitempty"` // Fabric channel name
	Crypto  Crypto `json:"crypto"`
	ChainID uint64 `json:"chainId,omitempty"` // EVM chain id (EIP-155)
	Group   string `json:"group,omitempty"`   // FISCO BCOS group (3.x group name, 2.x group id)
}

// Block is one block as ingested, converted to the chain-neutral model.
// Raw holds the original bytes exactly as served so that they can be
// re-verified later without asking the node again.
type Block struct {
	Chain      string       `json:"chain"`
	Height     uint64       `json:"height"`
	Hash       []byte       `json:"hash"`
	ParentHash []byte       `json:"parentHash"`
	DataHash   []byte       `json:"dataHash,omitempty"` // Fabric data hash, EVM transactions root
	StateRoot  []byte       `json:"stateRoot,omitempty"`
	Time       time.Time    `json:"time"`
	Proposer   string       `json:"proposer,omitempty"` // EVM coinbase / Clique signer
	GasUsed    uint64       `json:"gasUsed,omitempty"`
	GasLimit   uint64       `json:"gasLimit,omitempty"`
	BaseFee    string       `json:"baseFee,omitempty"`
	TxCount    int          `json:"txCount"`
	Signatures []Signature  `json:"signatures,omitempty"` // orderer or validator signatures
	Txs        []Tx         `json:"txs"`
	Contracts  []Contract   `json:"contracts,omitempty"` // contracts created in this block
	Config     *Config      `json:"config,omitempty"`    // Fabric channel config carried by a CONFIG block
	Fabric     *FabricBlock `json:"fabric,omitempty"`
	Fisco      *FiscoBlock  `json:"fisco,omitempty"`
	EVM        *EVMBlock    `json:"evm,omitempty"`
	Verdict    Verdict      `json:"verdict"`
	Findings   []Finding    `json:"-"` // findings raised while ingesting this block; stored separately
	Raw        []byte       `json:"raw,omitempty"`
}

// Tx is one transaction in the chain-neutral model.
type Tx struct {
	ID       string      `json:"id"` // EVM hash or Fabric txid, lower-case hex
	Chain    string      `json:"chain"`
	Height   uint64      `json:"height"`
	Index    int         `json:"index"`
	Type     string      `json:"type"` // EVM: legacy, access-list, dynamic-fee, blob, set-code; Fabric: ENDORSER_TRANSACTION, CONFIG, ...
	Time     time.Time   `json:"time"`
	Creator  *Identity   `json:"creator,omitempty"`
	From     string      `json:"from,omitempty"` // EVM sender as recovered by us
	To       string      `json:"to,omitempty"`   // EVM recipient; empty for contract creation
	Contract string      `json:"contract,omitempty"`
	Function string      `json:"function,omitempty"`
	Value    string      `json:"value,omitempty"` // decimal wei
	Nonce    uint64      `json:"nonce"`
	Gas      uint64      `json:"gas,omitempty"`
	GasUsed  uint64      `json:"gasUsed,omitempty"`
	GasPrice string      `json:"gasPrice,omitempty"`
	Status   string      `json:"status"` // EVM: success|failed; Fabric: validation code name
	Valid    bool        `json:"valid"`
	Logs     []Log       `json:"logs,omitempty"`
	Sigs     []Signature `json:"signatures,omitempty"`
	Fabric   *FabricTx   `json:"fabric,omitempty"`
	Fisco    *FiscoTx    `json:"fisco,omitempty"`
	Verdict  Verdict     `json:"verdict"`
	Raw      []byte      `json:"raw,omitempty"`
}

// Log is an EVM event log.
type Log struct {
	Address string   `json:"address"`
	Topics  []string `json:"topics"`
	Data    []byte   `json:"data"`
	Index   uint     `json:"index"`
}

// Identity is a signer: a certificate-holding member of an MSP, or an
// EVM account.
type Identity struct {
	MSPID        string    `json:"mspId,omitempty"`
	Address      string    `json:"address,omitempty"`
	Cert         []byte    `json:"cert,omitempty"` // DER
	Subject      string    `json:"subject,omitempty"`
	Issuer       string    `json:"issuer,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	Fingerprint  string    `json:"fingerprint,omitempty"` // hex SHA-256 of the DER certificate
	NotBefore    time.Time `json:"notBefore,omitzero"`
	NotAfter     time.Time `json:"notAfter,omitzero"`
	KeyAlgorithm string    `json:"keyAlgorithm,omitempty"` // SM2, ECDSA-P256, secp256k1, Ed25519, RSA
	OUs          []string  `json:"ous,omitempty"`
}

// Signature is one signature carried by a block or a transaction.
type Signature struct {
	Role      string   `json:"role"` // creator, endorser, orderer, sender, validator
	Signer    Identity `json:"signer"`
	Algorithm string   `json:"algorithm"` // SM2-SM3, ECDSA-P256-SHA256, secp256k1-keccak
	Value     []byte   `json:"value"`
	Verdict   Verdict  `json:"verdict"`
}

// Verdict states what verification concluded about an object.
type Verdict struct {
	Status VerdictStatus `json:"status"`
	Checks []Check       `json:"checks,omitempty"`
}

// VerdictStatus is the summary of a Verdict.
type VerdictStatus string

// Verdict statuses.
const (
	Unverified VerdictStatus = ""
	Verified   VerdictStatus = "verified"
	Failed     VerdictStatus = "failed"
)

// Check is one verification step and its result.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Add records a check and keeps the summary status consistent: one failed
// check fails the whole verdict.
func (v *Verdict) Add(name string, ok bool, detail string) {
	v.Checks = append(v.Checks, Check{Name: name, OK: ok, Detail: detail})
	switch {
	case !ok:
		v.Status = Failed
	case v.Status == Unverified:
		v.Status = Verified
	}
}

// Check records the outcome of rule r's check: a check of a rule that
// Verifies joins the verdict (Add); a risk rule's check does not, so a
// risk never fails the object (its finding is shown beside the verdict).
// It reports whether the check joined the verdict.
func (v *Verdict) Check(r *RuleInfo, name string, ok bool, detail string) bool {
	if !r.Verifies() {
		return false
	}
	v.Add(name, ok, detail)
	return true
}

// Combine is the one verification status of an object checked in more
// than one pass (ingest, then the auditor's re-verification): failed when
// any pass failed, verified when a pass verified it and none failed,
// unverified otherwise. The checks of every pass are kept, in order.
func Combine(vs ...Verdict) Verdict {
	var out Verdict
	for _, v := range vs {
		switch {
		case v.Status == Failed:
			out.Status = Failed
		case v.Status == Verified && out.Status == Unverified:
			out.Status = Verified
		}
		out.Checks = append(out.Checks, v.Checks...)
	}
	return out
}

// Contract is a deployed EVM contract or a Fabric chaincode definition.
type Contract struct {
	Chain    string    `json:"chain"`
	Address  string    `json:"address"` // EVM address or chaincode name
	Version  string    `json:"version,omitempty"`
	Sequence uint64    `json:"sequence,omitempty"`
	Creator  string    `json:"creator,omitempty"`
	DeployTx string    `json:"deployTx"`
	Height   uint64    `json:"height"`
	Time     time.Time `json:"time"`
	CodeHash []byte    `json:"codeHash,omitempty"`
	// CodeAt says which state the code was read from when not the
	// creating block ("latest" when the node had pruned older state).
	CodeAt      string   `json:"codeAt,omitempty"`
	Code        []byte   `json:"code,omitempty"`
	Policy      string   `json:"policy,omitempty"` // Fabric endorsement policy
	Collections []string `json:"collections,omitempty"`
}

// Reorg records a chain reorganisation seen during ingest.
type Reorg struct {
	Chain     string    `json:"chain"`
	Ancestor  uint64    `json:"ancestor"` // height of the common ancestor
	Depth     int       `json:"depth"`    // blocks rolled back
	OldHashes [][]byte  `json:"oldHashes"`
	NewHashes [][]byte  `json:"newHashes"`
	Time      time.Time `json:"time"`
}
