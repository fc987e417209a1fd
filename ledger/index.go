package ledger

import "context"

// Checkpoint is the last block committed for a chain.
type Checkpoint struct {
	Height uint64 `json:"height"`
	Hash   []byte `json:"hash"`
}

// Page asks for one page of a listing. Cursor is opaque and comes from the
// previous page's Next.
type Page struct {
	Cursor string
	Limit  int
}

// Writer commits ingested blocks. Every method is atomic: either all of
// its effects are stored or none are.
type Writer interface {
	// PutChain records or updates a chain's description.
	PutChain(ctx context.Context, c Chain) error
	// Commit stores a block with its transactions, contracts, history
	// entries, findings and the new checkpoint. The block must follow the
	// checkpoint (height = checkpoint+1 and matching parent hash) unless
	// the chain has no checkpoint yet; otherwise ErrGap or ErrReorg.
	Commit(ctx context.Context, b *Block) error
	// Rollback removes every block above r.Ancestor, moves the checkpoint
	// there and records r.
	Rollback(ctx context.Context, r Reorg) error
	// PutFindings inserts or refreshes findings; an existing finding keeps
	// its first-seen time and status.
	PutFindings(ctx context.Context, fs []Finding) error
}

// Reader answers queries over the index.
type Reader interface {
	Chains(ctx context.Context) ([]Chain, error)
	Chain(ctx context.Context, id string) (Chain, error)
	Checkpoint(ctx context.Context, chain string) (Checkpoint, error)
	Block(ctx context.Context, chain string, height uint64) (*Block, error)
	BlockByHash(ctx context.Context, chain string, hash []byte) (*Block, error)
	Blocks(ctx context.Context, chain string, p Page) ([]*Block, string, error)
	Tx(ctx context.Context, chain, id string) (*Tx, error)
	// TxAnyChain finds a transaction by id in every chain.
	TxAnyChain(ctx context.Context, id string) ([]*Tx, error)
	AddressHistory(ctx context.Context, chain, addr string, p Page) ([]HistoryEntry, string, error)
	Contract(ctx context.Context, chain, addr string) (*Contract, error)
	Contracts(ctx context.Context, chain string, p Page) ([]*Contract, string, error)
	Finding(ctx context.Context, id string) (*Finding, error)
	Findings(ctx context.Context, f FindingFilter, p Page) ([]*Finding, string, error)
	Reorgs(ctx context.Context, chain string) ([]Reorg, error)
}

// HistoryEntry is one appearance of an address in a transaction.
type HistoryEntry struct {
	Chain  string `json:"chain"`
	Height uint64 `json:"height"`
	Index  int    `json:"index"`
	TxID   string `json:"tx"`
	Role   string `json:"role"` // from, to, created, log; Fabric: creator, invoked
}

// Store is an index that can be read and written.
type Store interface {
	Reader
	Writer
	Close() error
}
