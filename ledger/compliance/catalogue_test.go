package compliance

import (
	"testing"
)

// TestCatalogueLoads decodes and validates every embedded standard and
// holds the four the assessment promises. That each rule a clause names
// is registered is checked in cmd/lianjian, where every rule is linked.
func TestCatalogueLoads(t *testing.T) {
	want := []string{"cac2019", "gbt42570", "gmt0111", "jrt0193"}
	got := IDs()
	if len(got) != len(want) {
		t.Fatalf("standards %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("standards %v, want %v", got, want)
		}
	}
	for _, s := range Standards() {
		checked := 0
		for _, c := range s.Clauses {
			if len(c.Checks) > 0 {
				checked++
			}
		}
		if checked == 0 {
			t.Errorf("%s: no clause has a check", s.ID)
		}
		if _, ok := Lookup(s.ID); !ok {
			t.Errorf("Lookup(%s) failed", s.ID)
		}
	}
	if _, ok := Lookup("GBT42570"); !ok {
		t.Error("Lookup is not case-insensitive")
	}
}
