package audit

import (
	"bytes"
	"fmt"
	"path"
	"slices"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger/fabric"
)

// party is a signer whose signature verified and whose certificate is
// valid in its MSP, offered to a policy.
type party struct {
	mspID string
	cert  *smx509.Certificate
	roles []string
}

// maxImplicitDepth bounds implicit meta policies that refer to further
// implicit meta policies (Fabric configs nest two levels).
const maxImplicitDepth = 8

// addParty appends p unless the same identity is already present: Fabric
// counts each identity once, however many times it signed.
func addParty(ps []party, p party) []party {
	for _, q := range ps {
		if q.mspID == p.mspID && bytes.Equal(q.cert.Raw, p.cert.Raw) {
			return ps
		}
	}
	return append(ps, p)
}

// satisfies evaluates the config policy at path against parties.
func (t *trust) satisfies(path string, parties []party) (bool, error) {
	return t.satisfiesDepth(path, parties, 0)
}

func (t *trust) satisfiesDepth(p string, parties []party, depth int) (bool, error) {
	if depth > maxImplicitDepth {
		return false, fmt.Errorf("policy %s: implicit meta policies nested too deep", p)
	}
	rule, err := t.policy(p)
	if err != nil {
		return false, err
	}
	if rule.Signature != nil {
		return satisfiesSignature(rule.Signature, parties), nil
	}
	im := rule.Implicit
	kids := t.children(path.Dir(p))
	ok := 0
	for _, k := range kids {
		sat, err := t.satisfiesDepth(path.Dir(p)+"/"+k+"/"+im.SubPolicy, parties, depth+1)
		if err == nil && sat {
			ok++
		}
	}
	var need int
	switch im.Rule {
	case "ANY":
		need = 1
	case "ALL":
		need = len(kids)
	case "MAJORITY":
		need = len(kids)/2 + 1
	default:
		return false, fmt.Errorf("policy %s: unknown implicit meta rule %q", p, im.Rule)
	}
	if len(kids) == 0 {
		need = 0 // Fabric: an implicit meta policy over no groups is satisfied
	}
	return ok >= need, nil
}

// satisfiesSignature evaluates a signature policy the way Fabric does:
// each identity satisfies at most one principal, and an N-out-of node
// keeps the identities used by each child that succeeded.
func satisfiesSignature(sp *fabric.SignaturePolicy, parties []party) bool {
	used := make([]bool, len(parties))
	return evalRule(sp, sp.Rule, parties, used)
}

func evalRule(sp *fabric.SignaturePolicy, r fabric.SignatureRule, parties []party, used []bool) bool {
	if r.SignedBy >= 0 {
		if r.SignedBy >= len(sp.Principals) {
			return false
		}
		pr := sp.Principals[r.SignedBy]
		for i, p := range parties {
			if !used[i] && matches(pr, p) {
				used[i] = true
				return true
			}
		}
		return false
	}
	verified := 0
	tmp := make([]bool, len(used))
	for _, sub := range r.Rules {
		copy(tmp, used)
		if evalRule(sp, sub, parties, tmp) {
			verified++
			copy(used, tmp)
		}
	}
	return verified >= r.N
}

// matches reports whether an identity satisfies a principal.
func matches(pr fabric.Principal, p party) bool {
	if pr.MSPID != p.mspID {
		return false
	}
	switch pr.Kind {
	case fabric.PrincipalRole:
		return slices.Contains(p.roles, pr.Role)
	case fabric.PrincipalOU:
		return slices.Contains(p.cert.Subject.OrganizationalUnit, pr.OU)
	case fabric.PrincipalIdentity:
		return bytes.Equal(pr.Cert, p.cert.Raw)
	}
	return false
}
