package nodes

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// policyNode is a signature policy in the readable syntax the ledger
// model renders (Fabric's policy language): a principal leaf 'MSP.role',
// or N out of its children (AND = all, OR = one, OutOf(n, …)).
type policyNode struct {
	msp  string // leaf: the principal's MSP id
	n    int
	subs []policyNode
}

var errPolicySyntax = errors.New("policy syntax")

// maxPolicyNodes bounds the size of a parsed policy.
const maxPolicyNodes = 4096

// parsePolicyText parses a rendered signature policy.
func parsePolicyText(s string) (policyNode, error) {
	p := &policyParser{s: s}
	n, err := p.expr(0)
	if err != nil {
		return policyNode{}, err
	}
	p.space()
	if p.i != len(p.s) {
		return policyNode{}, fmt.Errorf("%w: trailing %q", errPolicySyntax, p.s[p.i:])
	}
	return n, nil
}

type policyParser struct {
	s     string
	i     int
	nodes int
}

func (p *policyParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *policyParser) expr(depth int) (policyNode, error) {
	p.nodes++
	if depth > 64 || p.nodes > maxPolicyNodes {
		return policyNode{}, fmt.Errorf("%w: too deep or too large", errPolicySyntax)
	}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '\'' {
		end := strings.IndexByte(p.s[p.i+1:], '\'')
		if end < 0 {
			return policyNode{}, fmt.Errorf("%w: unterminated principal", errPolicySyntax)
		}
		name := p.s[p.i+1 : p.i+1+end]
		p.i += end + 2
		return policyNode{msp: principalMSP(name)}, nil
	}
	open := strings.IndexByte(p.s[p.i:], '(')
	if open < 0 {
		return policyNode{}, fmt.Errorf("%w: expected a principal or a gate at %d", errPolicySyntax, p.i)
	}
	gate := strings.TrimSpace(p.s[p.i : p.i+open])
	p.i += open + 1
	n := -1
	switch strings.ToUpper(gate) {
	case "AND":
	case "OR":
		n = 1
	case "OUTOF":
		p.space()
		comma := strings.IndexByte(p.s[p.i:], ',')
		if comma < 0 {
			return policyNode{}, fmt.Errorf("%w: OutOf without count", errPolicySyntax)
		}
		v, err := strconv.Atoi(strings.TrimSpace(p.s[p.i : p.i+comma]))
		if err != nil || v < 0 {
			return policyNode{}, fmt.Errorf("%w: OutOf count", errPolicySyntax)
		}
		n = v
		p.i += comma + 1
	default:
		return policyNode{}, fmt.Errorf("%w: unknown gate %q", errPolicySyntax, gate)
	}
	var subs []policyNode
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			break
		}
		if len(subs) > 0 {
			if p.i >= len(p.s) || p.s[p.i] != ',' {
				return policyNode{}, fmt.Errorf("%w: expected ',' at %d", errPolicySyntax, p.i)
			}
			p.i++
		}
		sub, err := p.expr(depth + 1)
		if err != nil {
			return policyNode{}, err
		}
		subs = append(subs, sub)
	}
	if n < 0 {
		n = len(subs)
	}
	return policyNode{n: n, subs: subs}, nil
}

// principalMSP takes the MSP id of a rendered principal: "Org1MSP.peer",
// "Org1MSP.ou:dept", "Org1MSP.identity:…".
func principalMSP(name string) string {
	if i := strings.Index(name, ".ou:"); i >= 0 {
		return name[:i]
	}
	if i := strings.Index(name, ".identity"); i >= 0 {
		return name[:i]
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return name
}

// satisfiedBy reports whether identities of the MSPs in orgs alone (as
// many as needed) satisfy the policy.
func (n policyNode) satisfiedBy(orgs map[string]bool) bool {
	if n.subs == nil && n.msp != "" {
		return orgs[n.msp]
	}
	got := 0
	for _, s := range n.subs {
		if s.satisfiedBy(orgs) {
			got++
		}
	}
	return got >= n.n && n.n > 0
}

// singleOrg returns an org whose identities alone satisfy the policy, or
// "" when none can.
func (n policyNode) singleOrg(candidates []string) string {
	for _, m := range candidates {
		if n.satisfiedBy(map[string]bool{m: true}) {
			return m
		}
	}
	return ""
}

// implicitMeta splits a rendered implicit meta rule "MAJORITY Admins".
func implicitMeta(rule string) (kind, sub string, ok bool) {
	kind, sub, ok = strings.Cut(strings.TrimSpace(rule), " ")
	switch kind {
	case "ANY", "ALL", "MAJORITY":
		return kind, sub, ok
	}
	return "", "", false
}

// orgsRequired is how many of n child orgs an implicit meta rule needs.
func orgsRequired(kind string, n int) int {
	switch kind {
	case "ANY":
		return min(1, n)
	case "ALL":
		return n
	}
	return n/2 + 1
}
