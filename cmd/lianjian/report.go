package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger/compliance"
	"github.com/lianjian/lianjian/nodes"
)

func init() {
	commands["report"] = command{run: runReport}
}

func runReport(ctx context.Context, e *env, args []string) error {
	var c common
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	c.register(fs)
	var o report.Options
	fs.StringVar(&o.Chain, "chain", "", "chain id (default: every chain)")
	fs.StringVar(&o.Org, "org", "", "org / MSP id (default: every org)")
	from := fs.String("from", "", "findings seen from this date (2006-01-02 or RFC 3339)")
	to := fs.String("to", "", "findings seen up to this date (2006-01-02 or RFC 3339)")
	format := fs.String("format", "html", "html, json or csv")
	l := langFlag(fs)
	out := fs.String("out", "", "output file (default: stdout)")
	standard := fs.String("standard", "", "assess --chain against a standard clause by clause instead: "+strings.Join(compliance.IDs(), ", ")+" (html or json)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *standard != "" {
		// An assessment covers one chain as it stands: the report's
		// scope flags do not apply to it.
		for _, name := range []string{"org", "from", "to"} {
			if isSet(fs, name) {
				return fmt.Errorf("%w: report: --%s does not apply with --standard (an assessment covers the whole chain)", errUsage, name)
			}
		}
		return runAssessment(ctx, e, c, o.Chain, *standard, *format, *l, *out)
	}
	o.Lang = string(*l)
	var err error
	if o.From, err = cliTime("from", *from); err != nil {
		return err
	}
	if o.To, err = cliTime("to", *to); err != nil {
		return err
	}
	if !o.To.IsZero() && len(*to) == len(time.DateOnly) {
		o.To = o.To.Add(24*time.Hour - time.Nanosecond) // a date means the whole day
	}
	cfg, err := c.load(e)
	if err != nil {
		return err
	}
	db, err := openIndexCLI(cfg, *l, nil, readIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	o.Nodes = nodes.NewRegistry(db, db)
	r, err := report.Build(ctx, db, o)
	if err != nil {
		return err
	}
	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := r.Render(w, *format); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprint(e.stderr, l.sprintf(reportWritten[*l], len(r.Findings), *out))
	}
	return nil
}

// runAssessment writes the compliance assessment of one chain against a
// standard (report --standard).
func runAssessment(ctx context.Context, e *env, c common, chain, standard, format string, l lang, out string) error {
	if _, ok := compliance.Lookup(standard); !ok {
		return fmt.Errorf("%w: report: --standard %q is not one of %s", errUsage, standard, strings.Join(compliance.IDs(), ", "))
	}
	if chain == "" {
		return fmt.Errorf("%w: report: --standard needs --chain (the chain to assess)", errUsage)
	}
	if format != report.FormatHTML && format != report.FormatJSON {
		return fmt.Errorf("%w: report: --format %q with --standard (want html or json)", errUsage, format)
	}
	cfg, err := c.load(e)
	if err != nil {
		return err
	}
	db, err := openIndexCLI(cfg, l, nil, readIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	o := report.AssessOptions{Chain: chain, Standard: standard, Lang: string(l), Nodes: nodes.NewRegistry(db, db)}
	// Anchored as serve judges it: a public key that reads.
	pub, err := cfg.AuditLog.publicKey()
	if err != nil {
		return err
	}
	o.LogAnchored = !pub.IsZero()
	a, err := report.Assess(ctx, db, o)
	if err != nil {
		return err
	}
	w := e.stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := report.RenderAssessment(w, a, format); err != nil {
		return err
	}
	if out != "" {
		s := a.Summary
		fmt.Fprint(e.stderr, l.sprintf(assessWritten[l], a.Standard.Code, a.Chain, s[compliance.Pass], s[compliance.Fail], s[compliance.NotEvaluated], s[compliance.Manual], out))
	}
	return nil
}

func cliTime(flagName, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, fmt.Errorf("%w: report: --%s %q is not a date or RFC 3339 time", errUsage, flagName, v)
	}
	return t, nil
}
