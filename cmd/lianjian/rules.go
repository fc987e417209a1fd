package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/lianjian/lianjian/internal/textcol"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/ruletext"
)

func init() {
	commands["rules"] = command{run: runRules}
}

func runRules(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	format := fs.String("format", "text", "output format: text or markdown (the English docs/rules.md)")
	l := langFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *format {
	case "text":
		writeRulesText(e.stdout, *l, ledger.Rules())
	case "markdown":
		writeRulesMarkdown(e.stdout, ledger.Rules())
	default:
		return fmt.Errorf("%w: rules: format %q is not text or markdown", errUsage, *format)
	}
	return nil
}

// writeRulesText lists the catalogue one rule a line, under a header in l,
// with each rule's title in l (ledger/ruletext).
func writeRulesText(w io.Writer, l lang, rules []*ledger.RuleInfo) {
	line := func(id, sev, cat, title string) {
		fmt.Fprintf(w, "%s %s %s %s\n", textcol.Pad(id, 28), textcol.Pad(sev, 8), textcol.Pad(cat, 10), title)
	}
	h := rulesHeaders[l]
	line(h[0], h[1], h[2], h[3])
	for _, r := range rules {
		title := r.Title
		if t, ok := ruletext.For(r.ID, string(l)); ok {
			title = t.Title
		}
		line(r.ID, l.severity(r.Severity), l.category(r.Category), title)
	}
}

// writeRulesMarkdown renders the catalogue that docs/rules.md holds.
func writeRulesMarkdown(w io.Writer, rules []*ledger.RuleInfo) {
	fmt.Fprintln(w, "# Rule catalogue")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated from the rule declarations by `lianjian rules --format markdown` (`make docs`); do not edit by hand.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| id | severity | category | title | serves |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rules {
		fmt.Fprintf(w, "| [%s](#%s) | %s | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Severity, r.Category, r.Title, strings.Join(r.Clauses, "; "))
	}
	for _, r := range rules {
		fmt.Fprintf(w, "\n## %s\n\n**%s** — severity %s, category %s.\n\n%s\n", r.ID, r.Title, r.Severity, r.Category, r.Doc)
		switch {
		case r.Verifies():
			fmt.Fprintln(w, "\nVerdict: an integrity or cryptographic check; a failure fails the verification status of the object it is about.")
		case r.Risk:
			fmt.Fprintln(w, "\nVerdict: a risk; its finding is shown beside the verification status of the object it is about and never fails it.")
		}
		if len(r.Clauses) > 0 {
			fmt.Fprintf(w, "\nServes: %s.\n", strings.Join(r.Clauses, "; "))
		}
		if len(r.Sources) > 0 {
			fmt.Fprintf(w, "\nSources: %s.\n", strings.Join(r.Sources, "; "))
		}
	}
}
