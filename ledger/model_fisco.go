package ledger

// FiscoBlock carries the FISCO BCOS-specific parts of a block.
type FiscoBlock struct {
	Version      int      `json:"version"`       // 2 or 3 (the FISCO BCOS line)
	HeaderVer    uint64   `json:"headerVersion"` // 3.x header version field (compatibility version)
	Group        string   `json:"group,omitempty"`
	ReceiptsRoot []byte   `json:"receiptsRoot,omitempty"`
	DBHash       []byte   `json:"dbHash,omitempty"` // 2.x
	ExtraData    []byte   `json:"extraData,omitempty"`
	SealerIndex  uint64   `json:"sealerIndex"`          // the proposer's index in SealerList
	SealerList   []string `json:"sealerList,omitempty"` // node ids, lower-case hex of the 64-byte public keys
	Weights      []uint64 `json:"weights,omitempty"`    // consensus weights aligned with SealerList (3.x)
	// SignerIndexes are the sealer indexes of Block.Signatures, aligned.
	SignerIndexes []uint64 `json:"signerIndexes,omitempty"`
	// Quorum is the vote weight the block needed and SignedWeight what its
	// valid, distinct sealer signatures carry.
	Quorum       uint64 `json:"quorum"`
	SignedWeight uint64 `json:"signedWeight"`
	// Receipts says whether the receipts were served and checked.
	Receipts bool `json:"receipts"`
}

// FiscoTx carries the FISCO BCOS-specific parts of a transaction.
type FiscoTx struct {
	TxVersion       uint64      `json:"txVersion"`
	ChainID         string      `json:"chainId,omitempty"`
	GroupID         string      `json:"groupId,omitempty"`
	BlockLimit      uint64      `json:"blockLimit"`
	Nonce           string      `json:"nonce"`
	ABI             string      `json:"abi,omitempty"`
	Input           []byte      `json:"input,omitempty"`
	ImportTime      uint64      `json:"importTime,omitempty"`
	Attribute       uint64      `json:"attribute,omitempty"`
	ExtraData       string      `json:"extraData,omitempty"`
	Extension       []byte      `json:"extension,omitempty"`
	Signature       []byte      `json:"signature,omitempty"`
	PublicKey       []byte      `json:"publicKey,omitempty"` // carried (SM2) or recovered (secp256k1)
	ReceiptStatus   int64       `json:"receiptStatus"`
	ReceiptHash     []byte      `json:"receiptHash,omitempty"`
	Output          []byte      `json:"output,omitempty"`
	ContractAddress string      `json:"contractAddress,omitempty"`
	Governance      *Governance `json:"governance,omitempty"`
}

// Governance is a consortium change a transaction made through a FISCO
// BCOS system (precompiled) contract.
type Governance struct {
	Contract string            `json:"contract"` // consensus, system-config, permission, committee, ...
	Action   string            `json:"action"`   // add-sealer, remove-node, set-weight, set-config, ...
	Method   string            `json:"method"`
	NodeID   string            `json:"nodeId,omitempty"`
	Weight   *uint64           `json:"weight,omitempty"`
	Key      string            `json:"key,omitempty"`
	Value    string            `json:"value,omitempty"`
	Account  string            `json:"account,omitempty"`
	Table    string            `json:"table,omitempty"` // 2.x permission table
	Args     map[string]string `json:"args,omitempty"`
	Error    string            `json:"error,omitempty"` // the call to a system contract did not decode
}
