package api

import (
	"context"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ruletext"
)

// FindingView is one supervision result.
type FindingView struct {
	ID       string            `json:"id"`
	Rule     string            `json:"rule"`
	Category string            `json:"category"`
	Severity string            `json:"severity"`
	Chain    string            `json:"chain"`
	Subject  SubjectView       `json:"subject"`
	Message  string            `json:"message"`
	Evidence map[string]string `json:"evidence,omitempty"`
	// EvidenceList is the evidence as a reader sees it in the request's
	// language: each key's label and its value (fixed words our checks
	// write translated, data as recorded), sorted by key. Message is in
	// that language too; Evidence keeps the values as recorded.
	EvidenceList []ledger.EvidenceItem `json:"evidenceList,omitempty"`
	FirstSeen    string                `json:"firstSeen"`
	LastSeen     string                `json:"lastSeen"`
	Status       string                `json:"status"`
	// Risk is false for the failure of an integrity or cryptographic
	// check, which fails the verification status of the block or
	// transaction it is about; true for every other finding (a replay
	// risk, a posture, node or contract finding), which is shown beside
	// that status and never fails it.
	Risk bool `json:"risk"`
	// Title, Description and Advice come from the finding's rule, in the
	// request's language (ledger/ruletext): what it means, the problem it
	// detects, and how to remedy it (整改建议: what to change, where, and
	// the clauses served). Clauses are the standard clauses the rule
	// serves as it declares them; ClauseNames name them in the request's
	// language. All are empty for a rule the server does not know.
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Advice      string   `json:"advice,omitempty"`
	Clauses     []string `json:"clauses,omitempty"`
	ClauseNames []string `json:"clauseNames,omitempty"`
}

// SubjectView names the object a finding is about.
type SubjectView struct {
	Kind   string `json:"kind"`
	Ref    string `json:"ref"`
	Height uint64 `json:"height,omitempty"`
	Org    string `json:"org,omitempty"`
}

// findingView renders f with what its rule (from rules, by id) says in
// lang (zh-CN or en). fabric tells whether f's chain is a Fabric chain,
// whose transaction ids are shown bare (see txIDOf).
func findingView(f *ledger.Finding, rules map[string]*ledger.RuleInfo, lang string, fabric bool) FindingView {
	ref := f.Subject.Ref
	if f.Subject.Kind == "tx" {
		ref = txIDOf(fabric, ref)
	}
	v := FindingView{
		ID: f.ID, Rule: f.Rule, Category: string(f.Category), Severity: string(f.Severity),
		Chain: f.Chain, Message: f.MessageAs(lang, ref), Evidence: f.Evidence, EvidenceList: f.EvidenceIn(lang), Status: string(f.Status),
		Subject:   SubjectView{Kind: f.Subject.Kind, Ref: ref, Height: f.Subject.Height, Org: f.Subject.Org},
		FirstSeen: timeText(f.FirstSeen), LastSeen: timeText(f.LastSeen),
	}
	r, ok := rules[f.Rule]
	if !ok {
		// Not in the catalogue: judge by what the finding itself records.
		r = &ledger.RuleInfo{Severity: f.Severity, Category: f.Category}
	}
	v.Risk = !r.Verifies()
	v.Clauses = r.Clauses
	for _, c := range r.Clauses {
		v.ClauseNames = append(v.ClauseNames, ruletext.Clause(c, lang))
	}
	if t, ok := ruletext.For(f.Rule, lang); ok {
		v.Title, v.Description, v.Advice = t.Title, t.Description, t.Advice
		return v
	}
	// A rule without texts (one a test declares): its declaration's
	// English doc says what it detects and how to fix it.
	v.Title, v.Advice = r.Title, r.Doc
	return v
}

// ruleIndex returns the server's rule catalogue by id.
func (s *Server) ruleIndex() map[string]*ledger.RuleInfo {
	rs := s.rules()
	out := make(map[string]*ledger.RuleInfo, len(rs))
	for _, r := range rs {
		out[r.ID] = r
	}
	return out
}

// RuleView is one declared rule of the catalogue. Title, Description and
// Advice are in the request's language (ledger/ruletext); Doc is the
// declaration's English documentation, as docs/rules.md shows it.
type RuleView struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Advice      string   `json:"advice,omitempty"`
	Doc         string   `json:"doc"`
	Severity    string   `json:"severity"`
	Category    string   `json:"category"`
	Clauses     []string `json:"clauses,omitempty"`
	Sources     []string `json:"sources,omitempty"`
}

func ruleView(r *ledger.RuleInfo, lang string) RuleView {
	v := RuleView{
		ID: r.ID, Title: r.Title, Doc: r.Doc, Severity: string(r.Severity),
		Category: string(r.Category), Clauses: r.Clauses, Sources: r.Sources,
	}
	if t, ok := ruletext.For(r.ID, lang); ok {
		v.Title, v.Description, v.Advice = t.Title, t.Description, t.Advice
	}
	return v
}

// fabricChains tells which chains are Fabric chains, reading the chain
// list once per request.
func (s *Server) fabricChains(ctx context.Context) func(chain string) bool {
	var kinds map[string]ledger.Kind
	return func(chain string) bool {
		if kinds == nil {
			kinds = map[string]ledger.Kind{}
			if cs, err := s.idx.Chains(ctx); err == nil {
				for _, c := range cs {
					kinds[c.ID] = c.Kind
				}
			}
		}
		return kinds[chain] == ledger.KindFabric
	}
}
