package ledger

import "errors"

// Sentinel errors shared by every stage. Adapters and the index translate
// foreign errors into these at their boundary.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid input")
	ErrGap          = errors.New("block does not follow the checkpoint")
	ErrReorg        = errors.New("parent hash does not match the indexed chain")
	ErrInvalidRule  = errors.New("invalid rule declaration")
	ErrUnknownChain = errors.New("unknown chain")
	ErrClosed       = errors.New("closed")
)
