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
}

// SubjectView names the object a finding is about.
type SubjectView struct {
	Kind   string `json:"kind"`
	Ref    string `json:"ref"`
	Height uint64 `json:"height,omitempty"`
	Org    string `json:"org,omitempty"`
}

func findingView(f *ledger.Finding) FindingView {
	return FindingView{
		ID: f.ID, Rule: f.Rule, Category: string(f.Category), Severity: string(f.Severity),
		Chain: f.Chain, Message: f.Message, Evidence: f.Evidence, Status: string(f.Status),
		Subject:   SubjectView{Kind: f.Subject.Kind, Ref: f.Subject.Ref, Height: f.Subject.Height, Org: f.Subject.Org},
		FirstSeen: timeText(f.FirstSeen), LastSeen: timeText(f.LastSeen),
	}
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
