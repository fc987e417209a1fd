// Package record holds the stored records of Lianjian's stages: audit
// verdicts and checkpoints with the key-level policies and world state they
// resume from (package audit), contract scans (contracts/watch), node
// revisions, probe runs and risk points (nodes), and the Fabric and FISCO
// BCOS tables the index derives from blocks (identities, orgs, config
// versions, governance records, block seals).
//
// It is a pure model package: types, their JSON encodings and the
// constants that go with them, no storage. The stages build and read these
// records and depend on small store interfaces of their own; the badger
// index (ledger/index) stores them, and is the only package that imports
// badger (internal/archtest enforces it). The JSON tags are the stored
// encoding: changing one changes what an existing index reads back.
//
// Chain-neutral model types (blocks, transactions, findings, verdicts)
// live in package ledger, as does ValidChainID, the rule for chain ids
// every store keys by; record holds only what a stage stores about them.
package record
