// Package audit re-verifies ledgers of every chain kind from the index:
// every signature, certificate and hash link, at hardware speed, with
// findings for what fails.
//
// One pipeline serves every kind: [Reaudit] of a stored height range,
// [Follow] of what ingest commits, the audit checkpoint and the verdict
// store. The [Auditor] hands the blocks to one verifier per chain kind
// and counts, checkpoints and stores what comes back the same way for
// all. An EVM or FISCO BCOS chain is checked by its adapter's [Verifier]
// (see [NewVerifier]): the checks the adapter runs at ingest, run again
// from the block and receipts stored with each block, plus the link of
// each stored block to the one below. A Fabric channel is checked by
// this package's Fabric checks.
//
// An [Auditor] follows one chain (one Fabric channel) in height order.
// For each Fabric block it checks
//
//   - the height sequence and the previous-hash link, the data hash over
//     the envelopes and each endorser transaction's id, all under the
//     channel's HashingAlgorithm;
//   - the creator signature of every envelope, every endorsement
//     signature, every config-update signature and the envelope signature
//     of the config update's submitter, ECDSA P-256 (low-S
//     enforced) or SM2 with the default user id, where the SM2 pre-hash
//     convention of the fork (none, SM3 or SHA-256) is detected from the
//     chain's first SM2 signature and pinned;
//   - the orderer block signatures, Raft signature headers or BFT
//     identifier headers mapped through the consenter mapping, evaluated
//     against /Channel/Orderer/BlockValidation;
//   - each signer's certificate against the MSP it claims in the config in
//     force at that height: chain to the MSP's root or intermediate CAs,
//     CRLs, validity at the signing time and NodeOU role;
//   - that each creator satisfied the policies Fabric holds it to: the
//     endorsing peers' ACL for the proposal (peer/Propose, by default
//     /Channel/Application/Writers) and the orderer's /Channel/Writers,
//     which also governs a config update's submitter;
//   - for each transaction the peer marked VALID, that its endorsements
//     satisfy the endorsement policy `_lifecycle` defined for each
//     namespace it invokes or writes (signature policies and implicit-meta
//     ANY, ALL and MAJORITY policies of the channel config);
//   - the crypto rules: non-SM2 keys, certificate signatures and hashing
//     on chains declared GM, weak keys and expired or expiring
//     certificates everywhere.
//
// Each failure is a [ledger.Finding] of a declared rule (see rules.go and
// docs/rules.md) naming block, transaction and what failed, and each block
// and transaction gets a [ledger.Verdict].
//
// For a Fabric channel, [Auditor.Run] is a pipeline: decoding and
// signature verification, which need no chain state, run on every core
// with a bounded window of blocks in flight; the ordered checks that
// depend on the config in force run in sequence. Parsed signers (with their SM2 Z value) are cached, validated
// certificate chains are cached per config, and a signature over the same
// bytes by the same key is verified only once.
package audit
