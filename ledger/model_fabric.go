package ledger

import "time"

// FabricBlock carries the Fabric-specific parts of a block.
type FabricBlock struct {
	Channel        string   `json:"channel"`
	LastConfig     uint64   `json:"lastConfig"`
	TxFilter       []byte   `json:"txFilter,omitempty"`   // TRANSACTIONS_FILTER: one validation code per tx (peer copy only)
	CommitHash     []byte   `json:"commitHash,omitempty"` // COMMIT_HASH metadata (peer copy only)
	IsConfig       bool     `json:"isConfig"`
	ConsenterIDs   []uint32 `json:"consenterIds,omitempty"` // BFT identifier headers, aligned with Block.Signatures
	OrdererType    string   `json:"ordererType,omitempty"`
	HeaderHashAlgo string   `json:"headerHashAlgo,omitempty"`
	// CommitHashError says why the COMMIT_HASH metadata did not decode
	// (CommitHash is then nil). No signature covers it, so the rest of
	// the block is decoded regardless.
	CommitHashError string `json:"commitHashError,omitempty"`
}

// FabricTx carries the Fabric-specific parts of a transaction.
type FabricTx struct {
	Channel          string        `json:"channel"`
	HeaderType       string        `json:"headerType"`
	Nonce            []byte        `json:"nonce,omitempty"`
	ValidationCode   int32         `json:"validationCode"`
	Chaincode        string        `json:"chaincode,omitempty"`
	ChaincodeVersion string        `json:"chaincodeVersion,omitempty"`
	Args             [][]byte      `json:"args,omitempty"` // chaincode arguments after the function name (Tx.Function)
	RWSets           []NsRWSet     `json:"rwsets,omitempty"`
	Events           []FabricEvent `json:"events,omitempty"`
	Endorsements     []Signature   `json:"-"` // also present in Tx.Sigs with role "endorser"
	Response         *Response     `json:"response,omitempty"`
	DecodeError      string        `json:"decodeError,omitempty"` // why the envelope did not fully decode; fields before the failure are kept
	// ExtraBytes counts the bytes of the marshalled envelope outside its
	// one payload and one signature, which no signature covers.
	ExtraBytes int `json:"extraBytes,omitempty"`
	// EnvelopeError says why the envelope's top-level fields do not
	// parse (ExtraBytes then counts the bytes from the failure on).
	EnvelopeError string `json:"envelopeError,omitempty"`
}

// Response is the chaincode response recorded in a proposal response.
type Response struct {
	Status  int32  `json:"status"`
	Message string `json:"message,omitempty"`
	Payload []byte `json:"payload,omitempty"`
}

// NsRWSet is the read/write set of one chaincode namespace.
type NsRWSet struct {
	Namespace   string         `json:"namespace"`
	Reads       []KVRead       `json:"reads,omitempty"`
	Writes      []KVWrite      `json:"writes,omitempty"`
	RangeReads  []RangeRead    `json:"rangeReads,omitempty"`
	MetaWrites  []KVMetaWrite  `json:"metaWrites,omitempty"`
	Collections []CollHashedRW `json:"collections,omitempty"`
}

// KVRead is a key read with the version it was read at.
type KVRead struct {
	Key      string `json:"key"`
	BlockNum uint64 `json:"blockNum"`
	TxNum    uint64 `json:"txNum"`
	Missing  bool   `json:"missing,omitempty"`
}

// KVWrite is a key write or delete.
type KVWrite struct {
	Key      string `json:"key"`
	IsDelete bool   `json:"isDelete,omitempty"`
	Value    []byte `json:"value,omitempty"`
}

// KVMetaWrite replaces the metadata of one key (for example its
// key-level endorsement policy under the name VALIDATION_PARAMETER).
type KVMetaWrite struct {
	Key     string      `json:"key"`
	Entries []MetaEntry `json:"entries,omitempty"`
}

// MetaEntry is one named metadata value of a key.
type MetaEntry struct {
	Name  string `json:"name"`
	Value []byte `json:"value,omitempty"`
}

// RangeRead is a range query recorded for phantom-read validation.
type RangeRead struct {
	StartKey     string   `json:"startKey"`
	EndKey       string   `json:"endKey"`
	ItrExhausted bool     `json:"itrExhausted"`
	Keys         []KVRead `json:"keys,omitempty"`
	MerkleHashes [][]byte `json:"merkleHashes,omitempty"` // hashes at MerkleLevel when the reads were summarised
	MerkleLevel  uint32   `json:"merkleLevel,omitempty"`
	MerkleDegree uint32   `json:"merkleDegree,omitempty"`
}

// CollHashedRW is the hashed read/write set of one private data collection.
type CollHashedRW struct {
	Collection  string   `json:"collection"`
	ReadHashes  [][]byte `json:"readKeyHashes,omitempty"`
	WriteHashes [][]byte `json:"writeKeyHashes,omitempty"`
	PvtRWHash   []byte   `json:"pvtRwsetHash,omitempty"`
	// HashedReads details ReadHashes with the versions read, one entry
	// per read in order; nil when the versions are not known (records
	// indexed before they were kept).
	HashedReads []HashedRead `json:"hashedReads,omitempty"`
	// HashedWrites details WriteHashes, one entry per write in order.
	HashedWrites []HashedWrite `json:"hashedWrites,omitempty"`
	// MetaWrites replace the metadata of private keys, named by hash.
	MetaWrites []HashedMetaWrite `json:"metaWrites,omitempty"`
}

// HashedRead is a private-data read as recorded on the ledger: the hash
// of the key and the version it was read at; Missing when the key did
// not exist.
type HashedRead struct {
	KeyHash  []byte `json:"keyHash"`
	BlockNum uint64 `json:"blockNum"`
	TxNum    uint64 `json:"txNum"`
	Missing  bool   `json:"missing,omitempty"`
}

// HashedMetaWrite replaces the metadata of one private key, named by the
// hash of the key (for example its key-level endorsement policy).
type HashedMetaWrite struct {
	KeyHash []byte      `json:"keyHash"`
	Entries []MetaEntry `json:"entries,omitempty"`
}

// HashedWrite is a private-data write as recorded on the ledger: hashes
// of the key and value.
type HashedWrite struct {
	KeyHash   []byte `json:"keyHash"`
	ValueHash []byte `json:"valueHash,omitempty"`
	IsDelete  bool   `json:"isDelete,omitempty"`
	IsPurge   bool   `json:"isPurge,omitempty"`
}

// FabricEvent is a chaincode event.
type FabricEvent struct {
	Chaincode string `json:"chaincode"`
	TxID      string `json:"txId"`
	Name      string `json:"name"`
	Payload   []byte `json:"payload,omitempty"`
}

// Config is a Fabric channel configuration as of a CONFIG block.
type Config struct {
	Channel       string              `json:"channel"`
	Height        uint64              `json:"height"` // block that carried it
	Sequence      uint64              `json:"sequence"`
	Time          time.Time           `json:"time"`
	HashingAlgo   string              `json:"hashingAlgorithm"`
	BlockDataHash string              `json:"blockDataHashingStructure,omitempty"`
	Capabilities  map[string][]string `json:"capabilities"` // group (Channel, Orderer, Application) -> names
	OrdererType   string              `json:"ordererType"`
	Consenters    []Consenter         `json:"consenters,omitempty"`
	Batch         BatchConfig         `json:"batch"`
	MSPs          []MSP               `json:"msps"`
	Policies      []Policy            `json:"policies"`
	ACLs          map[string]string   `json:"acls,omitempty"`
	OrdererAddrs  []string            `json:"ordererAddresses,omitempty"`
	Raw           []byte              `json:"raw,omitempty"` // marshalled common.Config
}

// Consenter is one ordering node in the consensus set.
type Consenter struct {
	ID        uint32 `json:"id,omitempty"` // BFT consenter id
	Host      string `json:"host"`
	Port      uint32 `json:"port"`
	MSPID     string `json:"mspId,omitempty"`
	Identity  []byte `json:"identity,omitempty"` // signing certificate (PEM), BFT
	ClientTLS []byte `json:"clientTlsCert,omitempty"`
	ServerTLS []byte `json:"serverTlsCert,omitempty"`
}

// BatchConfig holds the orderer's block-cutting settings.
type BatchConfig struct {
	Timeout           string `json:"timeout"`
	MaxMessageCount   uint32 `json:"maxMessageCount"`
	AbsoluteMaxBytes  uint32 `json:"absoluteMaxBytes"`
	PreferredMaxBytes uint32 `json:"preferredMaxBytes"`
}

// MSP is one membership service provider defined in a channel config.
type MSP struct {
	ID               string   `json:"id"`
	Group            string   `json:"group"`     // Orderer or Application
	Org              string   `json:"org"`       // config group name
	RootCerts        [][]byte `json:"rootCerts"` // certificates and CRLs are DER
	Intermediates    [][]byte `json:"intermediateCerts,omitempty"`
	TLSRootCerts     [][]byte `json:"tlsRootCerts,omitempty"`
	TLSIntermediates [][]byte `json:"tlsIntermediateCerts,omitempty"`
	Admins           [][]byte `json:"admins,omitempty"`
	CRLs             [][]byte `json:"crls,omitempty"`
	NodeOUs          *NodeOUs `json:"nodeOUs,omitempty"`
	AnchorPeers      []string `json:"anchorPeers,omitempty"`
	Endpoints        []string `json:"endpoints,omitempty"`        // orderer endpoints
	SigningAlgo      string   `json:"signingAlgorithm,omitempty"` // SM2 or ECDSA, from root certificates
}

// NodeOUs is the NodeOU classification of an MSP.
type NodeOUs struct {
	Enabled bool   `json:"enabled"`
	Client  string `json:"client,omitempty"`
	Peer    string `json:"peer,omitempty"`
	Admin   string `json:"admin,omitempty"`
	Orderer string `json:"orderer,omitempty"`
}

// Policy is a named policy in the config tree, rendered readably.
type Policy struct {
	Path      string `json:"path"` // e.g. /Channel/Application/Admins
	Type      string `json:"type"` // Signature or ImplicitMeta
	Rule      string `json:"rule"` // e.g. MAJORITY Admins, OutOf(1, 'Org1MSP.admin')
	ModPolicy string `json:"modPolicy,omitempty"`
	Raw       []byte `json:"raw,omitempty"`
}
