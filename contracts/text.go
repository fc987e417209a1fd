package contracts

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/lianjian/lianjian/internal/textcol"
	"github.com/lianjian/lianjian/ledger"
)

// TextLabels are the words of a text report, so that a command can render
// it in its reader's language. The zero value is English: an empty field
// takes its English default, and a severity missing from Severities is
// written as it is.
type TextLabels struct {
	Unnamed                                       string // heading of findings without a path: "(unnamed)"
	Severity, Rule, SWC, Where, Function, Message string // column headings
	Line, PC                                      string // a location: "line %d", "pc %d"
	Total                                         string // the summary: "%d findings: %s", %s being the counts
	Count                                         string // one count: "%d %s" (number, severity)
	Sep                                           string // between counts: ", "
	Severities                                    map[ledger.Severity]string
	// Text renders a finding's message in the reader's language; nil
	// writes the message as the detector wrote it (English).
	Text func(*Finding) string
}

// withDefaults fills the empty fields with English.
func (l TextLabels) withDefaults() TextLabels {
	l.Unnamed = cmp.Or(l.Unnamed, "(unnamed)")
	l.Severity = cmp.Or(l.Severity, "SEVERITY")
	l.Rule = cmp.Or(l.Rule, "RULE")
	l.SWC = cmp.Or(l.SWC, "SWC")
	l.Where = cmp.Or(l.Where, "WHERE")
	l.Function = cmp.Or(l.Function, "FUNCTION")
	l.Message = cmp.Or(l.Message, "MESSAGE")
	l.Line = cmp.Or(l.Line, "line %d")
	l.PC = cmp.Or(l.PC, "pc %d")
	l.Total = cmp.Or(l.Total, "%d findings: %s")
	l.Count = cmp.Or(l.Count, "%d %s")
	l.Sep = cmp.Or(l.Sep, ", ")
	return l
}

func (l *TextLabels) text(f *Finding) string {
	if l.Text != nil {
		return l.Text(f)
	}
	return f.Message
}

func (l *TextLabels) severity(s ledger.Severity) string {
	return cmp.Or(l.Severities[s], string(s))
}

// WriteText renders findings for people: one table per artifact and
// contract, most urgent first within each line, then a severity summary,
// in the words of l. Columns stay aligned with Chinese labels.
func WriteText(w io.Writer, fs []Finding, l TextLabels) error {
	l = l.withDefaults()
	fs = append([]Finding(nil), fs...)
	Sort(fs)
	var rows [][]string
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		err := textcol.Write(w, rows, 2)
		rows = rows[:0]
		return err
	}
	group := "\x00"
	for _, f := range fs {
		g := f.Location.Path
		if f.Location.Contract != "" {
			g += " (" + f.Location.Contract + ")"
		}
		if g != group {
			if err := flush(); err != nil {
				return fmt.Errorf("write text report: %w", err)
			}
			if group != "\x00" {
				fmt.Fprintln(w)
			}
			group = g
			if g == "" {
				g = l.Unnamed
			}
			fmt.Fprintln(w, g)
			rows = append(rows, []string{"  " + l.Severity, l.Rule, l.SWC, l.Where, l.Function, l.Message})
		}
		rows = append(rows, []string{"  " + l.severity(f.Severity), f.Rule, dash(f.SWC), where(&l, f.Location), dash(f.Location.Function), l.text(&f)})
	}
	if err := flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	if len(fs) > 0 {
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintln(w, summary(&l, fs))
	return err
}

func where(l *TextLabels, loc Location) string {
	var parts []string
	if loc.Line > 0 {
		parts = append(parts, fmt.Sprintf(l.Line, loc.Line))
	}
	if loc.Bytecode != nil {
		parts = append(parts, fmt.Sprintf(l.PC, loc.Bytecode.PC))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, l.Sep)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Counts returns the number of findings per severity.
func Counts(fs []Finding) map[ledger.Severity]int {
	m := map[ledger.Severity]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

var severities = []ledger.Severity{ledger.Critical, ledger.High, ledger.Medium, ledger.Low, ledger.Info}

func summary(l *TextLabels, fs []Finding) string {
	c := Counts(fs)
	parts := make([]string, 0, len(severities))
	for _, s := range severities {
		parts = append(parts, fmt.Sprintf(l.Count, c[s], l.severity(s)))
	}
	return fmt.Sprintf(l.Total, len(fs), strings.Join(parts, l.Sep))
}
