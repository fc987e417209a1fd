package fisco

import "errors"

// Sentinel errors of the FISCO BCOS adapter.
var (
	// ErrMalformed marks bytes or JSON that do not decode as FISCO data.
	ErrMalformed = errors.New("malformed FISCO BCOS data")
	// ErrUnsupported marks data of a version or kind this adapter cannot
	// verify (it says so rather than guess).
	ErrUnsupported = errors.New("unsupported FISCO BCOS data")
)
