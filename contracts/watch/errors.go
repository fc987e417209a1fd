package watch

import "errors"

// Sentinel errors of the contract scan stage.
var (
	// ErrConfig reports an invalid configuration.
	ErrConfig = errors.New("invalid contract watch config")
	// ErrVersion reports an attachment whose version does not match the
	// chaincode definition of that sequence.
	ErrVersion = errors.New("chaincode version does not match the definition")
)
