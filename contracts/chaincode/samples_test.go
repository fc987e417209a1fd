package chaincode

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	samplesDir  = flag.String("samples", "", "directory holding chaincode modules (such as a fabric-samples checkout) to analyse and time")
	samplesLone = flag.Bool("samples.lone", false, "with -samples, analyse every Go file of the modules alone, copied to a directory without go.mod")
)

// TestSamples analyses every module under -samples (or, with
// -samples.lone, every Go file of them on its own) and logs its findings,
// what it left out and the time it took; it is the measurement behind
// testdata/RESULTS.md.
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
	var targets []string
	for _, m := range mods {
		if !*samplesLone {
			targets = append(targets, m)
			continue
		}
		names, err := goFiles(m, true, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			dir := t.TempDir()
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), src, 0o644); err != nil {
				t.Fatal(err)
			}
			targets = append(targets, filepath.Join(dir, filepath.Base(name)))
		}
	}
	var files, generated, gaps, findings int
	for _, target := range targets {
		start := time.Now()
		res, err := Check(context.Background(), target)
		if err != nil {
			t.Errorf("Check(%s) error = %v", target, err)
			continue
		}
		files += len(res.Files)
		generated += len(res.Generated)
		gaps += len(res.Gaps)
		findings += len(res.Findings)
		t.Logf("%s: %d files analysed, %d generated skipped, %d not analysed, %d findings in %s", target,
			len(res.Files), len(res.Generated), len(res.Gaps), len(res.Findings), time.Since(start).Round(time.Millisecond))
		for _, f := range res.Findings {
			t.Logf("  %s", f)
		}
		for _, g := range res.Gaps {
			t.Logf("  %s:%d: not analysed: %s", g.File, g.Line, strings.TrimPrefix(g.Message(), g.Name+" not analysed: "))
		}
	}
	t.Logf("total: %d targets, %d files analysed, %d generated files skipped, %d declarations not analysed, %d findings",
		len(targets), files, generated, gaps, findings)
}
