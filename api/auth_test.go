package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// tokenAuth authenticates "Bearer <role>" against a fixed role table.
type tokenAuth map[string][]Permission

type rolePrincipal struct {
	role  string
	perms []Permission
}

func (p rolePrincipal) Name() string { return p.role }

func (p rolePrincipal) Allowed(want Permission) bool {
	for _, have := range p.perms {
		if have == want {
			return true
		}
	}
	return false
}

func (a tokenAuth) Authenticate(_ context.Context, r *http.Request) (Principal, error) {
	role, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, ErrUnauthenticated
	}
	if role == "broken" {
		return nil, errors.New("token store: connection refused")
	}
	perms, ok := a[role]
	if !ok {
		return nil, ErrUnauthenticated
	}
	return rolePrincipal{role, perms}, nil
}

func TestAuthenticator(t *testing.T) {
	auth := tokenAuth{
		"regulator": {PermLedgerRead, PermFindingRead, PermRuleRead},
		"viewer":    {PermLedgerRead},
	}
	s := newTestServer(t, Config{}, openIndex(t, ""), auth)
	for _, tc := range []struct {
		name   string
		token  string
		path   string
		status int
		code   string
	}{
		{"no credentials", "", Version + "/chains", 401, codeUnauthenticated},
		{"unknown token", "Bearer nobody", Version + "/chains", 401, codeUnauthenticated},
		{"authenticator failure", "Bearer broken", Version + "/chains", 500, codeInternal},
		{"allowed", "Bearer viewer", Version + "/chains", 200, ""},
		{"missing permission", "Bearer viewer", Version + "/findings", 403, codeForbidden},
		{"regulator findings", "Bearer regulator", Version + "/findings", 200, ""},
		{"probe is public", "", "/healthz", 200, ""},
		{"readiness is public", "", "/readyz", 200, ""},
		{"unknown route stays 404", "", Version + "/nothing", 404, codeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			if tc.token != "" {
				hdr.Set("Authorization", tc.token)
			}
			code, body := do(t, s.Handler(), http.MethodGet, tc.path, hdr)
			if code != tc.status {
				t.Fatalf("GET %s as %q = %d %s, want %d", tc.path, tc.token, code, body, tc.status)
			}
			if tc.code != "" && field(t, body, "error.code") != tc.code {
				t.Fatalf("GET %s as %q error = %s, want %s", tc.path, tc.token, body, tc.code)
			}
		})
	}
}
