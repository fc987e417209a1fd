package compliance

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/lianjian/lianjian/ledger/ruletext"
)

// Text is one text in each language, by language tag ("zh-CN", "en").
type Text map[string]string

// In returns the text in lang ("en" or zh-CN, the default), falling back
// to the other language when lang's is empty.
func (t Text) In(lang string) string {
	if isEN(lang) {
		if s := t["en"]; s != "" {
			return s
		}
		return t["zh-CN"]
	}
	if s := t["zh-CN"]; s != "" {
		return s
	}
	return t["en"]
}

// isEN reports whether lang asks for English, as the rule texts read
// languages (ledger/ruletext.Lang).
func isEN(lang string) bool { return ruletext.Lang(lang) == ruletext.EN }

// Standard is one standard or regulation of the catalogue.
type Standard struct {
	ID      string   `json:"id"`   // short name: gbt42570, gmt0111, jrt0193, cac2019
	Code    string   `json:"code"` // as cited: "GB/T 42570-2023"
	Title   Text     `json:"title"`
	Kind    string   `json:"kind"`    // national standard, departmental regulation, …
	Sources []string `json:"sources"` // where the clause list was taken from
	// Wording says what of the standard the catalogue reproduces and
	// what could not be confirmed.
	Wording Text     `json:"wording"`
	Clauses []Clause `json:"clauses"`
}

// Clause is one clause (or article) of a standard.
type Clause struct {
	Number string `json:"number"`
	Title  Text   `json:"title"`
	// Confirmed is true when the number and title were read in a public
	// source (Source); otherwise Note says what could not be confirmed.
	Confirmed bool   `json:"confirmed"`
	Source    string `json:"source,omitempty"`
	Note      Text   `json:"note,omitempty"`
	// Checks are how Lianjian judges the clause; none means manual, and
	// Manual says why.
	Checks []Check `json:"checks,omitempty"`
	Manual Text    `json:"manual,omitempty"`
}

// Data sources a rule check judges.
const (
	SourceLedger    = "ledger"    // blocks, transactions and configs re-verified from the ledger
	SourceNodes     = "nodes"     // probes of registered nodes
	SourceContracts = "contracts" // contract and chaincode scans
)

// Facts a fact check reads.
const (
	FactNationalCrypto   = "national-crypto"
	FactAudited          = "audited"
	FactLedgerComplete   = "ledger-complete"
	FactLogRetention     = "log-retention"
	FactNodesRegistered  = "nodes-registered"
	FactContractsScanned = "contracts-scanned"
)

var facts = map[string]bool{FactNationalCrypto: true, FactAudited: true, FactLedgerComplete: true,
	FactLogRetention: true, FactNodesRegistered: true, FactContractsScanned: true}

// Check is one way of judging a clause: the open findings of rules, per
// chain kind (a kind without rules is not judged by this check), or a
// fact about the supervision.
type Check struct {
	Source string              `json:"source,omitempty"`
	Rules  map[string][]string `json:"rules,omitempty"`
	Fact   string              `json:"fact,omitempty"`
}

//go:embed standards/*.json
var files embed.FS

// catalogue holds the embedded standards, decoded once. They are part of
// the binary: a file that does not decode or validate is a programming
// error that the package's tests catch.
var catalogue = sync.OnceValue(func() []*Standard {
	names, err := files.ReadDir("standards")
	if err != nil {
		panic(err)
	}
	var out []*Standard
	for _, n := range names {
		b, err := files.ReadFile(path.Join("standards", n.Name()))
		if err != nil {
			panic(err)
		}
		s, err := Decode(b)
		if err != nil {
			panic(fmt.Sprintf("compliance: %s: %v", n.Name(), err))
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
})

// Decode reads and validates one standard's catalogue file.
func Decode(b []byte) (*Standard, error) {
	var s Standard
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCatalogue, err)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Standard) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrCatalogue, s.ID, fmt.Sprintf(format, a...))
	}
	switch {
	case s.ID == "" || s.Code == "":
		return fmt.Errorf("%w: a standard without id or code", ErrCatalogue)
	case s.Title["zh-CN"] == "" || s.Title["en"] == "":
		return bad("title needs zh-CN and en")
	case len(s.Sources) == 0:
		return bad("no sources")
	case len(s.Clauses) == 0:
		return bad("no clauses")
	}
	seen := map[string]bool{}
	for _, c := range s.Clauses {
		switch {
		case c.Number == "":
			return bad("a clause without a number")
		case seen[c.Number]:
			return bad("clause %s listed twice", c.Number)
		case c.Title["zh-CN"] == "" || c.Title["en"] == "":
			return bad("clause %s: title needs zh-CN and en", c.Number)
		case c.Confirmed && c.Source == "":
			return bad("clause %s: confirmed without a source", c.Number)
		case !c.Confirmed && c.Note["zh-CN"] == "":
			return bad("clause %s: unconfirmed without a note saying what is unconfirmed", c.Number)
		case len(c.Checks) == 0 && (c.Manual["zh-CN"] == "" || c.Manual["en"] == ""):
			return bad("clause %s: no checks and no manual reason (zh-CN and en)", c.Number)
		}
		seen[c.Number] = true
		for _, k := range c.Checks {
			switch {
			case k.Fact != "" && (k.Rules != nil || k.Source != ""):
				return bad("clause %s: a check is a fact or rules, not both", c.Number)
			case k.Fact != "" && !facts[k.Fact]:
				return bad("clause %s: unknown fact %q", c.Number, k.Fact)
			case k.Fact == "" && len(k.Rules) == 0:
				return bad("clause %s: a check without rules or fact", c.Number)
			case k.Fact == "" && k.Source != SourceLedger && k.Source != SourceNodes && k.Source != SourceContracts:
				return bad("clause %s: rules check with source %q (want ledger, nodes or contracts)", c.Number, k.Source)
			}
			for kind, ids := range k.Rules {
				if kind != "fabric" && kind != "fisco" && kind != "evm" {
					return bad("clause %s: rules for unknown chain kind %q", c.Number, kind)
				}
				if len(ids) == 0 {
					return bad("clause %s: empty rule list for %s", c.Number, kind)
				}
			}
		}
	}
	return nil
}

// Standards returns the catalogue's standards, sorted by id.
func Standards() []*Standard { return catalogue() }

// Lookup returns a standard by id (gbt42570, …), case-insensitively.
func Lookup(id string) (*Standard, bool) {
	for _, s := range catalogue() {
		if strings.EqualFold(s.ID, id) {
			return s, true
		}
	}
	return nil, false
}

// IDs returns the ids of the catalogue's standards.
func IDs() []string {
	var out []string
	for _, s := range catalogue() {
		out = append(out, s.ID)
	}
	return out
}
