package ledger

import (
	"fmt"
	"regexp"
	"sort"
	"sync"
)

// RuleInfo declares a rule: its stable id, what it means and how urgent it
// is. Audit checks, node checks and contract detectors embed it next to
// their own Run function, and register it so that the catalogue in
// docs/rules.md is generated from the declarations.
type RuleInfo struct {
	ID       string
	Title    string
	Doc      string // what the rule detects, why it matters, how to fix it
	Severity Severity
	Category Category
	// Clauses are the standard clauses the rule serves, e.g.
	// "GM/T 0111-2021 6.2", "GB/T 42570-2023 7.3", "SWC-107".
	Clauses []string
	// Sources are public references (advisories, vendor docs) for the check.
	Sources []string
	// Risk marks a rule whose findings flag a risk in data that is
	// authentic: a transaction open to replay, an algorithm or a setting a
	// standard advises against. Such findings are shown beside an object's
	// verification status and never fail it (see Verifies).
	Risk bool
}

// Verifies reports whether a failure of the rule means that the object
// it is about is not what it claims to be, so that the object's one
// verification status (its Verdict) fails. That is the rule of the
// verdict model: integrity and cryptographic checks (signatures, hash
// links, roots, certificates, policies) count; the integrity, crypto and
// consortium categories hold them (consensus seals and quorums are
// consortium rules). Rules marked Risk, informational rules, and node and
// contract rules never fail a verdict: their findings are shown beside it.
func (r *RuleInfo) Verifies() bool {
	if r.Risk || r.Severity == Info {
		return false
	}
	switch r.Category {
	case CatIntegrity, CatCrypto, CatConsortium:
		return true
	}
	return false
}

var ruleID = regexp.MustCompile(`^[A-Z]{2,5}-[A-Z0-9]+(-[A-Z0-9]+)*$`)

// Validate checks that the declaration is complete.
func (r *RuleInfo) Validate() error {
	switch {
	case !ruleID.MatchString(r.ID):
		return fmt.Errorf("%w: id %q is not of the form AREA-NAME", ErrInvalidRule, r.ID)
	case r.Title == "":
		return fmt.Errorf("%w: %s has no title", ErrInvalidRule, r.ID)
	case r.Doc == "":
		return fmt.Errorf("%w: %s has no doc", ErrInvalidRule, r.ID)
	case r.Severity.Rank() < 0:
		return fmt.Errorf("%w: %s has severity %q", ErrInvalidRule, r.ID, r.Severity)
	case r.Category == "":
		return fmt.Errorf("%w: %s has no category", ErrInvalidRule, r.ID)
	}
	return nil
}

var (
	rulesMu sync.Mutex
	rules   = map[string]*RuleInfo{}
)

// Register adds rule declarations to the catalogue. It panics on an
// invalid or duplicate declaration: rules are package-level values, so
// that is a programming error caught at start-up by any test.
func Register(rs ...*RuleInfo) {
	rulesMu.Lock()
	defer rulesMu.Unlock()
	for _, r := range rs {
		if err := r.Validate(); err != nil {
			panic(err)
		}
		if old, ok := rules[r.ID]; ok && old != r {
			panic(fmt.Sprintf("rule %s registered twice", r.ID))
		}
		rules[r.ID] = r
	}
}

// Rules returns every registered rule sorted by id.
func Rules() []*RuleInfo {
	rulesMu.Lock()
	defer rulesMu.Unlock()
	out := make([]*RuleInfo, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupRule returns a registered rule by id.
func LookupRule(id string) (*RuleInfo, bool) {
	rulesMu.Lock()
	defer rulesMu.Unlock()
	r, ok := rules[id]
	return r, ok
}
