package nodes

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrExists means a node with the id is already registered.
	ErrExists = errors.New("node already registered")
	// ErrRetired means the node was retired and cannot change any more.
	ErrRetired = errors.New("node is retired")
	// ErrConfig means a Config is unusable.
	ErrConfig = errors.New("invalid nodes config")
)

// FieldError is a registration field that failed validation. Callers
// (the API, the CLI) show Field and Reason to the operator.
type FieldError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string { return fmt.Sprintf("invalid node %s: %s", e.Field, e.Reason) }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ExistsError reports a registration whose id is already taken. Org is
// the org holding the id: callers acting for another org must not be
// shown it, nor that the id exists (the API answers them as it answers
// any registration for a foreign org).
type ExistsError struct {
	ID  string
	Org string
}

// Error implements error.
func (e *ExistsError) Error() string { return fmt.Sprintf("%s: %s", ErrExists, e.ID) }

// Unwrap makes an ExistsError match ErrExists.
func (e *ExistsError) Unwrap() error { return ErrExists }
