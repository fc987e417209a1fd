package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// rolePerms is the one table of what each role may do.
var rolePerms = map[supervise.Role][]Permission{
	supervise.RoleRegulator: {
		PermLedgerRead, PermContractRead, PermFindingRead, PermFindingWrite, PermRuleRead,
		PermSearch, PermReportRead, PermUserAdmin, PermAuditLogRead, PermAlertAdmin,
		PermNodeRead, PermNodeWrite, PermScanWrite, PermAPIRead,
	},
	supervise.RoleOperator: {
		PermFindingRead, PermFindingWrite, PermRuleRead, PermNodeRead, PermNodeWrite, PermAPIRead,
	},
	supervise.RoleAuditor: {
		PermContractRead, PermFindingRead, PermRuleRead, PermScanWrite, PermAPIRead,
	},
}

// RolePermissions returns the permissions a role holds.
func RolePermissions(r supervise.Role) []Permission { return slices.Clone(rolePerms[r]) }

// Caller is a principal authenticated by an API token.
type Caller struct {
	TokenID string
	Holder  string // the token's name
	Role    supervise.Role
	Org     string // operators only
}

// Name identifies the caller as "holder (token id)".
func (c *Caller) Name() string { return c.Holder + " (" + c.TokenID + ")" }

// Allowed reports whether the caller's role holds p.
func (c *Caller) Allowed(p Permission) bool { return slices.Contains(rolePerms[c.Role], p) }

// TokenStore keeps API tokens. The index implements it.
type TokenStore interface {
	Token(ctx context.Context, id string) (supervise.Token, error)
	Tokens(ctx context.Context) ([]supervise.Token, error)
	PutToken(ctx context.Context, t supervise.Token) error
	RevokeToken(ctx context.Context, id string, at time.Time) (supervise.Token, error)
}

// TokenAuth authenticates bearer tokens against a TokenStore.
type TokenAuth struct {
	store TokenStore
	now   func() time.Time
}

// NewTokenAuth returns an Authenticator over store.
func NewTokenAuth(store TokenStore) *TokenAuth {
	return &TokenAuth{store: store, now: time.Now}
}

// Authenticate reads "Authorization: Bearer <token>", finds the token by
// its public id and compares the secret's hash in constant time. Unknown,
// malformed, revoked and expired tokens are all just unauthenticated.
func (a *TokenAuth) Authenticate(ctx context.Context, r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, ErrUnauthenticated
	}
	id, err := supervise.TokenID(secret)
	if err != nil {
		return nil, ErrUnauthenticated
	}
	t, err := a.store.Token(ctx, id)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return nil, ErrUnauthenticated
	case err != nil:
		return nil, fmt.Errorf("load token: %w", err)
	case !t.Matches(strings.TrimSpace(secret)) || !t.Active(a.now()):
		return nil, ErrUnauthenticated
	}
	return &Caller{TokenID: t.ID, Holder: t.Name, Role: t.Role, Org: t.Org}, nil
}

// scope is what the caller of a request may see: nothing restricts an
// open API (no Authenticator) or a regulator; an operator sees one org.
type scope struct {
	actor string
	role  supervise.Role
	org   string
}

// scopeOf describes the caller of ctx. Principals from other
// Authenticators read without an org restriction but hold no workflow role.
func (s *Server) scopeOf(ctx context.Context) scope {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		if s.auth == nil {
			return scope{actor: "anonymous", role: supervise.RoleRegulator}
		}
		return scope{actor: "anonymous"}
	}
	if c, ok := p.(*Caller); ok {
		return scope{actor: c.Name(), role: c.Role, org: c.Org}
	}
	return scope{actor: p.Name()}
}

// sees reports whether the scope may see a finding; hidden findings are
// answered as not found, so an operator cannot probe other orgs' ids.
func (sc scope) sees(f *ledger.Finding) bool {
	return sc.org == "" || f.Subject.Org == sc.org
}
