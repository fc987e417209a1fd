package main

// Block is one block as stored in the data directory and served over
// JSON-RPC. Fields of both lines sit side by side; each line uses its
// own. Byte fields are raw bytes (base64 in the data file).
type Block struct {
	Number     int64    `json:"number"`
	Hash       []byte   `json:"hash"`
	ParentHash []byte   `json:"parentHash"`
	Timestamp  int64    `json:"timestamp"` // milliseconds
	Sealer     int64    `json:"sealer"`
	SealerList [][]byte `json:"sealerList"`
	// Weights are the 3.x consensusWeights, one per sealer.
	Weights      []int64   `json:"weights,omitempty"`
	TxsRoot      []byte    `json:"txsRoot"`
	ReceiptsRoot []byte    `json:"receiptsRoot"`
	StateRoot    []byte    `json:"stateRoot"`
	DBHash       []byte    `json:"dbHash,omitempty"`  // 2.x
	Bloom        []byte    `json:"bloom,omitempty"`   // 2.x, 256 bytes
	GasUsed      int64     `json:"gasUsed"`           // 3.x genesis: hashed as ""
	Extra        [][]byte  `json:"extra"`             // 3.x: exactly one element
	Version      int64     `json:"version,omitempty"` // 3.x header version
	Sigs         []Sig     `json:"sigs"`
	Txs          []Tx      `json:"txs"`
	Receipts     []Receipt `json:"receipts"`
	// Gov lists the governance operations the block's transactions made;
	// they take effect from the next block.
	Gov []GovOp `json:"gov,omitempty"`
}

// Sig is a sealer's signature over the block hash.
type Sig struct {
	Index int64  `json:"index"`
	Sig   []byte `json:"sig"`
}

// Tx is a signed transaction.
type Tx struct {
	Hash       []byte `json:"hash"`
	From       []byte `json:"from"`
	Signature  []byte `json:"signature"`
	ImportTime int64  `json:"importTime,omitempty"` // 3.x
	Input      []byte `json:"input"`
	// 3.x TARS TransactionData fields, exactly as hashed.
	Version    int32  `json:"version,omitempty"`
	ChainID    string `json:"chainID,omitempty"`
	GroupID    string `json:"groupID,omitempty"`
	BlockLimit int64  `json:"blockLimit"`
	Nonce      string `json:"nonce,omitempty"` // 3.x nonce string; 2.x decimal u256
	To         string `json:"to,omitempty"`    // 3.x: 40 hex chars without 0x, "" for a deployment
	Abi        string `json:"abi,omitempty"`
	ExtraData  string `json:"extraData,omitempty"`
	// 2.x RLP fields (the nonce is the decimal Nonce above).
	GasPrice int64  `json:"gasPrice,omitempty"`
	Gas      int64  `json:"gas,omitempty"`
	To2      []byte `json:"to2,omitempty"` // 20 bytes, nil for a deployment
	ChainID2 int64  `json:"chainId,omitempty"`
	GroupID2 int64  `json:"groupId,omitempty"`
	Extra2   []byte `json:"extra2,omitempty"`
	V        []byte `json:"v,omitempty"` // 2.x: recovery id (1 byte) or SM2 public key
	RLP      []byte `json:"rlp,omitempty"`
}

// Receipt is a transaction receipt.
type Receipt struct {
	Hash            []byte `json:"hash"`
	Version         int32  `json:"version"`
	GasUsed         int64  `json:"gasUsed"`
	RemainGas       int64  `json:"remainGas,omitempty"` // 2.x (from 2.9.0)
	ContractAddress []byte `json:"contractAddress,omitempty"`
	Status          int32  `json:"status"`
	Output          []byte `json:"output"`
	Logs            []Log  `json:"logs"`
	Bloom           []byte `json:"bloom,omitempty"` // 2.x
}

// Log is an event log entry.
type Log struct {
	Address []byte   `json:"address"`
	Topics  [][]byte `json:"topics"`
	Data    []byte   `json:"data"`
}

// GovOp is a governance operation: addSealer, addObserver, remove,
// setWeight or setConfig.
type GovOp struct {
	Op     string `json:"op"`
	Node   int    `json:"node,omitempty"` // node key index
	Weight int64  `json:"weight,omitempty"`
	Key    string `json:"key,omitempty"`
	Value  string `json:"value,omitempty"`
}
