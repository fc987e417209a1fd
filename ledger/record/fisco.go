package record

import (
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// GovernanceRecord is one consortium change a FISCO BCOS transaction made
// (or tried to make) through a system contract.
type GovernanceRecord struct {
	Chain      string            `json:"chain"`
	Height     uint64            `json:"height"`
	Index      int               `json:"index"`
	TxID       string            `json:"tx"`
	Time       time.Time         `json:"time"`
	From       string            `json:"from,omitempty"` // the sender, as recovered
	Governance ledger.Governance `json:"governance"`
	// Success says whether the chain executed the call (receipt status 0).
	Success bool   `json:"success"`
	Status  string `json:"status"` // the transaction's status text
}

// MaxSeals bounds how many blocks one Seals call reads.
const MaxSeals = 1000

// BlockSeal is how one FISCO BCOS block was sealed: its sealer list and
// the sealer signatures it carries with their verdicts.
type BlockSeal struct {
	Height       uint64
	Hash         []byte
	Time         time.Time
	Proposer     string   // node id of the sealer that proposed the block
	Sealers      []string // the block's sealer list (node ids, lower-case hex)
	Weights      []uint64 // aligned with Sealers; empty when all weigh 1
	Signers      []SealSig
	Quorum       uint64
	SignedWeight uint64
}

// SealSig is one sealer signature of a block.
type SealSig struct {
	Node    string // node id; empty when the index is outside the sealer list
	Index   uint64 // the signer's index in the sealer list
	Verdict ledger.VerdictStatus
}
