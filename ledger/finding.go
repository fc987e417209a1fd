package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Severity ranks a finding.
type Severity string

// Severities, from most to least urgent.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Rank orders severities: critical is 4, info 0, unknown -1.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	case Info:
		return 0
	}
	return -1
}

// Category groups rules by what they supervise.
type Category string

// Finding categories.
const (
	CatCrypto     Category = "crypto"
	CatIntegrity  Category = "integrity"
	CatNode       Category = "node"
	CatConsortium Category = "consortium"
	CatContract   Category = "contract"
)

// Status is a finding's place in the triage workflow.
type Status string

// Finding statuses.
const (
	StatusOpen          Status = "open"
	StatusAcknowledged  Status = "acknowledged"
	StatusRectifying    Status = "rectifying"
	StatusResolved      Status = "resolved"
	StatusAcceptedRisk  Status = "accepted-risk"
	StatusFalsePositive Status = "false-positive"
)

// Subject names the object a finding is about.
type Subject struct {
	Kind   string `json:"kind"` // chain, block, tx, identity, node, contract, config
	Ref    string `json:"ref"`  // hash, tx id, address, fingerprint, node id
	Height uint64 `json:"height,omitempty"`
	Org    string `json:"org,omitempty"` // owning MSP id or organisation, when known
}

// Finding is one supervision result: a rule found a problem in an object.
type Finding struct {
	ID        string            `json:"id"`
	Rule      string            `json:"rule"`
	Category  Category          `json:"category"`
	Severity  Severity          `json:"severity"`
	Chain     string            `json:"chain"`
	Subject   Subject           `json:"subject"`
	Message   string            `json:"message"`
	Evidence  map[string]string `json:"evidence,omitempty"`
	FirstSeen time.Time         `json:"firstSeen"`
	LastSeen  time.Time         `json:"lastSeen"`
	Status    Status            `json:"status"`
}

// FindingID derives the stable id of a finding from what it is about, so
// that the same problem seen twice (after a restart, a re-audit or a
// replayed block) updates one finding instead of creating a duplicate.
//
// A registered node is identified by its org and its id (two orgs may
// each register "peer0"), so the id of a finding about a node (Kind
// "node") with an org covers the org too: the two orgs' peer0 get two
// findings. Findings about anything else, and node findings without an
// org (a Clique signer address), derive their ids as before.
func FindingID(rule, chain string, s Subject) string {
	h := sha256.New()
	parts := []string{rule, chain, s.Kind, s.Ref}
	if s.Kind == "node" && s.Org != "" {
		parts = append(parts, s.Org)
	}
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// NewFinding fills a finding's derived fields from its rule and subject.
func NewFinding(r *RuleInfo, chain string, s Subject, at time.Time, msg string, evidence map[string]string) Finding {
	return Finding{
		ID:        FindingID(r.ID, chain, s),
		Rule:      r.ID,
		Category:  r.Category,
		Severity:  r.Severity,
		Chain:     chain,
		Subject:   s,
		Message:   msg,
		Evidence:  evidence,
		FirstSeen: at,
		LastSeen:  at,
		Status:    StatusOpen,
	}
}

// FindingFilter selects findings. Zero fields match everything.
type FindingFilter struct {
	Chain       string
	Severity    Severity // exact severity
	MinSeverity Severity
	Rule        string
	Category    Category
	Status      Status
	Org         string
	Since       time.Time
	Until       time.Time
	Subject     string // subject ref
}

// Match reports whether f passes the filter.
func (q FindingFilter) Match(f *Finding) bool {
	switch {
	case q.Chain != "" && f.Chain != q.Chain,
		q.Severity != "" && f.Severity != q.Severity,
		q.MinSeverity != "" && f.Severity.Rank() < q.MinSeverity.Rank(),
		q.Rule != "" && f.Rule != q.Rule,
		q.Category != "" && f.Category != q.Category,
		q.Status != "" && f.Status != q.Status,
		q.Org != "" && f.Subject.Org != q.Org,
		q.Subject != "" && f.Subject.Ref != q.Subject,
		!q.Since.IsZero() && f.LastSeen.Before(q.Since),
		!q.Until.IsZero() && f.FirstSeen.After(q.Until):
		return false
	}
	return true
}
