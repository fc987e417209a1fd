package record

import (
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Fabric data the index derives from each block: the identities that
// created, endorsed or signed (with counts), their orgs, and the versions
// of the channel config.

// FabricIdentity is a certificate-holding signer seen on a Fabric chain,
// with how often it signed.
type FabricIdentity struct {
	ledger.Identity
	Chain        string `json:"chain"`
	FirstHeight  uint64 `json:"firstHeight"`
	FirstTx      string `json:"firstTx,omitempty"` // empty when first seen signing a block
	LastHeight   uint64 `json:"lastHeight"`
	Created      uint64 `json:"created"`      // transactions it created
	Endorsed     uint64 `json:"endorsed"`     // endorsements it gave
	BlocksSigned uint64 `json:"blocksSigned"` // blocks it signed as orderer
}

// FabricOrg sums the identities of one MSP seen on a chain.
type FabricOrg struct {
	MSPID        string `json:"mspId"`
	Identities   int    `json:"identities"`
	Created      uint64 `json:"created"`
	Endorsed     uint64 `json:"endorsed"`
	BlocksSigned uint64 `json:"blocksSigned"`
}

// ConfigVersion locates one stored channel config.
type ConfigVersion struct {
	Height   uint64    `json:"height"`
	Sequence uint64    `json:"sequence"`
	Time     time.Time `json:"time"`
}
