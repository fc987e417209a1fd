package api

import (
	"bytes"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger/compliance"
)

// reportSource joins the index and the workflow store for reports.
type reportSource struct {
	Index
	Workflow
}

func (s *Server) report(c *gin.Context) (any, error) {
	sup, err := s.supervisor()
	if err != nil {
		return nil, err
	}
	o := report.Options{Rules: s.rules}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"chain", &o.Chain}, {"org", &o.Org}} {
		if v, ok := c.GetQuery(p.name); ok {
			if *p.dst, err = name(p.name, v, maxNameLen); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &o.From}, {"to", &o.To}} {
		if v, ok := c.GetQuery(p.name); ok {
			if *p.dst, err = reportTime(p.name, v); err != nil {
				return nil, err
			}
		}
	}
	format := c.DefaultQuery("format", report.FormatJSON)
	switch format {
	case report.FormatJSON, report.FormatHTML, report.FormatCSV:
	default:
		return nil, badParam("format", "must be json, html or csv")
	}
	if o.Lang, err = langParam(c); err != nil {
		return nil, err
	}
	if !o.From.IsZero() && !o.To.IsZero() && o.To.Before(o.From) {
		return nil, badParam("to", "must not be before from")
	}
	if _, reg, err := s.nodeStore(); err == nil {
		o.Nodes = reg
	}
	r, err := report.Build(c.Request.Context(), reportSource{s.idx, sup}, o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, format); err != nil {
		return nil, err
	}
	return rawBody{contentType: report.ContentType(format), filename: "lianjian-report." + format, body: buf.Bytes()}, nil
}

// reportTime accepts a date (2026-03-01) or an RFC 3339 time.
func reportTime(param, v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badParam(param, "must be a date (2006-01-02) or an RFC 3339 time")
	}
	return t, nil
}

// StandardView is one standard of the compliance catalogue.
type StandardView struct {
	ID      string   `json:"id"`
	Code    string   `json:"code"`
	Title   string   `json:"title"`
	Kind    string   `json:"kind"`
	Clauses int      `json:"clauses"`
	Sources []string `json:"sources"`
	Wording string   `json:"wording"`
}

// standards lists the standards a chain can be assessed against.
func (s *Server) standards(c *gin.Context) (any, error) {
	lang, err := langParam(c)
	if err != nil {
		return nil, err
	}
	out := []StandardView{}
	for _, st := range compliance.Standards() {
		out = append(out, StandardView{ID: st.ID, Code: st.Code, Title: st.Title.In(lang), Kind: st.Kind,
			Clauses: len(st.Clauses), Sources: st.Sources, Wording: st.Wording.In(lang)})
	}
	return List[StandardView]{Items: out}, nil
}

// compliance assesses one chain against one standard, clause by clause,
// as json or as a printable html page.
func (s *Server) compliance(c *gin.Context) (any, error) {
	id, err := chainParam(c)
	if err != nil {
		return nil, err
	}
	std, ok := c.GetQuery("standard")
	if !ok || std == "" {
		return nil, badParam("standard", "is required: one of %s", strings.Join(compliance.IDs(), ", "))
	}
	if _, ok := compliance.Lookup(std); !ok {
		return nil, badParam("standard", "must be one of %s", strings.Join(compliance.IDs(), ", "))
	}
	format := c.DefaultQuery("format", report.FormatJSON)
	if format != report.FormatJSON && format != report.FormatHTML {
		return nil, badParam("format", "must be json or html")
	}
	o := report.AssessOptions{Chain: id, Standard: std, LogAnchored: !s.cfg.AuditKey.IsZero()}
	if o.Lang, err = langParam(c); err != nil {
		return nil, err
	}
	if _, reg, err := s.nodeStore(); err == nil {
		o.Nodes = reg
	}
	a, err := report.Assess(c.Request.Context(), s.idx, o)
	if err != nil {
		return nil, err
	}
	if format == report.FormatJSON {
		return a, nil
	}
	var buf bytes.Buffer
	if err := report.RenderAssessment(&buf, a, format); err != nil {
		return nil, err
	}
	return rawBody{contentType: report.ContentType(format), filename: "lianjian-compliance-" + a.Standard.ID + "-" + id + "." + format, body: buf.Bytes()}, nil
}
