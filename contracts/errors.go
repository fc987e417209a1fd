package contracts

import "errors"

// Sentinel errors of the contracts package.
var (
	// ErrNoRun reports a rule declared without a Run function.
	ErrNoRun = errors.New("rule has no run function")
	// ErrCategory reports a contract rule outside the contract category.
	ErrCategory = errors.New("contract rule has the wrong category")
)
