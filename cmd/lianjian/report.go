package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/lianjian/lianjian/api/report"
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
	if err := parse(fs, args); err != nil {
		return err
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
