package compliance

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ruletext"
)

// Status is the outcome of a clause or a check.
type Status string

// Outcomes. A clause is manual when Lianjian has no check for it; not
// evaluated when it has checks but none could judge this chain (the data
// they need is missing, or none applies to the chain's kind).
const (
	Pass         Status = "pass"
	Fail         Status = "fail"
	NotEvaluated Status = "not-evaluated"
	Manual       Status = "manual"
)

// Facts are what an assessment knows of one chain.
type Facts struct {
	Chain ledger.Chain
	// Ingested is true once the index holds a block of the chain; Height
	// is then the newest, and Genesis whether it holds block 0 (with
	// GenesisTime its time).
	Ingested    bool
	Height      uint64
	Genesis     bool
	GenesisTime time.Time
	// Verified is how far every block has been re-verified: the audit
	// height (its checkpoint), for every kind of chain. VerifiedKnown is
	// false when the audit has not run on the chain yet.
	Verified      uint64
	VerifiedKnown bool
	// Findings are the chain's findings, in every status.
	Findings []*ledger.Finding
	// Nodes is the number of the chain's active registered nodes, Probed
	// how many of them have a probe result.
	Nodes, Probed int
	// Contracts is the number of contracts (chaincode definitions) the
	// index knows on the chain, Scanned how many have a finished scan.
	Contracts, Scanned int
	// LogAnchored is true when the service's audit log is anchored by
	// SM2-signed checkpoints (its entries are never deleted).
	LogAnchored bool
	Now         time.Time
}

// Assessment is a chain assessed against one standard.
type Assessment struct {
	Standard  StandardRef    `json:"standard"`
	Chain     string         `json:"chain"`
	ChainKind string         `json:"chainKind"`
	Lang      string         `json:"lang"`
	Generated time.Time      `json:"generated"`
	Summary   map[Status]int `json:"summary"`
	Clauses   []ClauseResult `json:"clauses"`
}

// StandardRef names the standard an assessment is against.
type StandardRef struct {
	ID      string   `json:"id"`
	Code    string   `json:"code"`
	Title   string   `json:"title"`
	Kind    string   `json:"kind"`
	Sources []string `json:"sources"`
	Wording string   `json:"wording"`
}

// ClauseResult is one clause's outcome. Findings are the findings that
// fail it (at most MaxEvidence; FindingCount counts them all).
type ClauseResult struct {
	Number       string        `json:"number"`
	Title        string        `json:"title"`
	Confirmed    bool          `json:"confirmed"`
	Source       string        `json:"source,omitempty"`
	Note         string        `json:"note,omitempty"`
	Status       Status        `json:"status"`
	Reasons      []string      `json:"reasons"`
	Checks       []CheckResult `json:"checks,omitempty"`
	Findings     []FindingRef  `json:"findings,omitempty"`
	FindingCount int           `json:"findingCount"`
}

// CheckResult is one check of a clause.
type CheckResult struct {
	Check  string   `json:"check"` // "rules:ledger", "fact:audited", …
	Rules  []string `json:"rules,omitempty"`
	Status Status   `json:"status"`
	Reason string   `json:"reason"`
	// Applies is false for a rules check without rules for the chain's
	// kind: it counts neither for nor against the clause.
	Applies bool `json:"applies"`
}

// FindingRef is a finding given as evidence of a failed clause.
type FindingRef struct {
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	Subject  string `json:"subject"`
	Message  string `json:"message"`
}

// MaxEvidence bounds the findings listed per clause.
const MaxEvidence = 20

// RetentionDays is the record keeping the 区块链信息服务管理规定 asks for
// (six months).
const RetentionDays = 180

// gapRules are the rules whose findings mean blocks are missing.
var gapRules = map[string]bool{"BRK-GAP": true, "FAB-HEIGHT": true, "FISCO-GAP": true}

// Relevant reports whether Evaluate of std for a chain of kind reads
// finding f: one that still counts (see counts) of a rule std's checks
// name for the kind, or of a rule the facts read (missing blocks). A
// caller gathering Facts.Findings keeps only these.
func (s *Standard) Relevant(kind ledger.Kind, f *ledger.Finding) bool {
	if !counts(f) {
		return false
	}
	if gapRules[f.Rule] {
		return true
	}
	for _, c := range s.Clauses {
		for _, k := range c.Checks {
			if slices.Contains(k.Rules[string(kind)], f.Rule) {
				return true
			}
		}
	}
	return false
}

// counts reports whether a finding still stands against the chain:
// resolved findings and false positives do not; an accepted risk does
// (the risk was accepted, the requirement is still not met).
func counts(f *ledger.Finding) bool {
	return f.Status != ledger.StatusResolved && f.Status != ledger.StatusFalsePositive
}

// Evaluate assesses the chain of facts against std in lang (zh-CN by
// default, or en).
func Evaluate(std *Standard, f Facts, lang string) Assessment {
	l := ruletext.Lang(lang)
	a := Assessment{
		Standard: StandardRef{ID: std.ID, Code: std.Code, Title: std.Title.In(l), Kind: std.Kind,
			Sources: std.Sources, Wording: std.Wording.In(l)},
		Chain: f.Chain.ID, ChainKind: string(f.Chain.Kind), Lang: l, Generated: f.Now.UTC(),
		Summary: map[Status]int{Pass: 0, Fail: 0, NotEvaluated: 0, Manual: 0},
	}
	byRule := map[string][]*ledger.Finding{}
	for _, fd := range f.Findings {
		if fd.Chain == f.Chain.ID && counts(fd) {
			byRule[fd.Rule] = append(byRule[fd.Rule], fd)
		}
	}
	e := evaluator{f: f, lang: l, byRule: byRule}
	for _, c := range std.Clauses {
		r := e.clause(c)
		a.Summary[r.Status]++
		a.Clauses = append(a.Clauses, r)
	}
	return a
}

type evaluator struct {
	f      Facts
	lang   string
	byRule map[string][]*ledger.Finding
}

func (e *evaluator) clause(c Clause) ClauseResult {
	r := ClauseResult{Number: c.Number, Title: c.Title.In(e.lang), Confirmed: c.Confirmed, Source: c.Source,
		Note: c.Note.In(e.lang), Reasons: []string{}}
	if len(c.Checks) == 0 {
		r.Status = Manual
		r.Reasons = append(r.Reasons, c.Manual.In(e.lang))
		return r
	}
	var failing []*ledger.Finding
	seen := map[string]bool{}
	for _, k := range c.Checks {
		cr, fs := e.check(k)
		r.Checks = append(r.Checks, cr)
		for _, fd := range fs {
			if !seen[fd.ID] {
				seen[fd.ID] = true
				failing = append(failing, fd)
			}
		}
	}
	// One failed check fails the clause; it passes only when every check
	// that applies passed; otherwise it is not evaluated. Checks that do
	// not apply to the chain's kind do not count either way.
	applied, passed := 0, 0
	for _, cr := range r.Checks {
		switch cr.Status {
		case Fail:
			r.Status = Fail
		case Pass:
			applied++
			passed++
		case NotEvaluated:
			if cr.Applies {
				applied++
			}
		}
	}
	switch {
	case r.Status == Fail:
	case applied > 0 && passed == applied:
		r.Status = Pass
	default:
		r.Status = NotEvaluated
	}
	// The reasons are those of the checks that decided: the failed ones
	// for a failed clause, every applicable one for a passed clause, and
	// for a clause not evaluated the checks that could not judge it.
	for _, cr := range r.Checks {
		if cr.Status == r.Status && (cr.Applies || r.Status == NotEvaluated && applied == 0) && !slices.Contains(r.Reasons, cr.Reason) {
			r.Reasons = append(r.Reasons, cr.Reason)
		}
	}
	sort.Slice(failing, func(i, j int) bool {
		a, b := failing[i], failing[j]
		if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
			return ra > rb
		}
		if a.Subject.Height != b.Subject.Height {
			return a.Subject.Height < b.Subject.Height
		}
		return a.ID < b.ID
	})
	r.FindingCount = len(failing)
	for i, fd := range failing {
		if i == MaxEvidence {
			break
		}
		r.Findings = append(r.Findings, FindingRef{ID: fd.ID, Rule: fd.Rule, Severity: string(fd.Severity),
			Status: string(fd.Status), Subject: ruletext.Kind(fd.Subject.Kind, e.lang) + " " + fd.Subject.Ref, Message: fd.MessageIn(e.lang)})
	}
	return r
}

// check evaluates one check: its result, and for a failed rules check the
// findings that fail it.
func (e *evaluator) check(k Check) (CheckResult, []*ledger.Finding) {
	if k.Fact != "" {
		st, reason := e.fact(k.Fact)
		return CheckResult{Check: "fact:" + k.Fact, Status: st, Reason: reason, Applies: true}, nil
	}
	cr := CheckResult{Check: "rules:" + k.Source}
	rules := k.Rules[string(e.f.Chain.Kind)]
	if len(rules) == 0 {
		cr.Status, cr.Reason = NotEvaluated, say(e.lang, "notApplicable")
		return cr, nil
	}
	cr.Rules, cr.Applies = rules, true
	if ok, why := e.examined(k.Source); !ok {
		cr.Status, cr.Reason = NotEvaluated, why
		return cr, nil
	}
	var fs []*ledger.Finding
	for _, id := range rules {
		fs = append(fs, e.byRule[id]...)
	}
	if len(fs) > 0 {
		cr.Status, cr.Reason = Fail, fmt.Sprintf(say(e.lang, "rulesFail"), len(fs), len(rules))
		return cr, fs
	}
	cr.Status, cr.Reason = Pass, fmt.Sprintf(say(e.lang, "rulesPass"), len(rules), e.scope(k.Source))
	return cr, nil
}

// examined reports whether the data a source's rules judge has been
// examined for the chain, and if not, why.
func (e *evaluator) examined(source string) (bool, string) {
	switch source {
	case SourceNodes:
		if e.f.Probed == 0 {
			return false, say(e.lang, "noProbes")
		}
	case SourceContracts:
		if e.f.Scanned == 0 {
			return false, say(e.lang, "noScans")
		}
	default:
		if !e.f.VerifiedKnown {
			return false, say(e.lang, "noVerified")
		}
	}
	return true, ""
}

// scope says what a passed rules check covered.
func (e *evaluator) scope(source string) string {
	switch source {
	case SourceNodes:
		return fmt.Sprintf(say(e.lang, "scopeNodes"), e.f.Probed)
	case SourceContracts:
		return fmt.Sprintf(say(e.lang, "scopeContracts"), e.f.Scanned)
	}
	return fmt.Sprintf(say(e.lang, "scopeLedger"), e.f.Verified)
}

func (e *evaluator) fact(name string) (Status, string) {
	f := e.f
	switch name {
	case FactNationalCrypto:
		if f.Chain.Crypto == ledger.CryptoGM {
			return Pass, say(e.lang, "gm")
		}
		return Fail, say(e.lang, "notGM")
	case FactAudited:
		switch {
		case !f.Ingested || !f.VerifiedKnown:
			return NotEvaluated, say(e.lang, "noVerified")
		case f.Verified < f.Height:
			return NotEvaluated, fmt.Sprintf(say(e.lang, "auditBehind"), f.Verified, f.Height)
		}
		return Pass, fmt.Sprintf(say(e.lang, "auditDone"), f.Height)
	case FactLedgerComplete:
		if !f.Ingested {
			return NotEvaluated, say(e.lang, "noBlocks")
		}
		for id := range gapRules {
			if n := len(e.byRule[id]); n > 0 {
				return Fail, fmt.Sprintf(say(e.lang, "gaps"), n)
			}
		}
		if !f.Genesis {
			return NotEvaluated, say(e.lang, "noGenesis")
		}
		days := 0
		if !f.GenesisTime.IsZero() && f.Now.After(f.GenesisTime) {
			days = int(f.Now.Sub(f.GenesisTime).Hours() / 24)
		}
		if days >= RetentionDays {
			return Pass, fmt.Sprintf(say(e.lang, "completeLong"), f.Height, days, RetentionDays)
		}
		return Pass, fmt.Sprintf(say(e.lang, "completeShort"), f.Height, days, RetentionDays)
	case FactLogRetention:
		if f.LogAnchored {
			return Pass, fmt.Sprintf(say(e.lang, "logAnchored"), RetentionDays)
		}
		return Fail, say(e.lang, "logNotAnchored")
	case FactNodesRegistered:
		if f.Nodes == 0 {
			return Fail, say(e.lang, "noNodes")
		}
		return Pass, fmt.Sprintf(say(e.lang, "nodes"), f.Nodes, f.Probed)
	case FactContractsScanned:
		switch {
		case f.Contracts == 0:
			return NotEvaluated, say(e.lang, "noContracts")
		case f.Scanned < f.Contracts:
			return NotEvaluated, fmt.Sprintf(say(e.lang, "someScanned"), f.Scanned, f.Contracts)
		}
		return Pass, fmt.Sprintf(say(e.lang, "allScanned"), f.Contracts)
	}
	return NotEvaluated, name
}
