// Package watch is the automatic contract-scan stage. It follows the index
// with a checkpoint of its own, as every stage does: for each newly
// indexed block it scans the runtime code of every EVM contract the block
// created (contracts/evm) and stores the findings linked to the deploy
// transaction and the deployer, and it records every Fabric chaincode
// definition committed through _lifecycle as awaiting a scan. An auditor
// attaches a scan of the chaincode's source to a definition (name,
// version, sequence) with Attach.
//
// The stage restarts alone: its checkpoint, its scan records and the
// findings of a block are committed in one index transaction, and finding
// ids are derived from rule, contract and place, so rescanning after a
// crash or a reorg refreshes findings instead of duplicating them.
package watch
