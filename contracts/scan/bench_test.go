package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// swcCorpus is the labelled SWC registry corpus shared by the project.
const swcCorpus = "/work/shared/corpora/swc/solidity"

// BenchmarkCorpusSolidity scans every .sol file of the SWC corpus end to
// end (pragma -> solc-js -> runtime bytecode -> detectors -> source lines)
// and reports the median and p95 time per file with compilation included,
// and per contract with compilation excluded (analysis and source mapping
// only, the baseline measured in the same run). The first run installs
// each solc-js version the pragmas need into the repository cache.
func BenchmarkCorpusSolidity(b *testing.B) {
	var files []string
	err := filepath.WalkDir(swcCorpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".sol" {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		b.Skipf("SWC corpus not present: %v", err)
	}
	s := scanner(b)
	ctx := context.Background()
	// Warm the cache: install every version once, outside the timing.
	for _, f := range files {
		_, _ = s.Scan(ctx, f)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var total, analyze []time.Duration
	failed, contracts, findings := 0, 0, 0
	for range b.N {
		total, analyze = total[:0], analyze[:0]
		failed, contracts, findings = 0, 0, 0
		for _, f := range files {
			start := time.Now()
			rep, err := s.Scan(ctx, f)
			if err != nil {
				failed++
				continue
			}
			total = append(total, time.Since(start))
			for _, a := range rep.Artifacts {
				analyze = append(analyze, a.Analyze)
				contracts++
				findings += a.Findings
			}
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(float64(len(total)), "files")
	b.ReportMetric(float64(failed), "failed")
	b.ReportMetric(float64(contracts), "contracts")
	b.ReportMetric(float64(findings), "findings")
	b.ReportMetric(ms(quantile(total, 0.5)), "ms/file-median")
	b.ReportMetric(ms(quantile(total, 0.95)), "ms/file-p95")
	b.ReportMetric(ms(quantile(analyze, 0.5)), "ms/contract-median")
	b.ReportMetric(ms(quantile(analyze, 0.95)), "ms/contract-p95")
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
