package chaincode

import (
	"context"
	"flag"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var samplesDir = flag.String("samples", "", "directory holding chaincode modules (such as a fabric-samples checkout) to analyse and time")

// TestSamples analyses every module under -samples and logs its findings
// and the time it took; it is the measurement behind testdata/RESULTS.md.
func TestSamples(t *testing.T) {
	if *samplesDir == "" {
		t.Skip("no -samples directory given")
	}
	var mods []string
	err := filepath.WalkDir(*samplesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "go.mod" {
			mods = append(mods, filepath.Dir(path))
		}
		return nil
	})
	if err != nil || len(mods) == 0 {
		t.Fatalf("no modules under %s (err %v)", *samplesDir, err)
	}
	slices.Sort(mods)
	for _, m := range mods {
		rel, _ := filepath.Rel(*samplesDir, m)
		start := time.Now()
		got, err := Analyze(context.Background(), m)
		if err != nil {
			t.Errorf("Analyze(%s) error = %v", rel, err)
			continue
		}
		t.Logf("module %s: %d findings in %s", rel, len(got), time.Since(start).Round(time.Millisecond))
		for _, f := range got {
			t.Logf("  %s/%s", rel, f)
		}
	}
}
