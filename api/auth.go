package api

import (
	"context"
	"net/http"
)

// Permission names what a route lets its caller do. Routes with an empty
// permission (health probes) are public.
type Permission string

// Permissions required by the routes. RolePermissions maps roles to them.
const (
	PermLedgerRead   Permission = "ledger:read"    // chains, blocks, transactions, addresses, reorgs
	PermContractRead Permission = "contracts:read" // contracts and chaincodes
	PermFindingRead  Permission = "findings:read"  // findings and their history (operators: own org)
	PermFindingWrite Permission = "findings:write" // workflow changes (operators: own org)
	PermRuleRead     Permission = "rules:read"     // rule catalogue
	PermSearch       Permission = "search"         // cross-chain search
	PermReportRead   Permission = "reports:read"   // supervision reports
	PermUserAdmin    Permission = "users:admin"    // create, list and revoke tokens
	PermAuditLogRead Permission = "auditlog:read"  // read and verify the audit log
	PermAlertAdmin   Permission = "alerts:admin"   // alert deliveries
	PermNodeRead     Permission = "nodes:read"     // node registry (operators: own org)
	PermNodeWrite    Permission = "nodes:write"    // register and update nodes (operators: own org)
	PermScanWrite    Permission = "scans:write"    // submit contract scans
	PermAPIRead      Permission = "api:read"       // the API description
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
