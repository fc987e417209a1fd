package evm

import "errors"

// Errors returned by the adapter.
var (
	// ErrMalformed marks a node response that cannot be decoded.
	ErrMalformed = errors.New("malformed node response")
	// ErrChainID marks a node that serves another chain than configured.
	ErrChainID = errors.New("chain id mismatch")
)
