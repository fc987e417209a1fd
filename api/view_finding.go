package api

import "github.com/lianjian/lianjian/ledger"

// FindingView is one supervision result.
type FindingView struct {
	ID        string            `json:"id"`
	Rule      string            `json:"rule"`
	Category  string            `json:"category"`
	Severity  string            `json:"severity"`
	Chain     string            `json:"chain"`
	Subject   SubjectView       `json:"subject"`
	Message   string            `json:"message"`
	Evidence  map[string]string `json:"evidence,omitempty"`
	FirstSeen string            `json:"firstSeen"`
	LastSeen  string            `json:"lastSeen"`
	Status    string            `json:"status"`
	// Risk is false for the failure of an integrity or cryptographic
	// check, which fails the verification status of the block or
	// transaction it is about; true for every other finding (a replay
	// risk, a posture, node or contract finding), which is shown beside
	// that status and never fails it.
	Risk bool `json:"risk"`
	// Title, Advice and Clauses come from the finding's rule: what it
	// means, how to remedy it, and the standard clauses it serves. They
	// are empty for a rule the catalogue does not hold.
	Title   string   `json:"title,omitempty"`
	Advice  string   `json:"advice,omitempty"`
	Clauses []string `json:"clauses,omitempty"`
}

// SubjectView names the object a finding is about.
type SubjectView struct {
	Kind   string `json:"kind"`
	Ref    string `json:"ref"`
	Height uint64 `json:"height,omitempty"`
	Org    string `json:"org,omitempty"`
}

// findingView renders f with what its rule (from rules, by id) says.
func findingView(f *ledger.Finding, rules map[string]*ledger.RuleInfo) FindingView {
	v := FindingView{
		ID: f.ID, Rule: f.Rule, Category: string(f.Category), Severity: string(f.Severity),
		Chain: f.Chain, Message: f.Message, Evidence: f.Evidence, Status: string(f.Status),
		Subject:   SubjectView{Kind: f.Subject.Kind, Ref: f.Subject.Ref, Height: f.Subject.Height, Org: f.Subject.Org},
		FirstSeen: timeText(f.FirstSeen), LastSeen: timeText(f.LastSeen),
	}
	r, ok := rules[f.Rule]
	if !ok {
		// Not in the catalogue: judge by what the finding itself records.
		r = &ledger.RuleInfo{Severity: f.Severity, Category: f.Category}
	}
	v.Risk = !r.Verifies()
	v.Title, v.Advice, v.Clauses = r.Title, r.Doc, r.Clauses
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

// RuleView is one declared rule of the catalogue.
type RuleView struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Doc      string   `json:"doc"`
	Severity string   `json:"severity"`
	Category string   `json:"category"`
	Clauses  []string `json:"clauses,omitempty"`
	Sources  []string `json:"sources,omitempty"`
}

func ruleView(r *ledger.RuleInfo) RuleView {
	return RuleView{
		ID: r.ID, Title: r.Title, Doc: r.Doc, Severity: string(r.Severity),
		Category: string(r.Category), Clauses: r.Clauses, Sources: r.Sources,
	}
}
