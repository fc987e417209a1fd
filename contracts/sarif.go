package contracts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/lianjian/lianjian/ledger"
)

// SARIFOptions describes the tool in a SARIF log.
type SARIFOptions struct {
	ToolName       string // default "lianjian"
	ToolVersion    string
	InformationURI string
	// HelpURI, when set, is joined with a rule id to link each rule's
	// documentation, e.g. "https://example.org/docs/rules#".
	HelpURI string
	// Properties, when set, become the run's property bag, e.g.
	// {"selectorHash": "sm3"}.
	Properties map[string]any
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool      `json:"tool"`
	Results    []sarifResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifLevel     `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifLevel struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	EndLine     int `json:"endLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

// SecurityScore is the numeric security-severity GitHub code scanning
// reads from a SARIF rule: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, else low.
func SecurityScore(s ledger.Severity) string {
	switch s {
	case ledger.Critical:
		return "9.5"
	case ledger.High:
		return "8.0"
	case ledger.Medium:
		return "5.5"
	case ledger.Low:
		return "3.0"
	}
	return "0.0"
}

func sarifLevelOf(s ledger.Severity) string {
	switch s {
	case ledger.Critical, ledger.High:
		return "error"
	case ledger.Medium:
		return "warning"
	}
	return "note"
}

// WriteSARIF renders findings as a SARIF 2.1.0 log for GitHub code
// scanning: rules carry help text and a security-severity, results carry
// relative artifact paths, source regions when known and a stable
// partial fingerprint.
func WriteSARIF(w io.Writer, fs []Finding, opts SARIFOptions) error {
	fs = append([]Finding{}, fs...)
	Sort(fs)
	driver := sarifDriver{Name: opts.ToolName, Version: opts.ToolVersion, InformationURI: opts.InformationURI, Rules: []sarifRule{}}
	if driver.Name == "" {
		driver.Name = "lianjian"
	}
	index := map[string]int{}
	occurrences := map[string]int{}
	results := make([]sarifResult, 0, len(fs))
	for _, f := range fs {
		i, ok := index[f.Rule]
		if !ok {
			i = len(driver.Rules)
			index[f.Rule] = i
			driver.Rules = append(driver.Rules, sarifRuleOf(f, opts))
		}
		r := sarifResultOf(f, i)
		fp := fingerprint(f)
		occurrences[fp]++
		r.PartialFingerprints = map[string]string{"lianjianFinding/v1": fmt.Sprintf("%s:%d", fp, occurrences[fp])}
		results = append(results, r)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results, Properties: opts.Properties}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

func sarifRuleOf(f Finding, opts SARIFOptions) sarifRule {
	info, ok := ledger.LookupRule(f.Rule)
	if !ok {
		info = &ledger.RuleInfo{ID: f.Rule, Title: f.Rule, Doc: f.Rule, Severity: f.Severity, Category: ledger.CatContract}
	}
	tags := []string{"security", string(info.Category)}
	tags = append(tags, info.Clauses...)
	help := info.Doc
	md := "**" + info.Title + "**\n\n" + info.Doc
	if len(info.Clauses) > 0 {
		help += "\n\nStandards: " + strings.Join(info.Clauses, ", ")
		md += "\n\nStandards: " + strings.Join(info.Clauses, ", ")
	}
	for _, s := range info.Sources {
		md += "\n- <" + s + ">"
	}
	r := sarifRule{
		ID:                   info.ID,
		Name:                 ruleName(info.Title),
		ShortDescription:     sarifText{Text: info.Title},
		FullDescription:      sarifText{Text: info.Doc},
		Help:                 sarifText{Text: help, Markdown: md},
		DefaultConfiguration: sarifLevel{Level: sarifLevelOf(info.Severity)},
		Properties: map[string]any{
			"tags":              tags,
			"security-severity": SecurityScore(info.Severity),
			"precision":         "medium",
			"problem.severity":  sarifProblemSeverity(info.Severity),
		},
	}
	if opts.HelpURI != "" {
		r.HelpURI = opts.HelpURI + strings.ToLower(info.ID)
	}
	return r
}

func sarifProblemSeverity(s ledger.Severity) string {
	switch s {
	case ledger.Critical, ledger.High:
		return "error"
	case ledger.Medium:
		return "warning"
	}
	return "recommendation"
}

// ruleName turns a title into the PascalCase name SARIF viewers show.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func sarifResultOf(f Finding, ruleIndex int) sarifResult {
	l := f.Location
	uri := path.Clean(strings.TrimPrefix(strings.ReplaceAll(l.Path, "\\", "/"), "/"))
	if l.Path == "" {
		uri = "unknown"
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri, URIBaseID: "%SRCROOT%"}}}
	if l.Line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line, EndLine: max(l.EndLine, l.Line), StartColumn: l.Column}
	}
	if l.Function != "" || l.Contract != "" {
		name := l.Function
		kind := "function"
		if name == "" {
			name, kind = l.Contract, "type"
		}
		fq := name
		if l.Contract != "" && l.Function != "" {
			fq = l.Contract + "." + l.Function
		}
		loc.LogicalLocations = []sarifLogical{{Name: name, FullyQualifiedName: fq, Kind: kind}}
	}
	props := map[string]any{"severity": string(f.Severity)}
	if f.SWC != "" {
		props["swc"] = f.SWC
	}
	if l.Bytecode != nil {
		props["pc"] = l.Bytecode.PC
		if l.Bytecode.Selector != "" {
			props["selector"] = l.Bytecode.Selector
		}
	}
	return sarifResult{
		RuleID:     f.Rule,
		RuleIndex:  ruleIndex,
		Level:      sarifLevelOf(f.Severity),
		Message:    sarifText{Text: f.Message},
		Locations:  []sarifLocation{loc},
		Properties: props,
	}
}

// fingerprint identifies a finding across runs independently of line
// shifts: rule, artifact, contract, function and message. Equal findings
// are told apart by their order, as GitHub does for its own hashes.
func fingerprint(f Finding) string {
	h := sha256.New()
	for _, p := range []string{f.Rule, f.Location.Path, f.Location.Contract, f.Location.Function, f.Message} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
