package audit

import "errors"

// Sentinel errors of the package.
var (
	// ErrSignatureEncoding reports a signature that is not a strict DER
	// SEQUENCE of two positive INTEGERs.
	ErrSignatureEncoding = errors.New("signature is not strict DER")
	// ErrKeyType reports a signer key the auditor cannot verify with.
	ErrKeyType = errors.New("unsupported signer key")
	// ErrConfig reports an invalid auditor configuration.
	ErrConfig = errors.New("invalid audit config")
	// ErrNoConfig reports a block audited before any channel config was
	// seen, so that no trust anchors are known.
	ErrNoConfig = errors.New("no channel config in force")
)
