package evm

import "errors"

// Sentinel errors of the bytecode analysis.
var (
	// ErrBadHex reports bytecode text that is not hexadecimal.
	ErrBadHex = errors.New("bytecode is not hex")
	// ErrBadSourceMap reports a malformed solc source map.
	ErrBadSourceMap = errors.New("malformed source map")
	// ErrBadABI reports an ABI document that cannot be parsed.
	ErrBadABI = errors.New("malformed abi")
	// ErrEmptyCode reports an account without code.
	ErrEmptyCode = errors.New("empty bytecode")
	// ErrUnknownHash reports a selector hash other than keccak256 and sm3.
	ErrUnknownHash = errors.New("unknown selector hash")
)
