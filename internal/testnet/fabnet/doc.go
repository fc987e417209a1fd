// Package fabnet runs a real Hyperledger Fabric network natively on
// 127.0.0.1, without Docker, for integration tests, benchmarks and the demo.
//
// # Binaries
//
// Build compiles peer, orderer, configtxgen, cryptogen, osnadmin and
// configtxlator of one Fabric version from the tools module
// internal/testnet/tools/fabric-<version> (Go module proxy only), plus the
// key/value chaincode of internal/testnet/chaincode, into
// <repo>/.cache/fabric-<version>/bin (or $LIANJIAN_CACHE/fabric-<version>/bin;
// see package internal/testnet/repo).
// The result is reused while the inputs are unchanged; concurrent builds are
// serialised by a lock file and land by rename. A cold build takes minutes.
//
// # Network
//
// Start brings up, in Options.Dir and on free ports:
//   - Options.Orderers orderers of OrdererMSP (one by default; orderer,
//     orderer2, …), each with its own listen, cluster, admin and
//     operations ports, all consenters of the application channel and in
//     its orderer endpoints, each joined to it with osnadmin through its
//     mutual-TLS admin endpoint; etcdraft, or BFT on Fabric 3.1.1;
//   - peer0 of Org1MSP and of Org2MSP (NodeOUs on, TLS SANs localhost and
//     127.0.0.1), joined with "peer channel join";
//   - the chaincode "kvcc" as a service (CCaaS) through the external
//     builder internal/testnet/builder, approved by both orgs and committed
//     with the signature policy EndorsementPolicy, so each valid transaction
//     carries two endorsements.
//
// TLS is on by default; Options.TLS turns it off or makes peers and/or the
// orderers require client certificates, and can put every node's
// operations endpoint behind TLS that requires a client certificate of the
// node's own org (OperationsClientAuth). The orderers' admin endpoints
// always require mutual TLS. Processes are children of the
// caller: Stop (and, on Linux, the caller's death) ends them. Their logs are
// Dir/logs/*.log. Start takes a few seconds once the binaries are built.
//
// Directory layout of Dir:
//
//	crypto/                   cryptogen output (test keys)
//	config/                   core.yaml, orderer.yaml, configtx.yaml
//	builder/bin/              the external builder
//	<channel>.block           channel genesis block
//	orderer/, orderer2/, …    orderer ledgers, WALs, snapshots
//	peer0.orgN.example.com/   peer file system path (ledgersData/…)
//	connection-orgN.yaml      fabric-sdk-go connection profiles
//	logs/                     node and chaincode logs
//
// # Traffic
//
// Put, Delete and Incr invoke the chaincode through the peer CLI, endorsed by
// both peers, and wait for the commit. Invoke with a single org produces
// ENDORSEMENT_POLICY_FAILURE; IncrConcurrent produces MVCC_READ_CONFLICT;
// BulkPut fills the ledger quickly; BulkPutSized submits puts with values
// of a given size through fabric-sdk-go, fast enough to fill blocks of
// Options.MaxMessageCount transactions or Options.PreferredMaxBytes bytes
// (up to MaxAbsoluteMaxBytes) under a long BatchTimeout; UpdateBatchTimeout
// commits a channel config update (configtxlator compute_update,
// signconfigtx, channel update), which also cuts the pending batch.
// Query evaluates a chaincode function without a transaction.
//
// # Access
//
// FetchBlock returns the peer's copy of a block (with validation codes)
// through qscc; LedgerDir names the peer's block files; Orderer, Peers,
// Orderers, User, CryptoDir and ConnectionProfile give endpoints (gRPC,
// cluster, admin, operations), TLS CAs, client certificates, identities
// and a fabric-sdk-go connection profile; Info gathers all of it
// (cmd/fabnet writes it as network.json). RestartPeer stops and restarts
// one peer.
package fabnet
