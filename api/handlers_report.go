package api

import (
	"bytes"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/api/report"
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
