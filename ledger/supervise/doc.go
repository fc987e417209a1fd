// Package supervise holds the supervision records that sit beside the
// ledger in the index: API tokens and roles, the findings workflow (status
// changes, comments, re-detections), the SM3 hash-chained log of mutating
// actions, search matches and alert deliveries.
//
// It is chain-neutral and storage-neutral: the index stores these records
// and the API serves them; the rules that govern them (who may move a
// finding where, how a log entry is hashed) live here so both agree.
package supervise
