package report

import "errors"

// Sentinel errors.
var (
	// ErrOptions means the report options are unusable.
	ErrOptions = errors.New("invalid report options")
	// ErrTooMany means the scope holds more findings than one report
	// lists; narrow it by chain, org or time.
	ErrTooMany = errors.New("too many findings for one report")
)
