package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// TestMerkleSummary builds the summaries of generated range query
// results and compares them with those Fabric's RangeQueryResultsHelper
// built for the same results (testdata/merkle/README.md says how).
func TestMerkleSummary(t *testing.T) {
	raw, err := os.ReadFile("testdata/merkle/fabric-3.1.1.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Degree  uint32   `json:"degree"`
		Reads   int      `json:"reads"`
		Level   uint32   `json:"level"`
		Hashes  []string `json:"hashes"`
		Summary bool     `json:"summary"`
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) < 40 {
		t.Fatalf("%d vectors, want the 43 generated", len(vectors))
	}
	for _, v := range vectors {
		m := newMerkleSummary(v.Degree, sha256.New)
		for i := range v.Reads {
			key := fmt.Sprintf("key%05d", i)
			if i == 3 {
				key = ""
			}
			m.add(key, uint64(i/7), uint64(i%7))
		}
		level, hashes, ok := m.done()
		got := make([]string, len(hashes))
		for i, h := range hashes {
			got[i] = hex.EncodeToString(h)
		}
		if ok != v.Summary || level != v.Level || fmt.Sprint(got) != fmt.Sprint(v.Hashes) {
			t.Errorf("summary of %d reads, degree %d = %v, level %d, %d hashes %.16q; want %v, level %d, %d hashes %.16q",
				v.Reads, v.Degree, ok, level, len(got), got, v.Summary, v.Level, len(v.Hashes), v.Hashes)
		}
	}
}
