package gov

import "errors"

// Sentinel errors. Decode wraps them with the contract, method and argument
// at fault; match them with errors.Is.
var (
	// ErrVersion reports a FISCO major version other than 2 or 3.
	ErrVersion = errors.New("unsupported FISCO BCOS version")
	// ErrUnknownMethod reports a selector that no method of the governance
	// contract has under the chain's hash (or an input too short to hold one).
	ErrUnknownMethod = errors.New("unknown method")
	// ErrMalformed reports arguments that are not valid ABI for the method:
	// truncated, out-of-range offsets, non-canonical padding.
	ErrMalformed = errors.New("malformed arguments")
	// ErrInvalidArg reports arguments that decode but cannot mean what the
	// method needs: a node id that is not 128 hex characters, a weight or
	// proposal id beyond uint64, an unknown status code.
	ErrInvalidArg = errors.New("invalid argument")
	// ErrWASM reports a call to a 3.x system contract by its WASM path,
	// whose SCALE-encoded input this package does not decode.
	ErrWASM = errors.New("wasm system contract call not decoded")
)
