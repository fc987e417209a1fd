// Package fabric decodes Hyperledger Fabric ledger data into the
// chain-neutral model of package ledger.
//
// # Blocks
//
// [DecodeBlock] turns one marshalled common.Block (as served by qscc
// GetBlockByNumber or written by `peer channel fetch`) into a
// [ledger.Block]: header and header hash, every envelope as a [ledger.Tx]
// with its creator, endorsements, chaincode input, read/write sets and
// events, the validation code of each transaction from the
// TRANSACTIONS_FILTER metadata, the orderer signatures, the last config
// index and the commit hash. `_lifecycle` writes become [ledger.Contract]
// entries and CONFIG envelopes become a [ledger.Config].
//
// Fabric block headers are hashed over their ASN.1 DER encoding
// ([HeaderBytes]). Upstream Fabric uses SHA-256; national-crypto forks may
// use SM3, so a [Decoder] is built from a [Config] that names the hash
// (the channel config's HashingAlgorithm, see [ledger.Config].HashingAlgo)
// or supplies one. A decoder caches parsed signer certificates; the
// identities it returns share their slices and must not be modified.
//
// A block is only rejected when its own structure is broken (block
// protobuf, header, metadata). Fabric commits malformed transactions too,
// marked invalid, and an auditor must see them: an envelope that does not
// decode keeps its raw bytes and carries the error in
// [ledger.FabricTx].DecodeError, unless [Config].Strict asks for the whole
// block to fail instead.
//
// # Signed messages
//
// Verification lives elsewhere. [SignedMessages] re-derives from
// Block.Raw the exact bytes each signature of a decoded block covers,
// aligned by index with Block.Signatures and Tx.Sigs:
//
//   - creator: the envelope payload bytes;
//   - endorser: proposal response payload ‖ endorser identity bytes;
//   - config-submitter: the payload bytes of the config update envelope
//     (last_update) a CONFIG transaction applied;
//   - config-update: config signature header ‖ config update bytes;
//   - orderer: metadata value ‖ signature header (or BFT identifier
//     header) ‖ header ASN.1 bytes.
//
// # Ledger files
//
// Peers and orderers store blocks in `blockfile_NNNNNN` files: records of
// a protobuf varint length followed by Fabric's own block serialization
// (not a marshalled common.Block). [ScanBlockfile], [Blockfile],
// [ChannelBlocks] and [BlockDir] iterate over blocks on disk and yield
// [RawBlock] values whose Bytes are a marshalled common.Block, ready for
// [DecodeBlock]; blocks read from blockfiles are re-marshalled
// deterministically, which reproduces the bytes peers serve. [DetectLayout]
// and [Channels] find what a path holds, and [Open] reads any single-chain
// layout. [Scan] groups the blocks at any paths by channel and orders
// them by reading block numbers alone, so memory does not grow with the
// ledger; a [FileSource] serves one channel of it to the
// [ledger.Ingester], as an offline import.
// Truncated or corrupt files fail with a [*FileError] naming the file and
// byte offset; it matches [ErrCorrupt] with errors.Is.
package fabric
