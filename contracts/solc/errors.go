package solc

import "errors"

// Sentinel errors of the compiler driver.
var (
	// ErrPragma reports a version pragma that cannot be parsed.
	ErrPragma = errors.New("bad solidity version pragma")
	// ErrNoVersion reports that no known solc release satisfies the
	// pragmas of a compilation unit.
	ErrNoVersion = errors.New("no solc version satisfies the pragma")
	// ErrNoCompiler reports that no compiler is available: no solc
	// binary, and solc-js is neither installed nor installable.
	ErrNoCompiler = errors.New("no solidity compiler available")
	// ErrCompile reports compiler errors in the sources.
	ErrCompile = errors.New("solidity compilation failed")
	// ErrRun reports a compiler process that failed without producing
	// output, e.g. a solc-js whose JavaScript API the wrapper cannot drive.
	ErrRun = errors.New("solidity compiler failed")
	// ErrConfig reports an invalid configuration.
	ErrConfig = errors.New("invalid solc config")
)
