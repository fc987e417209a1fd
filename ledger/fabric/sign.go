package fabric

import (
	"fmt"

	"github.com/lianjian/lianjian/ledger"
)

// Signature roles used in ledger.Signature.Role and SignedMessage.Role.
const (
	RoleCreator      = "creator"       // envelope signature by the signature header creator
	RoleEndorser     = "endorser"      // endorsement of a proposal response
	RoleConfigUpdate = "config-update" // signature on the config update a CONFIG transaction applied
	// RoleConfigSubmitter is the envelope signature of the config update
	// a CONFIG transaction applied (its last_update), by the identity that
	// submitted it to the orderer.
	RoleConfigSubmitter = "config-submitter"
	RoleOrderer         = "orderer" // block signature in metadata SIGNATURES
)

// SignedMessage is what one signature of a block covers, for a verifier.
type SignedMessage struct {
	Role string
	// Tx is the index of the transaction in Block.Txs, or -1 for a block
	// signature.
	Tx int
	// Sig is the index of the matching ledger.Signature in Tx.Sigs, or in
	// Block.Signatures when Tx is -1.
	Sig int
	// Identity is the marshalled msp.SerializedIdentity of the signer, nil
	// for a BFT block signature, which names its signer by Consenter.
	Identity  []byte
	Consenter uint32
	// Message is the exact byte string the signature was made over,
	// before any hashing.
	Message   []byte
	Signature []byte
}

// SignedMessages re-derives from b.Raw the message of every signature of
// a block decoded by this package, in order: block signatures first, then
// each transaction's signatures as they appear in Tx.Sigs. Transactions
// that failed to decode yield the messages of the signatures decoded
// before the failure, like Tx.Sigs.
func SignedMessages(b *ledger.Block) ([]SignedMessage, error) {
	if len(b.Raw) == 0 {
		return nil, ErrNoRaw
	}
	_, msgs, err := defaultDecoder.decode(b.Chain, b.Raw, true)
	if err != nil {
		return nil, fmt.Errorf("signed messages of block %d: %w", b.Height, err)
	}
	return msgs, nil
}
