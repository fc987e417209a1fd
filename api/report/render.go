package report

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger/ruletext"
)

// Formats a report renders to.
const (
	FormatHTML = "html"
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// ContentType returns the media type of a format.
func ContentType(format string) string {
	switch format {
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	}
	return "application/json"
}

// Render writes the report in format (html, json or csv).
func (r *Report) Render(w io.Writer, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, r)
	case FormatCSV:
		return r.csv(w)
	case FormatHTML:
		return page.Execute(w, htmlData{R: r, L: labels[r.Lang]})
	}
	return fmt.Errorf("%w: format %q (want html, json or csv)", ErrOptions, format)
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// csv writes the findings table, one row per finding, with a header in
// the report's language.
func (r *Report) csv(w io.Writer) error {
	l := labels[r.Lang]
	cw := csv.NewWriter(w)
	head := []string{"id", l.Rule, l.RuleTitle, l.Chain, l.Object, l.Org, l.Severity, l.Message, l.Evidence, l.Recommendation, l.Status, l.Deadline, l.FirstSeen, l.LastSeen}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, f := range r.Findings {
		// Severity and status in the report's language, as the table
		// shows them (a reader filters 严重 in a zh-CN sheet).
		rec := []string{f.ID, f.Rule, f.Title, f.Chain, f.Object, f.Org, cmp.Or(l.Sev[f.Severity], f.Severity), f.Message, f.Evidence, f.Recommendation,
			cmp.Or(l.St[f.Status], f.Status), dateText(f.Deadline), f.FirstSeen.UTC().Format(time.RFC3339), f.LastSeen.UTC().Format(time.RFC3339)}
		for i, v := range rec {
			rec[i] = csvSafe(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses values a spreadsheet would run as a formula; chain data
// is attacker-controlled.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

type htmlData struct {
	R *Report
	L label
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"date": dateText,
	"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"sev":  func(l label, s string) string { return l.Sev[s] },
	"st":   func(l label, s string) string { return l.St[s] },
	"name": func(m map[string]string, s string) string {
		if v, ok := m[s]; ok {
			return v
		}
		return s
	},
	// clauses names declared clauses in the report's language.
	"clauses": func(lang string, cs []string) string {
		names := make([]string, len(cs))
		for i, c := range cs {
			names[i] = ruletext.Clause(c, lang)
		}
		if lang == LangZH {
			return strings.Join(names, "；")
		}
		return strings.Join(names, "; ")
	},
	"itoa": strconv.Itoa,
}).Parse(pageHTML))

// pageCSS is the style both printable pages (the report and the
// compliance assessment) share: CJK fonts, ruled tables, A4 printing.
const pageCSS = `body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;font-size:10.5pt;color:#111;margin:2em}
h1{font-size:18pt;margin:0 0 .3em}h2{font-size:13pt;border-bottom:1px solid #888;margin-top:1.4em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #999;padding:3px 5px;vertical-align:top;text-align:left}
th{background:#eee}td.num{text-align:right}.meta{color:#444}.wrap{word-break:break-all}
@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}th{background:#ddd;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
@page{size:A4;margin:15mm}
`

// pageHTML is the report page: one file, inline styles, no scripts and
// no external assets, laid out for A4 printing.
const pageHTML = `<!DOCTYPE html>
<html lang="{{.R.Lang}}">
<head>
<meta charset="utf-8">
<title>{{.L.Title}}</title>
<style>
` + pageCSS + `.critical{color:#a00;font-weight:bold}.high{color:#c40}.overdue{color:#a00}
</style>
</head>
<body>
<h1>{{.L.Title}}</h1>
<p class="meta">{{.L.Generated}}: {{time .R.Generated}}{{if .R.Scope.Org}} · {{.L.Org}}: {{.R.Scope.Org}}{{end}}{{if not .R.Scope.From.IsZero}} · {{.L.From}}: {{date .R.Scope.From}}{{end}}{{if not .R.Scope.To.IsZero}} · {{.L.To}}: {{date .R.Scope.To}}{{end}}</p>

<h2>1. {{.L.Summary}}</h2>
<p>{{.L.Total}}: <b>{{.R.Summary.Total}}</b> · {{.L.Open}}: <b>{{.R.Summary.Open}}</b> · {{.L.OpenCritical}}: <b class="critical">{{.R.Summary.Critical}}</b> · {{.L.Rectified}}: <b>{{.R.Progress.Percent}}%</b></p>
<table><tr>{{range $s := .L.SevOrder}}<th>{{sev $.L $s}}</th>{{end}}</tr>
<tr>{{range $s := .L.SevOrder}}<td class="num">{{index $.R.Summary.BySeverity $s}}</td>{{end}}</tr></table>

<h2>2. {{.L.Scope}}</h2>
<table><tr><th>{{.L.Chain}}</th><th>{{.L.Kind}}</th><th>{{.L.Network}}</th><th>{{.L.Channel}} / {{.L.Group}}</th><th>{{.L.Crypto}}</th><th>{{.L.Height}}</th></tr>
{{range .R.Scope.Chains}}<tr><td>{{.ID}}</td><td>{{name $.L.Kinds .Kind}}</td><td>{{.Network}}</td><td>{{.Channel}}{{.Group}}</td><td>{{name $.L.Cryptos .Crypto}}</td><td class="num">{{.Height}}</td></tr>
{{end}}</table>
{{if .R.Scope.Nodes}}<table><tr><th>{{.L.Node}}</th><th>{{.L.Chain}}</th><th>{{.L.Org}}</th><th>{{.L.Kind}}</th><th>{{.L.Endpoint}}</th><th>{{.L.Version}}</th></tr>
{{range .R.Scope.Nodes}}<tr><td>{{.ID}}</td><td>{{.Chain}}{{if .Channel}} / {{.Channel}}{{end}}</td><td>{{.Org}}</td><td>{{.Kind}}</td><td class="wrap">{{.Endpoint}}</td><td>{{.Version}}</td></tr>
{{end}}</table>{{end}}
{{if .R.Scope.Contracts}}<table><tr><th>{{.L.Chain}}</th><th>{{.L.Contract}}</th><th>{{.L.Version}}</th><th>{{.L.Height}}</th></tr>
{{range .R.Scope.Contracts}}<tr><td>{{.Chain}}</td><td class="wrap">{{.Address}}</td><td>{{.Version}}{{if .Sequence}} (seq {{.Sequence}}){{end}}</td><td class="num">{{.Height}}</td></tr>
{{end}}</table>{{end}}

<h2>3. {{.L.Basis}}</h2>
<table><tr><th>{{.L.Rule}}</th><th>{{.L.RuleTitle}}</th><th>{{.L.Severity}}</th><th>{{.L.Clauses}}</th><th>{{.L.Count}}</th></tr>
{{range .R.Basis}}<tr><td>{{.Rule}}</td><td>{{.Title}}</td><td>{{sev $.L .Severity}}</td><td>{{clauses $.R.Lang .Clauses}}</td><td class="num">{{.Findings}}</td></tr>
{{end}}</table>

<h2>4. {{.L.Findings}}</h2>
{{if .R.Findings}}<table><tr><th>{{.L.Rule}}</th><th>{{.L.Object}}</th><th>{{.L.Severity}}</th><th>{{.L.Evidence}}</th><th>{{.L.Recommendation}}</th><th>{{.L.Status}}</th><th>{{.L.Deadline}}</th></tr>
{{range .R.Findings}}<tr><td>{{.Rule}}{{if .Title}}<br>{{.Title}}{{end}}<br><span class="meta">{{.Chain}}</span><br><span class="meta">{{if .Risk}}{{$.L.RiskNote}}{{else}}{{$.L.CheckFailed}}{{end}}</span></td><td class="wrap">{{.Object}}{{if .Org}}<br><span class="meta">{{.Org}}</span>{{end}}<br>{{.Message}}</td><td class="{{.Severity}}">{{sev $.L .Severity}}</td><td class="wrap">{{.Evidence}}</td><td>{{.Recommendation}}</td><td>{{st $.L .Status}}{{if .Confirmed}} ✓{{end}}</td><td{{if .Overdue}} class="overdue"{{end}}>{{date .Deadline}}{{if .Overdue}} ({{$.L.Overdue}}){{end}}</td></tr>
{{end}}</table>{{else}}<p>{{.L.None}}</p>{{end}}

<h2>5. {{.L.Progress}}</h2>
<table><tr>{{range $s := .L.StOrder}}<th>{{st $.L $s}}</th>{{end}}<th>{{.L.Confirmed}}</th><th>{{.L.Overdue}}</th></tr>
<tr>{{range $s := .L.StOrder}}<td class="num">{{index $.R.Progress.ByStatus $s}}</td>{{end}}<td class="num">{{.R.Progress.Confirmed}}</td><td class="num">{{.R.Progress.Overdue}}</td></tr></table>
</body>
</html>
`
