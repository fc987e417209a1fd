// Package nodes judges the nodes of supervised chains and the consortium
// that runs them, from two sources:
//
//   - active probes of the endpoints operators register (Registry): a
//     Fabric peer or orderer is checked for plaintext gRPC, TLS without
//     required client authentication, its TLS certificate (expiry, key
//     algorithm, SANs), an operations endpoint open without a client
//     certificate, an orderer admin endpoint without mTLS and a version
//     with known advisories; an EVM node for dangerous RPC modules,
//     accounts it holds unlocked, wildcard CORS or virtual hosts, a client
//     version with known advisories, liveness and head lag (Prober);
//   - what the ledger itself proves: the posture of every Fabric channel
//     config version (Posture, PostureHistory), consenter participation,
//     unknown or expired signers and Clique signer changes (Health).
//
// Every check is a declared rule (ledger.RuleInfo, registered with
// ledger.Register) that cites its public source. Findings feed a risk
// score per node, org and chain with a plain explanation (Score), kept
// over time for a trend. Supervise runs all of it periodically for
// `lianjian serve`.
//
// Probes never send anything that changes a node's state: they read
// (rpc_modules, eth_accounts, web3_clientVersion, eth_blockNumber,
// GET on the operations endpoint; FISCO BCOS getClientVersion,
// getGroupInfo, getSyncStatus, getSealerList, getObserverList,
// getPbftView, getBlockNumber, getPendingTxSize), sign a fixed harmless
// message with eth_sign only to prove an account is unlocked, complete
// TLS and HTTP/2 handshakes without sending a gRPC call, and abort SSL
// handshakes of FISCO BCOS ports after the server's first flight.
package nodes
