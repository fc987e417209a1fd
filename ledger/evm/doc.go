// Package evm is the adapter for Ethereum-compatible chains. It fetches
// blocks and receipts over batched JSON-RPC (HTTP, with a WebSocket head
// subscription), converts them to the chain-neutral model and verifies
// everything a node could have lied about:
//
//   - the block hash is keccak(RLP(header)) of the header served;
//   - the transactions root, the receipts root and the withdrawals root
//     are recomputed from the transactions, receipts and withdrawals served;
//   - every transaction hash is recomputed and every sender is recovered
//     with types.LatestSignerForChainID, for all transaction types;
//   - signatures must be low-S, and unprotected (pre-EIP-155) transactions
//     are flagged as a replay risk;
//   - a contract's address must follow from its creator and nonce.
//
// Every mismatch becomes a finding with evidence. go-ethereum types stay
// inside this package.
package evm
