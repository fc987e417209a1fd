package nodes

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// A risk score ranks what a regulator should look at first. Its level is
// the severity of the worst open finding, so the label always matches
// the findings, and each level owns a band of scores: any subject with a
// critical finding scores above every subject without one, and so on
// down. Within its band a score rises with the weight of the other open
// findings (severityPoints, halved), up to the band's top.
var (
	// severityPoints weighs a finding of each severity.
	severityPoints = map[ledger.Severity]int{
		ledger.Critical: 40, ledger.High: 20, ledger.Medium: 8, ledger.Low: 3, ledger.Info: 0,
	}
	// bands are the lowest and highest score of each level.
	bands = map[ledger.Severity][2]int{
		ledger.Critical: {70, 100}, ledger.High: {45, 69}, ledger.Medium: {20, 44}, ledger.Low: {5, 19},
	}
	// levels name the level of a worst severity.
	levels = map[ledger.Severity]string{
		ledger.Critical: "critical", ledger.High: "high", ledger.Medium: "medium", ledger.Low: "low",
	}
)

// Risk subject kinds.
const (
	SubjectNode  = "node"
	SubjectOrg   = "org"
	SubjectChain = "chain"
)

// Score is the risk of a node, an org or a chain at one time, with the
// findings that make it up.
type Score struct {
	Subject      string                  `json:"subject"` // node/ID, org/CHAIN/MSP or chain/CHAIN
	Kind         string                  `json:"kind"`
	Ref          string                  `json:"ref"`
	Chain        string                  `json:"chain"`
	Time         time.Time               `json:"time"`
	Score        int                     `json:"score"` // 0 (no known risk) to 100, in the band of its level
	Level        string                  `json:"level"` // the worst open finding's severity: none, low, medium, high, critical
	Counts       map[ledger.Severity]int `json:"counts"`
	Explanation  string                  `json:"explanation"`
	Contributors []Contributor           `json:"contributors"`
}

// Contributor is one finding that makes up a score.
type Contributor struct {
	Finding  string          `json:"finding"`
	Rule     string          `json:"rule"`
	Severity ledger.Severity `json:"severity"`
	Points   int             `json:"points"` // the finding's weight (severityPoints)
	Message  string          `json:"message"`
}

// SubjectKey names a risk subject as stored: node/ID, org/CHAIN/MSP,
// chain/CHAIN.
func SubjectKey(kind, chain, ref string) string {
	switch kind {
	case SubjectNode:
		return "node/" + ref
	case SubjectOrg:
		return "org/" + chain + "/" + ref
	}
	return "chain/" + chain
}

// NewScore scores a subject from the open findings that concern it
// (closed ones, resolved, accepted as a risk or false positives, do not
// count). The explanation names the score, the counts by severity and the
// worst findings in plain words.
func NewScore(kind, chain, ref string, fs []ledger.Finding, at time.Time) Score {
	s := Score{Subject: SubjectKey(kind, chain, ref), Kind: kind, Ref: ref, Chain: chain, Time: at.UTC(),
		Counts: map[ledger.Severity]int{}, Contributors: []Contributor{}}
	seen := map[string]bool{}
	weight := 0
	for _, f := range fs {
		if seen[f.ID] || supervise.Closed(f.Status) {
			continue
		}
		seen[f.ID] = true
		pts := severityPoints[f.Severity]
		s.Counts[f.Severity]++
		weight += pts
		s.Contributors = append(s.Contributors, Contributor{Finding: f.ID, Rule: f.Rule, Severity: f.Severity, Points: pts, Message: f.Message})
	}
	slices.SortStableFunc(s.Contributors, func(a, b Contributor) int {
		return cmp.Or(b.Severity.Rank()-a.Severity.Rank(), b.Points-a.Points, strings.Compare(a.Rule, b.Rule))
	})
	s.Level, s.Score = "none", 0
	if len(s.Contributors) > 0 {
		worst := s.Contributors[0]
		if band, ok := bands[worst.Severity]; ok {
			s.Level = levels[worst.Severity]
			s.Score = min(band[1], band[0]+(weight-worst.Points)/2)
		}
	}
	s.Explanation = explain(s)
	return s
}

func explain(s Score) string {
	if len(s.Contributors) == 0 {
		return fmt.Sprintf("%s %s: no open findings, score 0.", s.Kind, s.Ref)
	}
	var counts []string
	for _, sev := range []ledger.Severity{ledger.Critical, ledger.High, ledger.Medium, ledger.Low, ledger.Info} {
		if n := s.Counts[sev]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s scores %d/100 (%s: the worst open finding is %s) from %s finding(s).",
		s.Kind, s.Ref, s.Score, s.Level, s.Contributors[0].Severity, strings.Join(counts, ", "))
	for i, c := range s.Contributors {
		if i == 3 {
			fmt.Fprintf(&b, " And %d more.", len(s.Contributors)-3)
			break
		}
		if c.Points == 0 {
			break
		}
		fmt.Fprintf(&b, " %s (%s): %s.", c.Rule, c.Severity, strings.TrimSuffix(c.Message, "."))
	}
	return b.String()
}

// Scores scores every registered node, every org and every chain from
// the current findings. Node findings are matched by subject ref (the
// node id, optionally followed by '#'); org findings by Subject.Org;
// chain scores take every finding of the chain.
func Scores(nodes []Node, chains []string, fs []ledger.Finding, at time.Time) []Score {
	byChain := map[string][]ledger.Finding{}
	byOrg := map[[2]string][]ledger.Finding{}
	byNode := map[string][]ledger.Finding{}
	for _, f := range fs {
		byChain[f.Chain] = append(byChain[f.Chain], f)
		if f.Subject.Org != "" {
			byOrg[[2]string{f.Chain, f.Subject.Org}] = append(byOrg[[2]string{f.Chain, f.Subject.Org}], f)
		}
		if f.Subject.Kind == "node" {
			id, _, _ := strings.Cut(f.Subject.Ref, "#")
			byNode[id] = append(byNode[id], f)
		}
	}
	orgs := map[[2]string]bool{}
	var out []Score
	for _, n := range nodes {
		out = append(out, NewScore(SubjectNode, n.Chain, n.ID, byNode[n.ID], at))
		orgs[[2]string{n.Chain, n.Org}] = true
	}
	for k := range byOrg {
		orgs[k] = true
	}
	for _, k := range slices.SortedFunc(mapKeysOf(orgs), func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	}) {
		out = append(out, NewScore(SubjectOrg, k[0], k[1], byOrg[k], at))
	}
	for _, c := range chains {
		out = append(out, NewScore(SubjectChain, c, c, byChain[c], at))
	}
	return out
}

func mapKeysOf[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
