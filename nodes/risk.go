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
	Subject      string                  `json:"subject"` // node/ORG/ID, org/CHAIN/MSP or chain/CHAIN
	Kind         string                  `json:"kind"`
	Ref          string                  `json:"ref"`
	Org          string                  `json:"org,omitempty"` // a node's org`
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

// SubjectKey names a risk subject as stored: node/ORG/ID (ref is the
// node's Key string, ORG/ID; see NodeSubjectKey), org/CHAIN/MSP,
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

// NodeSubjectKey names the risk subject of node k: node/ORG/ID. Node
// ids are unique within an org only, so the org is part of it.
func NodeSubjectKey(k Key) string { return SubjectKey(SubjectNode, "", k.String()) }

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
		// A node finding stored before node ids became org-scoped has an
		// id derived without its org; it is the same finding as the one
		// raised now, so it counts once.
		id := f.ID
		if f.Subject.Kind == SubjectNode {
			id = ledger.FindingID(f.Rule, f.Chain, f.Subject)
		}
		if seen[id] || supervise.Closed(f.Status) {
			continue
		}
		seen[id] = true
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

func explain(s Score) string { return Explain(s, "en", nil) }

// riskWords are the words of an explanation, by language.
var riskWords = map[string]struct {
	none, scores, more, sep, clause string
	kinds                           map[string]string
	sev                             map[ledger.Severity]string
	level                           map[string]string
}{
	"en": {
		none:   "%s %s: no open findings, score 0.",
		scores: "%s %s scores %d/100 (%s: the worst open finding is %s) from %s finding(s).",
		more:   " And %d more.", sep: ", ", clause: " %s (%s): %s.",
		kinds: map[string]string{}, sev: map[ledger.Severity]string{}, level: map[string]string{},
	},
	"zh-CN": {
		none:   "%s %s：没有未关闭的问题，风险分 0。",
		scores: "%s %s 风险分 %d/100（%s：最严重的未关闭问题为“%s”级），依据 %s。",
		more:   "另有 %d 个问题。", sep: "、", clause: "%s（%s）：%s。",
		kinds: map[string]string{SubjectNode: "节点", SubjectOrg: "组织", SubjectChain: "链"},
		// The severity words of reports and the console (严重, 高, 中, 低,
		// 提示), so that one report never names a severity two ways.
		sev: map[ledger.Severity]string{ledger.Critical: "严重", ledger.High: "高", ledger.Medium: "中",
			ledger.Low: "低", ledger.Info: "提示"},
		level: map[string]string{"critical": "严重", "high": "高", "medium": "中", "low": "低", "none": "无"},
	},
}

// Explain says in lang (zh-CN or en; English for anything else) what
// makes up a score: the score and its level, the counts by severity and
// the worst findings, each in the words message gives it (nil: the
// message the finding recorded).
func Explain(s Score, lang string, message func(Contributor) string) string {
	w, ok := riskWords[lang]
	if !ok {
		w = riskWords["en"]
	}
	word := func(m map[string]string, k string) string { return cmp.Or(m[k], k) }
	sev := func(v ledger.Severity) string { return cmp.Or(w.sev[v], string(v)) }
	if message == nil {
		message = func(c Contributor) string { return c.Message }
	}
	// A node is named with its org: ids are unique within an org only.
	ref := s.Ref
	if s.Kind == SubjectNode && s.Org != "" {
		ref = s.Org + "/" + s.Ref
	}
	if len(s.Contributors) == 0 {
		return fmt.Sprintf(w.none, word(w.kinds, s.Kind), ref)
	}
	var counts []string
	for _, v := range []ledger.Severity{ledger.Critical, ledger.High, ledger.Medium, ledger.Low, ledger.Info} {
		if n := s.Counts[v]; n > 0 {
			if lang == "zh-CN" {
				counts = append(counts, fmt.Sprintf("%d 个“%s”级问题", n, sev(v)))
			} else {
				counts = append(counts, fmt.Sprintf("%d %s", n, v))
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, w.scores, word(w.kinds, s.Kind), ref, s.Score, word(w.level, s.Level), sev(s.Contributors[0].Severity), strings.Join(counts, w.sep))
	for i, c := range s.Contributors {
		if i == 3 {
			fmt.Fprintf(&b, w.more, len(s.Contributors)-3)
			break
		}
		if c.Points == 0 {
			break
		}
		fmt.Fprintf(&b, w.clause, c.Rule, sev(c.Severity), strings.TrimRight(message(c), ".。"))
	}
	return b.String()
}

// Scores scores every registered node, every org and every chain from
// the current findings. Node findings are matched by org and subject ref
// (the node id, optionally followed by '#'): two orgs' nodes of the same
// id never share findings. A node finding without an org (a Clique
// signer seen on the chain) is matched to the EVM validators registered
// with that signer address. Org findings are matched by Subject.Org;
// chain scores take every finding of the chain.
func Scores(nodes []Node, chains []string, fs []ledger.Finding, at time.Time) []Score {
	byChain := map[string][]ledger.Finding{}
	byOrg := map[[2]string][]ledger.Finding{}
	byNode := map[Key][]ledger.Finding{}
	bySigner := map[string][]ledger.Finding{}
	for _, f := range fs {
		byChain[f.Chain] = append(byChain[f.Chain], f)
		if f.Subject.Org != "" {
			byOrg[[2]string{f.Chain, f.Subject.Org}] = append(byOrg[[2]string{f.Chain, f.Subject.Org}], f)
		}
		if f.Subject.Kind == SubjectNode {
			id, _, _ := strings.Cut(f.Subject.Ref, "#")
			if f.Subject.Org == "" {
				bySigner[f.Chain+"/"+strings.ToLower(id)] = append(bySigner[f.Chain+"/"+strings.ToLower(id)], f)
				continue
			}
			byNode[Key{Org: f.Subject.Org, ID: id}] = append(byNode[Key{Org: f.Subject.Org, ID: id}], f)
		}
	}
	orgs := map[[2]string]bool{}
	var out []Score
	for _, n := range nodes {
		nfs := byNode[n.Key()]
		if n.Address != "" {
			nfs = append(nfs, bySigner[n.Chain+"/"+strings.ToLower(n.Address)]...)
		}
		sc := NewScore(SubjectNode, n.Chain, n.ID, nfs, at)
		sc.Subject, sc.Org = NodeSubjectKey(n.Key()), n.Org
		out = append(out, sc)
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
