package supervise

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Role is what a token holder is in the supervision workflow.
type Role string

// Roles.
const (
	// RoleRegulator reads everything, manages findings and users and
	// exports reports.
	RoleRegulator Role = "regulator"
	// RoleOperator is bound to one org: it manages that org's nodes and
	// sees and rectifies that org's findings.
	RoleOperator Role = "operator"
	// RoleAuditor submits scans and reads contracts and findings.
	RoleAuditor Role = "auditor"
)

// Roles lists every role.
func Roles() []Role { return []Role{RoleRegulator, RoleOperator, RoleAuditor} }

// ValidateRole checks a role and its org binding: operators need an org,
// the other roles must not have one.
func ValidateRole(r Role, org string) error {
	switch r {
	case RoleOperator:
		if org == "" {
			return fmt.Errorf("%w: operator needs an org", ErrRole)
		}
	case RoleRegulator, RoleAuditor:
		if org != "" {
			return fmt.Errorf("%w: %s is not bound to an org", ErrRole, r)
		}
	default:
		return fmt.Errorf("%w: %q (want regulator, operator or auditor)", ErrRole, r)
	}
	return nil
}

// Token is a stored API token. The secret itself is never stored: only
// its SM3 hash, compared in constant time.
type Token struct {
	ID        string    `json:"id"` // public part of the token, 16 hex digits
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Org       string    `json:"org,omitempty"`
	Hash      []byte    `json:"hash"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"createdBy"`
	Expires   time.Time `json:"expires,omitzero"`
	Revoked   time.Time `json:"revoked,omitzero"`
}

// Active reports whether the token may be used at now.
func (t *Token) Active(now time.Time) bool {
	return t.Revoked.IsZero() && (t.Expires.IsZero() || now.Before(t.Expires))
}

// Matches reports whether secret is this token's secret.
func (t *Token) Matches(secret string) bool {
	return subtle.ConstantTimeCompare(HashSecret(secret), t.Hash) == 1
}

// tokenPrefix marks Lianjian tokens so that secret scanners can find them.
const tokenPrefix = "lj_"

var secretPattern = regexp.MustCompile(`^lj_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$`)

// NewToken makes a token with 256 random bits for the given holder. It
// returns the record to store and the secret to show once.
func NewToken(name string, role Role, org, by string, now time.Time, ttl time.Duration) (Token, string, error) {
	if err := ValidateRole(role, org); err != nil {
		return Token{}, "", err
	}
	var id [8]byte
	var key [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return Token{}, "", fmt.Errorf("token id: %w", err)
	}
	if _, err := rand.Read(key[:]); err != nil {
		return Token{}, "", fmt.Errorf("token key: %w", err)
	}
	t := Token{
		ID: hex.EncodeToString(id[:]), Name: name, Role: role, Org: org,
		Created: now.UTC(), CreatedBy: by,
	}
	if ttl > 0 {
		t.Expires = t.Created.Add(ttl)
	}
	secret := tokenPrefix + t.ID + "_" + base64.RawURLEncoding.EncodeToString(key[:])
	t.Hash = HashSecret(secret)
	return t, secret, nil
}

// TokenID returns the public id inside a secret, or ErrToken when the
// secret is not shaped like a Lianjian token.
func TokenID(secret string) (string, error) {
	m := secretPattern.FindStringSubmatch(strings.TrimSpace(secret))
	if m == nil {
		return "", ErrToken
	}
	return m[1], nil
}

// HashSecret is the stored form of a secret: SM3 over the whole token.
// The token carries 256 random bits, so a fast hash is enough.
func HashSecret(secret string) []byte {
	h := sm3.Sum([]byte(secret))
	return h[:]
}
