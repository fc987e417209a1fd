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
