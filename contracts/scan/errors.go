package scan

import "errors"

// Sentinel errors of the scan dispatcher.
var (
	// ErrNothing reports a path that holds nothing scannable.
	ErrNothing = errors.New("nothing to scan")
	// ErrBadBytecode reports a file that is neither source, hex bytecode
	// nor a WebAssembly module.
	ErrBadBytecode = errors.New("not a source file nor hex runtime bytecode")
)
