package api

import (
	"context"
	"net/http"
)

// Permission names what a route lets its caller do. Routes with an empty
// permission (health probes) are public.
type Permission string

// Permissions required by the routes.
const (
	PermLedgerRead  Permission = "ledger:read"   // chains, blocks, transactions, addresses, contracts, reorgs
	PermFindingRead Permission = "findings:read" // findings
	PermRuleRead    Permission = "rules:read"    // rule catalogue
)

// Principal is an authenticated caller.
type Principal interface {
	// Name identifies the caller in logs.
	Name() string
	// Allowed reports whether the caller holds the permission.
	Allowed(p Permission) bool
}

// Authenticator identifies the caller of a request. It returns an error
// wrapping ErrUnauthenticated when the request carries no valid
// credentials; any other error is treated as an internal failure.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (Principal, error)
}

type principalKey struct{}

// PrincipalFrom returns the caller stored in ctx by the authentication
// step, if the route required one.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}
