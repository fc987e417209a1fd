package chaincode

import "errors"

// Sentinel errors returned by Analyze and the analyzers.
var (
	// ErrLoad reports that the packages under analysis could not be loaded
	// or type-checked, for instance because a dependency is not in the
	// module cache.
	ErrLoad = errors.New("chaincode: load packages")
	// ErrNoPackages reports that a directory holds no Go package.
	ErrNoPackages = errors.New("chaincode: no Go packages")
	// ErrInternal reports a bug in an analyzer (a recovered panic). It is
	// never expected; the corpus test fails on it.
	ErrInternal = errors.New("chaincode: internal analyzer error")
)
