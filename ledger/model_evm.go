package ledger

// EVMBlock holds header fields of an EVM block that consensus checks
// read (Clique, EIP-225), as the EVM adapter decoded them from the header.
type EVMBlock struct {
	// Difficulty is the header's difficulty (capped at the largest
	// uint64): on a Clique chain 2 when the in-turn signer sealed the
	// block and 1 when another signer did, 0 after the merge.
	Difficulty uint64 `json:"difficulty"`
	// Signers are the signer addresses (lower-case 0x hex) a Clique
	// checkpoint block lists in its extraData, between the 32-byte vanity
	// and the 65-byte seal; nil when extraData holds no such list.
	Signers []string `json:"signers,omitempty"`
}
