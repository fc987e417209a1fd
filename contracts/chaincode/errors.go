package chaincode

import "errors"

// Sentinel errors returned by Analyze and the analyzers.
var (
	// ErrLoad reports that the files under analysis could not be listed.
	// Packages that do not load or type-check are not an error: Check
	// analyses what does and reports the rest as gaps.
	ErrLoad = errors.New("chaincode: load packages")
	// ErrNoPackages reports that a directory holds no Go package.
	ErrNoPackages = errors.New("chaincode: no Go packages")
	// ErrInternal reports a bug in an analyzer (a recovered panic). It is
	// never expected; the corpus test fails on it.
	ErrInternal = errors.New("chaincode: internal analyzer error")
)
