package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger/supervise"
)

// callers are the identities of the role matrix, in column order.
var callers = []string{"anonymous", "regulator", "auditor", "operator-org1", "operator-org2"}

// roleMatrix gives, for every route, the exact status each caller gets
// for the route's sample request, in callers order. A route missing here
// fails TestRoleMatrix.
var roleMatrix = map[string]string{
	"GET /healthz": "200 200 200 200 200",
	"GET /readyz":  "200 200 200 200 200",
	"GET /metrics": "200 200 200 200 200",

	"GET /api/v1/chains":                                "401 200 403 403 403",
	"GET /api/v1/chains/:chain":                         "401 200 403 403 403",
	"GET /api/v1/chains/:chain/blocks":                  "401 200 403 403 403",
	"GET /api/v1/chains/:chain/blocks/:ref":             "401 200 403 403 403",
	"GET /api/v1/chains/:chain/txs/:id":                 "401 200 403 403 403",
	"GET /api/v1/chains/:chain/addresses/:addr/history": "401 200 403 403 403",
	"GET /api/v1/chains/:chain/contracts":               "401 200 200 403 403",
	"GET /api/v1/chains/:chain/contracts/:addr":         "401 200 200 403 403",
	"GET /api/v1/chains/:chain/reorgs":                  "401 200 403 403 403",
	"GET /api/v1/txs/:id":                               "401 200 403 403 403",
	"GET /api/v1/findings":                              "401 200 200 200 200",
	"GET /api/v1/findings/:id":                          "401 200 200 200 404",
	"GET /api/v1/rules":                                 "401 200 200 200 200",
	"GET /api/v1/openapi.json":                          "401 200 200 200 200",
	"GET /api/v1/search":                                "401 200 403 403 403",
	"GET /api/v1/findings/:id/history":                  "401 200 200 200 404",
	"POST /api/v1/findings/:id/transitions":             "401 200 403 200 404",
	"GET /api/v1/users":                                 "401 200 403 403 403",
	"POST /api/v1/users":                                "401 200 403 403 403",
	"DELETE /api/v1/users/:id":                          "401 200 403 403 403",
	"GET /api/v1/auditlog":                              "401 200 403 403 403",
	"GET /api/v1/auditlog/verify":                       "401 200 403 403 403",
	"GET /api/v1/reports/supervision":                   "401 200 403 403 403",
	"GET /api/v1/standards":                             "401 200 403 403 403",
	"GET /api/v1/chains/:chain/compliance":              "401 200 403 403 403",
	"GET /api/v1/alerts/deliveries":                     "401 200 403 403 403",

	// Fabric routes (api/fabric.go).
	"GET /api/v1/networks":                               "401 200 403 403 403",
	"GET /api/v1/chains/:chain/configs":                  "401 200 403 403 403",
	"GET /api/v1/chains/:chain/config":                   "401 200 403 403 403",
	"GET /api/v1/chains/:chain/config/diff":              "401 200 403 403 403",
	"GET /api/v1/chains/:chain/identities":               "401 200 403 403 403",
	"GET /api/v1/chains/:chain/identities/:fingerprint":  "401 200 403 403 403",
	"GET /api/v1/chains/:chain/orgs":                     "401 200 403 403 403",
	"GET /api/v1/chains/:chain/chaincodes":               "401 200 200 403 403",
	"GET /api/v1/chains/:chain/chaincodes/:name/history": "401 200 200 403 403",

	// FISCO BCOS routes (api/fisco.go).
	"GET /api/v1/chains/:chain/governance": "401 200 403 403 403",
	"GET /api/v1/chains/:chain/sealers":    "401 200 403 403 403",
}

// issueTokens stores one token per caller and returns their secrets.
func issueTokens(t testing.TB, ts TokenStore) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range []struct {
		name string
		role supervise.Role
		org  string
	}{
		{"regulator", supervise.RoleRegulator, ""},
		{"auditor", supervise.RoleAuditor, ""},
		{"operator-org1", supervise.RoleOperator, "Org1MSP"},
		{"operator-org2", supervise.RoleOperator, "Org2MSP"},
	} {
		tok, secret, err := supervise.NewToken(c.name, c.role, c.org, "test", time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.PutToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		out[c.name] = secret
	}
	return out
}

func TestRoleMatrix(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	samples := sampleRequests()
	routes := map[string]bool{}
	for _, rt := range s.Routes() {
		key := rt.Method + " " + rt.Path
		routes[key] = true
		want, ok := roleMatrix[key]
		if !ok {
			t.Errorf("route %s has no row in roleMatrix", key)
			continue
		}
		statuses := strings.Fields(want)
		if len(statuses) != len(callers) {
			t.Fatalf("roleMatrix[%s] has %d statuses, want %d", key, len(statuses), len(callers))
		}
		sm := samples[key]
		for i, who := range callers {
			t.Run(key+"/"+who, func(t *testing.T) {
				hdr := http.Header{}
				if who != "anonymous" {
					hdr.Set("Authorization", "Bearer "+secrets[who])
				}
				rec := send(t, s.Handler(), rt.Method, sm.path, sm.body, hdr)
				if got := http.StatusText(rec.Code); rec.Code != atoi(statuses[i]) {
					t.Errorf("%s %s as %s = %d %s %s, want %s", rt.Method, sm.path, who, rec.Code, got, rec.Body, statuses[i])
				}
			})
		}
	}
	for key := range roleMatrix {
		if !routes[key] {
			t.Errorf("roleMatrix names %s, which is not served", key)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = 10*n + int(r-'0')
	}
	return n
}

func TestTokenAuth(t *testing.T) {
	db := openIndex(t, "")
	s := newTestServer(t, Config{RateLimit: -1}, db, NewTokenAuth(db))
	secrets := issueTokens(t, db)
	reg := secrets["regulator"]
	id, _ := supervise.TokenID(reg)
	last := "A"
	if strings.HasSuffix(reg, "A") {
		last = "B"
	}
	tampered := reg[:len(reg)-1] + last
	for _, tc := range []struct {
		name, header string
		status       int
	}{
		{"no header", "", 401},
		{"basic scheme", "Basic " + reg, 401},
		{"lower-case bearer", "bearer " + reg, 200},
		{"wrong secret", "Bearer " + tampered, 401},
		{"not a token", "Bearer regulator", 401},
		{"unknown id", "Bearer lj_ffffffffffffffff_" + strings.Repeat("A", 43), 401},
		{"valid", "Bearer " + reg, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			if tc.header != "" {
				hdr.Set("Authorization", tc.header)
			}
			rec := send(t, s.Handler(), "GET", Version+"/chains", "", hdr)
			if rec.Code != tc.status {
				t.Fatalf("GET chains with %q = %d %s, want %d", tc.header, rec.Code, rec.Body, tc.status)
			}
		})
	}
	if _, err := db.RevokeToken(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{"Authorization": {"Bearer " + reg}}
	if rec := send(t, s.Handler(), "GET", Version+"/chains", "", hdr); rec.Code != 401 {
		t.Fatalf("revoked token: GET chains = %d, want 401", rec.Code)
	}
}
