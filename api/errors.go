package api

import (
	"errors"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Sentinel errors returned by Authenticators and mapped to status codes by
// the response wrapper.
var (
	// ErrUnauthenticated means the caller presented no valid credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the caller lacks the permission a route requires.
	ErrForbidden = errors.New("forbidden")
	// ErrConfig means a Config or Deps value is unusable.
	ErrConfig = errors.New("invalid api config")
	// ErrTooLarge means a request body exceeds the configured limit.
	ErrTooLarge = errors.New("request body too large")
	// ErrRateLimited means the caller exceeded its request rate.
	ErrRateLimited = errors.New("rate limited")

	// errNotReady marks a failed readiness probe, whatever the cause.
	errNotReady = errors.New("index not ready")
)

// ParamError reports a request parameter that cannot be used. Its message
// is shown to the client, so it only ever contains the parameter name and
// what is wrong with the value, never the value's internals.
type ParamError struct {
	Name   string // path or query parameter name
	Reason string // what is wrong, e.g. "must be a positive integer"
}

// Error implements error.
func (e *ParamError) Error() string {
	return fmt.Sprintf("invalid parameter %q: %s", e.Name, e.Reason)
}

func badParam(name, format string, args ...any) error {
	return &ParamError{Name: name, Reason: fmt.Sprintf(format, args...)}
}

// refusal is a request refused before its handler ran: no valid token,
// or over a rate limit. It is counted in the refusal summary instead of
// getting an audit entry of its own; retry, when set, becomes the
// Retry-After header.
type refusal struct {
	err   error // ErrUnauthenticated or ErrRateLimited
	retry time.Duration
}

func (e *refusal) Error() string { return e.err.Error() }
func (e *refusal) Unwrap() error { return e.err }

// unknownChainError names a chain the index does not hold. The chain id
// passed chainParam, so it is safe to show.
type unknownChainError struct{ chain string }

func (e *unknownChainError) Error() string { return fmt.Sprintf("unknown chain %q", e.chain) }
func (e *unknownChainError) Unwrap() error { return ledger.ErrUnknownChain }

// conflictError is a request that clashes with stored state, such as a
// node id registered twice; its message is shown to the client.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }
