package report

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/compliance"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/nodes"
)

// AssessSource is what a compliance assessment reads. The badger index
// implements it; AuditHeights, ScanLister and ProbeLister are optional
// parts it uses when the source has them.
type AssessSource interface {
	Chain(ctx context.Context, id string) (ledger.Chain, error)
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	Contracts(ctx context.Context, chain string, p ledger.Page) ([]*ledger.Contract, string, error)
	Findings(ctx context.Context, f ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error)
}

// AuditHeights tells how far the auditor has re-verified a chain.
type AuditHeights interface {
	AuditHeight(ctx context.Context, chain string) (uint64, bool, error)
}

// ScanLister lists a chain's contract scans (ref empty: all of them).
type ScanLister interface {
	ContractScans(ctx context.Context, chain, ref string, p ledger.Page) ([]*record.ContractScan, string, error)
}

// ProbeLister returns the newest probes of an org's node.
type ProbeLister interface {
	Probes(ctx context.Context, org, node string, limit int) ([]record.ProbeRecord, error)
}

// AssessOptions selects an assessment.
type AssessOptions struct {
	Chain    string // chain id
	Standard string // gbt42570, gmt0111, jrt0193 or cac2019
	Lang     string // zh-CN (default) or en
	Now      time.Time
	// Nodes lists registered nodes; nil counts none.
	Nodes NodeLister
	// LogAnchored is true when the service's audit log is anchored by
	// SM2-signed checkpoints.
	LogAnchored bool
}

// maxAssessFindings bounds the findings one assessment reads.
const maxAssessFindings = 200_000

// Assess assesses a chain against a standard. An unknown standard is
// ErrOptions; an unknown chain is the source's ledger.ErrNotFound.
func Assess(ctx context.Context, src AssessSource, o AssessOptions) (*compliance.Assessment, error) {
	std, ok := compliance.Lookup(o.Standard)
	if !ok {
		return nil, fmt.Errorf("%w: standard %q (want one of %s)", ErrOptions, o.Standard, strings.Join(compliance.IDs(), ", "))
	}
	if o.Lang != "" && o.Lang != LangZH && o.Lang != LangEN {
		return nil, fmt.Errorf("%w: language %q (want zh-CN or en)", ErrOptions, o.Lang)
	}
	ch, err := src.Chain(ctx, o.Chain)
	if err != nil {
		return nil, err
	}
	f := compliance.Facts{Chain: ch, Now: o.Now, LogAnchored: o.LogAnchored}
	if f.Now.IsZero() {
		f.Now = time.Now()
	}
	cp, err := src.Checkpoint(ctx, ch.ID)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		f.Ingested, f.Height = true, cp.Height
	}
	if f.Ingested {
		if b, err := src.Block(ctx, ch.ID, 0); err == nil {
			f.Genesis, f.GenesisTime = true, b.Time
		} else if !errors.Is(err, ledger.ErrNotFound) {
			return nil, err
		}
		// Every kind of chain is verified by the one audit pipeline. Ingest
		// checks each block as the node serves it and files what fails,
		// but stores no verdict record and never looks again at what the
		// index holds; the auditor re-verifies the stored blocks and
		// stores a verdict of each. Only its checkpoint says how far a
		// chain is verified: a chain whose audit lags, or fails, is
		// verified no further than the audit got.
		if ah, ok := src.(AuditHeights); ok {
			h, found, err := ah.AuditHeight(ctx, ch.ID)
			if err != nil {
				return nil, err
			}
			f.Verified, f.VerifiedKnown = h, found
		}
	}
	if f.Findings, err = relevantFindings(ctx, src, ch.ID, func(fd *ledger.Finding) bool { return std.Relevant(ch.Kind, fd) }); err != nil {
		return nil, err
	}
	if f.Contracts, f.Scanned, err = contractCounts(ctx, src, ch.ID); err != nil {
		return nil, err
	}
	if o.Nodes != nil {
		revs, err := o.Nodes.List(ctx, nodes.Filter{Chain: ch.ID})
		if err != nil {
			return nil, err
		}
		pl, _ := src.(ProbeLister)
		for _, r := range revs {
			f.Nodes++
			if pl == nil {
				continue
			}
			if ps, err := pl.Probes(ctx, r.Org, r.ID, 1); err == nil && len(ps) > 0 {
				f.Probed++
			}
		}
	}
	a := compliance.Evaluate(std, f, o.Lang)
	return &a, nil
}

// relevantFindings reads the findings of a chain that keep accepts; only
// those are held in memory and counted against maxAssessFindings.
func relevantFindings(ctx context.Context, src AssessSource, chain string, keep func(*ledger.Finding) bool) ([]*ledger.Finding, error) {
	var out []*ledger.Finding
	p := ledger.Page{Limit: 1000}
	for {
		fs, next, err := src.Findings(ctx, ledger.FindingFilter{Chain: chain}, p)
		if err != nil {
			return nil, err
		}
		for _, fd := range fs {
			if keep(fd) {
				out = append(out, fd)
			}
		}
		if len(out) > maxAssessFindings {
			return nil, fmt.Errorf("%w: chain %s has more than %d open findings of the standard's rules to assess", ErrTooMany, chain, maxAssessFindings)
		}
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// contractCounts counts a chain's contracts (chaincode names for Fabric,
// whose definitions repeat per version) and those with a finished scan.
func contractCounts(ctx context.Context, src AssessSource, chain string) (total, scanned int, err error) {
	known := map[string]bool{}
	p := ledger.Page{Limit: 1000}
	for {
		cs, next, err := src.Contracts(ctx, chain, p)
		if err != nil {
			return 0, 0, err
		}
		for _, c := range cs {
			known[strings.ToLower(c.Address)] = true
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	sl, ok := src.(ScanLister)
	if !ok {
		return len(known), 0, nil
	}
	done := map[string]bool{}
	p = ledger.Page{Limit: 1000}
	for {
		ss, next, err := sl.ContractScans(ctx, chain, "", p)
		if err != nil {
			return 0, 0, err
		}
		for _, s := range ss {
			if s.Status == record.ScanDone && known[strings.ToLower(s.Ref)] {
				done[strings.ToLower(s.Ref)] = true
			}
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	return len(known), len(done), nil
}

// RenderAssessment writes an assessment as json or html (a printable
// page).
func RenderAssessment(w io.Writer, a *compliance.Assessment, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, a)
	case FormatHTML:
		return assessPage.Execute(w, assessData{A: a, L: assessLabels[a.Lang], K: labels[a.Lang]})
	}
	return fmt.Errorf("%w: format %q (want html or json)", ErrOptions, format)
}

type assessData struct {
	A *compliance.Assessment
	L assessLabel
	K label
}

// assessLabel holds an assessment page's words in one language.
type assessLabel struct {
	Title, Standard, Chain, Generated, Basis, Wording, Sources, Summary     string
	Clause, ClauseTitle, Result, Reasons, Evidence, More, Confirmed, Unconf string
	Statuses                                                                map[compliance.Status]string
	Order                                                                   []compliance.Status
	Disclaimer                                                              string
}

var statusOrder = []compliance.Status{compliance.Pass, compliance.Fail, compliance.NotEvaluated, compliance.Manual}

var assessLabels = map[string]assessLabel{
	LangZH: {
		Title: "合规评估报告", Standard: "评估依据", Chain: "被评估链", Generated: "生成时间", Basis: "条款目录说明",
		Wording: "目录说明", Sources: "来源", Summary: "评估结论汇总",
		Clause: "条款", ClauseTitle: "条款名称", Result: "结论", Reasons: "判定依据", Evidence: "问题证据",
		More: "另有 %d 条，见问题列表", Confirmed: "编号与标题已据公开来源核实", Unconf: "未能核实",
		Statuses: map[compliance.Status]string{compliance.Pass: "符合", compliance.Fail: "不符合",
			compliance.NotEvaluated: "未评估", compliance.Manual: "需人工核查"},
		Order:      statusOrder,
		Disclaimer: "本报告由链鉴依据链上账本数据、节点探测与合约扫描结果自动生成；“需人工核查”的条款涉及管理制度、人员或物理环境等，须由评估人员另行核查。",
	},
	LangEN: {
		Title: "Compliance assessment", Standard: "Standard", Chain: "Chain assessed", Generated: "Generated", Basis: "About the clause catalogue",
		Wording: "Catalogue", Sources: "Sources", Summary: "Summary",
		Clause: "Clause", ClauseTitle: "Title", Result: "Result", Reasons: "Grounds", Evidence: "Findings as evidence",
		More: "%d more, see the findings list", Confirmed: "number and title confirmed from a public source", Unconf: "not confirmed",
		Statuses: map[compliance.Status]string{compliance.Pass: "Pass", compliance.Fail: "Fail",
			compliance.NotEvaluated: "Not evaluated", compliance.Manual: "Manual review"},
		Order:      statusOrder,
		Disclaimer: "Lianjian generated this assessment from the chain's ledger data, node probes and contract scans; clauses marked for manual review concern policies, people or premises and must be reviewed by an assessor.",
	},
}

var assessPage = template.Must(template.New("assessment").Funcs(template.FuncMap{
	"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"st":   func(l assessLabel, s compliance.Status) string { return l.Statuses[s] },
	"sev":  func(l label, s string) string { return l.Sev[s] },
	"more": func(l assessLabel, n int) string { return fmt.Sprintf(l.More, n) },
	"sub":  func(a, b int) int { return a - b },
}).Parse(assessHTML))

// assessHTML is the assessment page: one file, inline styles, no scripts,
// laid out for A4 printing.
const assessHTML = `<!DOCTYPE html>
<html lang="{{.A.Lang}}">
<head>
<meta charset="utf-8">
<title>{{.L.Title}} · {{.A.Standard.Code}} · {{.A.Chain}}</title>
<style>
` + pageCSS + `.pass{color:#060;font-weight:bold}.fail{color:#a00;font-weight:bold}.not-evaluated{color:#a60}.manual{color:#555}
ul{margin:0;padding-left:1.2em}
</style>
</head>
<body>
<h1>{{.L.Title}}</h1>
<p>{{.L.Standard}}：<b>{{.A.Standard.Code}} {{.A.Standard.Title}}</b>（{{.A.Standard.Kind}}）<br>
{{.L.Chain}}：<b>{{.A.Chain}}</b>（{{index .K.Kinds .A.ChainKind}}）<br>
<span class="meta">{{.L.Generated}}：{{time .A.Generated}}</span></p>

<h2>1. {{.L.Summary}}</h2>
<table id="summary"><tr>{{range $s := .L.Order}}<th>{{st $.L $s}}</th>{{end}}</tr>
<tr>{{range $s := .L.Order}}<td class="num {{$s}}">{{index $.A.Summary $s}}</td>{{end}}</tr></table>
<p class="meta">{{.L.Disclaimer}}</p>

<h2>2. {{.L.Clause}}</h2>
<table id="clauses"><tr><th>{{.L.Clause}}</th><th>{{.L.ClauseTitle}}</th><th>{{.L.Result}}</th><th>{{.L.Reasons}}</th><th>{{.L.Evidence}}</th></tr>
{{range .A.Clauses}}<tr data-clause="{{.Number}}" data-status="{{.Status}}"><td>{{.Number}}</td><td>{{.Title}}{{if not .Confirmed}}<br><span class="meta">（{{$.L.Unconf}}：{{.Note}}）</span>{{else if .Note}}<br><span class="meta">{{.Note}}</span>{{end}}</td><td class="{{.Status}}">{{st $.L .Status}}</td><td><ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul></td><td class="wrap">{{if .Findings}}<ul>{{range .Findings}}<li>{{sev $.K .Severity}} {{.Rule}} · {{.Subject}}：{{.Message}}</li>{{end}}</ul>{{if gt .FindingCount (len .Findings)}}<span class="meta">{{more $.L (sub .FindingCount (len .Findings))}}</span>{{end}}{{end}}</td></tr>
{{end}}</table>

<h2>3. {{.L.Basis}}</h2>
<p>{{.A.Standard.Wording}}</p>
<p class="meta">{{.L.Sources}}：{{range $i, $s := .A.Standard.Sources}}{{if $i}}；{{end}}<span class="wrap">{{$s}}</span>{{end}}</p>
</body>
</html>
`
