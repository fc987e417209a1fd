package api

import (
	"context"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// The interfaces below are the parts of the index the API reads. Each is a
// subset of ledger.Reader, so any ledger.Store satisfies Index.

// ChainReader lists chains and their ingest checkpoints.
type ChainReader interface {
	Chains(ctx context.Context) ([]ledger.Chain, error)
	Chain(ctx context.Context, id string) (ledger.Chain, error)
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
}

// BlockReader looks up blocks by height or hash and lists them.
type BlockReader interface {
	Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	BlockByHash(ctx context.Context, chain string, hash []byte) (*ledger.Block, error)
	Blocks(ctx context.Context, chain string, p ledger.Page) ([]*ledger.Block, string, error)
}

// TxReader looks up transactions and the history of an address.
type TxReader interface {
	Tx(ctx context.Context, chain, id string) (*ledger.Tx, error)
	TxAnyChain(ctx context.Context, id string) ([]*ledger.Tx, error)
	AddressHistory(ctx context.Context, chain, addr string, p ledger.Page) ([]ledger.HistoryEntry, string, error)
}

// ContractReader looks up deployed contracts and chaincodes.
type ContractReader interface {
	Contract(ctx context.Context, chain, addr string) (*ledger.Contract, error)
	Contracts(ctx context.Context, chain string, p ledger.Page) ([]*ledger.Contract, string, error)
}

// FindingStore reads findings.
type FindingStore interface {
	Finding(ctx context.Context, id string) (*ledger.Finding, error)
	Findings(ctx context.Context, f ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error)
}

// ReorgReader lists the reorganisations recorded for a chain.
type ReorgReader interface {
	Reorgs(ctx context.Context, chain string) ([]ledger.Reorg, error)
}

// Index is everything the API reads from the index.
type Index interface {
	ChainReader
	BlockReader
	TxReader
	ContractReader
	FindingStore
	ReorgReader
}

// HeadReporter tells the newest block height a chain's node has reported,
// as last seen by the ingester. It must not block: it answers from memory.
type HeadReporter interface {
	// Head returns the node's head height for chain and whether one is
	// known.
	Head(chain string) (height uint64, ok bool)
}

var _ Index = ledger.Reader(nil)

// SummaryReader reads a block with a summary of each transaction in
// place of the transaction: what a block page lists of them (TxSummary),
// read from the block alone. Each of the block's Txs has only its ID,
// Chain, Height, Index, Type, Status, Valid and the status of its
// verdict set, and the block has no raw bytes. An index without it
// serves block pages through BlockReader, reading every transaction.
type SummaryReader interface {
	BlockWithSummaries(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	BlockWithSummariesByHash(ctx context.Context, chain string, hash []byte) (*ledger.Block, error)
}

// AuditReader serves the auditor's stored record of a block. An index
// without it leaves the audit field out of block and transaction
// responses.
type AuditReader interface {
	// Audit returns the audit record of the block at height: its
	// verdict, each transaction's, when the audit ran and the ids of the
	// findings it raised; ledger.ErrNotFound when the block was not
	// audited yet.
	Audit(ctx context.Context, chain string, height uint64) (*record.AuditRecord, error)
}
