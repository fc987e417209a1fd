package supervise

import "errors"

// Sentinel errors.
var (
	// ErrTransition means a finding cannot move to the requested status,
	// or not by the caller's role.
	ErrTransition = errors.New("transition not allowed")
	// ErrToken means a token string is malformed or does not match.
	ErrToken = errors.New("invalid token")
	// ErrBrokenChain means an audit log entry does not follow from the one
	// before it.
	ErrBrokenChain = errors.New("audit log chain broken")
	// ErrRole means a role name is unknown or misses its org.
	ErrRole = errors.New("invalid role")
)
