package contracts

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/lianjian/lianjian/ledger"
)

// jsonReport is the JSON document WriteJSON emits.
type jsonReport struct {
	Findings   []Finding               `json:"findings"`
	Summary    map[ledger.Severity]int `json:"summary"`
	Properties map[string]any          `json:"properties,omitempty"`
}

// WriteJSON renders findings as an indented JSON document with a
// "findings" array in stable order and a per-severity "summary".
func WriteJSON(w io.Writer, fs []Finding) error { return WriteJSONProps(w, fs, nil) }

// WriteJSONProps is WriteJSON with a "properties" object describing the
// run, such as {"selectorHash": "sm3"}; nil or empty props are omitted.
func WriteJSONProps(w io.Writer, fs []Finding, props map[string]any) error {
	fs = append([]Finding{}, fs...)
	Sort(fs)
	sum := Counts(fs)
	for _, s := range severities {
		sum[s] += 0
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonReport{Findings: fs, Summary: sum, Properties: props}); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
