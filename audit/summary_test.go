package audit

import (
	"reflect"
	"testing"
)

// TestSummarySince checks that since leaves, of every count of a
// Summary, what was counted after before: a resumed audit replays blocks
// below its range with the same auditor, and the counts of those blocks
// are not the audit's. Every int field is checked, so a count added to
// Summary later must be handled by since too.
func TestSummarySince(t *testing.T) {
	var before, after Summary
	bv, av := reflect.ValueOf(&before).Elem(), reflect.ValueOf(&after).Elem()
	var counts []string
	for i := range bv.NumField() {
		if bv.Field(i).Kind() == reflect.Int {
			bv.Field(i).SetInt(3)
			av.Field(i).SetInt(10)
			counts = append(counts, bv.Type().Field(i).Name)
		}
	}
	before.First, before.Last = 0, 4
	after.First, after.Last = 0, 9
	before.Findings = map[string]int{"R1": 2, "R2": 1}
	after.Findings = map[string]int{"R1": 5, "R2": 1, "R3": 4}
	d := after.since(before)
	dv := reflect.ValueOf(d)
	for _, name := range counts {
		if got := dv.FieldByName(name).Int(); got != 7 {
			t.Errorf("since: %s = %d, want 7 (10 counted in all, 3 before)", name, got)
		}
	}
	if d.First != 5 || d.Last != 9 {
		t.Errorf("since: blocks %d..%d, want 5..9", d.First, d.Last)
	}
	if want := map[string]int{"R1": 3, "R3": 4}; !reflect.DeepEqual(d.Findings, want) {
		t.Errorf("since: findings %v, want %v", d.Findings, want)
	}
}
