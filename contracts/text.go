package contracts

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lianjian/lianjian/ledger"
)

// WriteText renders findings for people: one table per artifact and
// contract, most urgent first within each line, then a severity summary.
func WriteText(w io.Writer, fs []Finding) error {
	fs = append([]Finding(nil), fs...)
	Sort(fs)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	group := "\x00"
	for _, f := range fs {
		g := f.Location.Path
		if f.Location.Contract != "" {
			g += " (" + f.Location.Contract + ")"
		}
		if g != group {
			if group != "\x00" {
				fmt.Fprintln(tw)
			}
			group = g
			if g == "" {
				g = "(unnamed)"
			}
			fmt.Fprintf(tw, "%s\n  SEVERITY\tRULE\tSWC\tWHERE\tFUNCTION\tMESSAGE\n", g)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Rule, dash(f.SWC), where(f.Location), dash(f.Location.Function), f.Message)
	}
	if len(fs) > 0 {
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	_, err := fmt.Fprintln(w, summary(fs))
	return err
}

func where(l Location) string {
	var parts []string
	if l.Line > 0 {
		parts = append(parts, "line "+strconv.Itoa(l.Line))
	}
	if l.Bytecode != nil {
		parts = append(parts, "pc "+strconv.Itoa(l.Bytecode.PC))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
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

func summary(fs []Finding) string {
	c := Counts(fs)
	parts := make([]string, 0, len(severities))
	for _, s := range severities {
		parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
	}
	return fmt.Sprintf("%d findings: %s", len(fs), strings.Join(parts, ", "))
}
