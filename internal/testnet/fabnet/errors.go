package fabnet

import "errors"

// Sentinel errors returned by this package. Match them with errors.Is.
var (
	// ErrUnknownVersion means the requested Fabric version has no tools module.
	ErrUnknownVersion = errors.New("unknown fabric version")
	// ErrBadOptions means Options failed validation.
	ErrBadOptions = errors.New("invalid network options")
	// ErrCommand means a Fabric command exited with an error.
	ErrCommand = errors.New("fabric command failed")
	// ErrMismatch means the endorsers of an invoke returned different
	// responses (the peer CLI's "ProposalResponsePayloads do not match").
	ErrMismatch = errors.New("endorsement responses differ")
	// ErrUnknownOrg means an organisation name other than the network's.
	ErrUnknownOrg = errors.New("unknown organisation")
	// ErrNotReady means a node did not become ready in time.
	ErrNotReady = errors.New("node not ready")
	// ErrStopped means the network was already stopped.
	ErrStopped = errors.New("network stopped")
	// ErrNoConflict means concurrent invokes produced no read conflict of
	// the kind they were run for (MVCC_READ_CONFLICT, or
	// PHANTOM_READ_CONFLICT) after every attempt.
	ErrNoConflict = errors.New("no read conflict produced")
)

// ErrTxInvalid means a transaction committed with a validation code other
// than VALID; the Tx returned alongside carries the code.
var ErrTxInvalid = errors.New("transaction invalid")
