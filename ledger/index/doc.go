// Package index is Lianjian's badger-backed store of ingested blocks,
// transactions, contracts, address history, reorgs and findings. It is the
// only package that imports badger; its key layout is in keys.go. The
// records it stores for the stages (audit, contract scans, nodes, Fabric
// and FISCO tables) are defined in ledger/record, so that the stages
// depend on that model and their own store interfaces, not on badger.
//
// Every write is atomic, so a block, its secondary index entries, its
// findings and the chain checkpoint are committed together or not at all:
// a crash at any moment leaves the index at a block boundary. A write is
// one badger transaction when it fits one, and otherwise a spill: pieces
// made one by a journal of before-images that Open replays after a crash
// (spill.go).
//
// Reads and writes go through kv (spill.go), a backend-neutral
// storage.ReadWriter: a badger transaction wrapped by badgerkv, or a
// spill. Badger's own types stay in the adapter, the spill, Open and the
// damage checks.
//
// A damaged index is an error wrapping ErrCorrupt that names the file,
// never a panic: Open reads the files before badger does (files.go,
// verified.go), reads recover badger's panics and lost values (guard.go),
// and Check verifies everything offline (check.go).
package index
