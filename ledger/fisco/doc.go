// Package fisco is the adapter for FISCO BCOS, the platform the Shu-xin
// chain (蜀信链) runs on: the 2.x line (RLP transactions, JSON-RPC on
// :8545 with a group id) and the 3.x line (TARS transactions, JSON-RPC on
// :20200 with group and node names), in national-crypto (SM2 with the
// default user id, SM3) and standard (secp256k1, Keccak-256) modes.
//
// A Verifier re-verifies blocks as nodes serve them over JSON-RPC, or as
// files of JSON-RPC results handed to a regulator, taking nothing on the
// node's word:
//
//   - the block hash from the header fields (3.x: the field hash of
//     TarsHashable.h, genesis with its empty roots; 2.x: the RLP header);
//   - every transaction hash from its fields, the sender's signature over
//     it (SM2 against the carried key, or secp256k1 recovery) and the
//     derived account against the node's "from";
//   - every receipt hash, and the transactions and receipts roots (3.x
//     binary Merkle tree; 2.x 16-ary tree over RLP(index) ‖ hash);
//   - every sealer signature against the node id at its index, the PBFT
//     weight quorum, duplicate and out-of-list signers;
//   - from block to block: parent links, the sealer set in force (a change
//     needs a consensus governance transaction before it), the governance
//     rules in force, and the consortium posture.
//
// The line and the crypto mode are detected from the node or the data and
// pinned per chain. Data that lacks what a recomputation needs is reported
// as not verifiable rather than guessed. Every check is a declared rule
// (rules.go); format facts and their sources are in docs/fisco.md.
//
// Client is the ledger.Source over JSON-RPC; ListFiles and VerifyFiles read
// handed-over files. Package gov decodes the system-contract calls. TARS
// is decoded with TarsGo's codec and RLP with go-ethereum's; neither type
// leaves this package.
package fisco
