package nodes

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors.
var (
	// ErrExists means the org already registered a node with the id.
	ErrExists = errors.New("node already registered")
	// ErrAmbiguous means a node was named by id alone and several orgs
	// registered that id: the org must be named too.
	ErrAmbiguous = errors.New("node id registered by several orgs")
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

// ExistsError reports a registration whose id its org already holds.
// Ids are unique within an org only, so Org is always the registering
// org: the error says nothing about other orgs' nodes.
type ExistsError struct {
	ID  string
	Org string
}

// Error implements error.
func (e *ExistsError) Error() string { return fmt.Sprintf("%s: %s", ErrExists, e.ID) }

// Unwrap makes an ExistsError match ErrExists.
func (e *ExistsError) Unwrap() error { return ErrExists }

// AmbiguousError reports a node named by id alone that several orgs
// registered; Orgs are those orgs, sorted. Only callers that may see
// every org get it: callers acting for one org always name their org.
type AmbiguousError struct {
	ID   string
	Orgs []string
}

// Error implements error.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s: %s (orgs %s); name the org", ErrAmbiguous, e.ID, strings.Join(e.Orgs, ", "))
}

// Unwrap makes an AmbiguousError match ErrAmbiguous.
func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }
