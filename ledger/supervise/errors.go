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
	// ErrTruncated means the audit log ends before a checkpoint's size.
	ErrTruncated = errors.New("audit log truncated")
	// ErrRewritten means the audit log no longer has a checkpoint's head.
	ErrRewritten = errors.New("audit log rewritten")
	// ErrForgedCheckpoint means a checkpoint's SM2 signature does not
	// verify, or it was signed by another key.
	ErrForgedCheckpoint = errors.New("forged checkpoint")
	// ErrInconsistent means two genuine checkpoints cannot both be heads
	// of one append-only log.
	ErrInconsistent = errors.New("inconsistent checkpoints")
	// ErrMissingCheckpoint means a checkpoint that should be there is not:
	// the log has none, or a copy lacks one the other has.
	ErrMissingCheckpoint = errors.New("missing checkpoint")
	// ErrKey means an audit-log signing or verifying key cannot be used.
	ErrKey = errors.New("invalid audit log key")
	// ErrNoEntries means an export range holds no audit log entries.
	ErrNoEntries = errors.New("no audit log entries in the range")
	// ErrFormat means a checkpoint file or an exported segment is malformed.
	ErrFormat = errors.New("malformed audit log file")
)
