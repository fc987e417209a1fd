// Package supervise holds the supervision records that sit beside the
// ledger in the index: API tokens and roles, the findings workflow (status
// changes, comments, re-detections), the SM3 hash-chained log of mutating
// actions, search matches and alert deliveries.
//
// The audit log is anchored in the manner of certificate transparency:
// its head (entry count and hash) is signed with an SM2 key kept outside
// the data directory into a Checkpoint, stored in the index and, as the
// authority, outside it. VerifyLog checks a stored log (through
// Anchors.Verifier), and Segment.Verify an exported stretch of it,
// against the checkpoints, naming truncation, rewriting and forged or
// inconsistent checkpoints as Problems; Problem.Text words them in
// zh-CN or English for the CLI and the API alike. Entries are kept at
// least MinRetention.
//
// It is chain-neutral and storage-neutral: the index stores these records
// and the API serves them; the rules that govern them (who may move a
// finding where, how a log entry is hashed) live here so both agree.
package supervise
