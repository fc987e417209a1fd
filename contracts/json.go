package contracts

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/lianjian/lianjian/ledger"
)

// jsonReport is the JSON document WriteJSON emits.
type jsonReport struct {
	Findings []Finding               `json:"findings"`
	Summary  map[ledger.Severity]int `json:"summary"`
}

// WriteJSON renders findings as an indented JSON document with a
// "findings" array in stable order and a per-severity "summary".
func WriteJSON(w io.Writer, fs []Finding) error {
	fs = append([]Finding{}, fs...)
	Sort(fs)
	sum := Counts(fs)
	for _, s := range severities {
		sum[s] += 0
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonReport{Findings: fs, Summary: sum}); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
