package evm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// swcCorpus is the labelled SWC registry corpus shared by the project.
const swcCorpus = "/work/shared/corpora/swc/solidity"

type corpusContract struct {
	Name    string
	Code    []byte
	SrcMap  SourceMap
	Sources []string // compiler source list
	// Creation and CreationMap are the constructor's bytecode and
	// source map.
	Creation    []byte
	CreationMap SourceMap
}

type expectation struct {
	SWC     string
	Count   int
	Lines   []int
	Offsets []int // bytecode pcs listed in the YAML, when any
}

type corpusCase struct {
	Name      string
	Dir       string
	Contracts []corpusContract
	Expect    []expectation
}

var (
	yamlIssue = regexp.MustCompile(`(?m)^- id: (SWC-\d+)\s*\n\s*count: (\d+)`)
	yamlLines = regexp.MustCompile(`(?m)^\s+[^\s:]+\.sol: \[([0-9, ]*)\]`)
	yamlPCs   = regexp.MustCompile(`(?m)^\s+'0x[0-9a-f]+': \[([0-9, ]*)\]`)
)

func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	if _, err := os.Stat(swcCorpus); err != nil {
		tb.Skipf("SWC corpus not present: %v", err)
	}
	var cases []corpusCase
	err := filepath.WalkDir(swcCorpus, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		c, err := loadCase(path)
		if err != nil {
			return err
		}
		cases = append(cases, c)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases
}

func loadCase(yamlPath string) (corpusCase, error) {
	dir := filepath.Dir(yamlPath)
	name := strings.TrimSuffix(filepath.Base(yamlPath), ".yaml")
	c := corpusCase{Name: name, Dir: dir}
	y, err := os.ReadFile(yamlPath)
	if err != nil {
		return c, err
	}
	for _, m := range yamlIssue.FindAllStringSubmatch(string(y), -1) {
		n, _ := strconv.Atoi(m[2])
		e := expectation{SWC: m[1], Count: n}
		ints := func(re *regexp.Regexp) []int {
			var out []int
			for _, l := range re.FindAllStringSubmatch(string(y), -1) {
				for _, f := range strings.Split(l[1], ",") {
					if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
						out = append(out, v)
					}
				}
			}
			return out
		}
		e.Lines, e.Offsets = ints(yamlLines), ints(yamlPCs)
		c.Expect = append(c.Expect, e)
	}
	c.Contracts, err = loadContracts(filepath.Join(dir, name+".json"))
	return c, err
}

// loadContracts reads a solc combined-JSON output with bin, bin-runtime,
// srcmap and srcmap-runtime, contracts sorted by name.
func loadContracts(path string) ([]corpusContract, error) {
	var out []corpusContract
	name := filepath.Base(path)
	j, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Contracts map[string]struct {
			Bin           string `json:"bin"`
			SrcMap        string `json:"srcmap"`
			BinRuntime    string `json:"bin-runtime"`
			SrcMapRuntime string `json:"srcmap-runtime"`
		} `json:"contracts"`
		SourceList []string `json:"sourceList"`
	}
	if err := json.Unmarshal(j, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for cn, ct := range doc.Contracts {
		if ct.BinRuntime == "" {
			continue
		}
		code, err := DecodeHex(ct.BinRuntime)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", name, cn, err)
		}
		sm, err := ParseSourceMap(ct.SrcMapRuntime)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", name, cn, err)
		}
		cc := corpusContract{Name: cn, Code: code, SrcMap: sm, Sources: doc.SourceList}
		if cc.Creation, err = DecodeHex(ct.Bin); err != nil {
			return nil, fmt.Errorf("%s %s creation: %w", name, cn, err)
		}
		if cc.CreationMap, err = ParseSourceMap(ct.SrcMap); err != nil {
			return nil, fmt.Errorf("%s %s creation: %w", name, cn, err)
		}
		out = append(out, cc)
	}
	slices.SortFunc(out, func(a, b corpusContract) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// caseFinding is a finding with the SWC ids of its rule and its source
// line, plus the pcs and lines its evidence names (such as the write after
// a reentrant call), which the labels may point at as well.
type caseFinding struct {
	Rule, Contract string
	Constructor    bool   // found in constructor code
	Path           string // source file of Line
	SWCs           []string
	PC, Line       int
	RelPCs, RelLns []int
}

// relatedPCs returns the pcs named by evidence keys ending in "PC".
func relatedPCs(ev map[string]string) []int {
	var out []int
	for _, k := range sortedKeys(ev) {
		if pc, err := strconv.Atoi(ev[k]); err == nil && strings.HasSuffix(k, "PC") {
			out = append(out, pc)
		}
	}
	return out
}

func scanCase(tb testing.TB, c corpusCase) []caseFinding {
	tb.Helper()
	var out []caseFinding
	for _, ct := range c.Contracts {
		files := make([]SourceFile, len(ct.Sources))
		for i, s := range ct.Sources {
			files[i].Path = filepath.Base(s)
			files[i].Text, _ = os.ReadFile(filepath.Join(c.Dir, filepath.Base(s)))
		}
		out = append(out, scanCode(tb, c, ct, ct.Code, ct.SrcMap, files, false)...)
		if len(ct.Creation) > 0 {
			out = append(out, scanCode(tb, c, ct, ct.Creation, ct.CreationMap, files, true)...)
		}
	}
	return out
}

// scanCode scans one contract's runtime or constructor code and locates
// its findings.
func scanCode(tb testing.TB, c corpusCase, ct corpusContract, code []byte, sm SourceMap, files []SourceFile, constructor bool) []caseFinding {
	tb.Helper()
	var out []caseFinding
	res, err := Scan(code, Options{Constructor: constructor})
	if err != nil {
		tb.Fatalf("Scan(%s %s) error: %v", c.Name, ct.Name, err)
	}
	Locate(res.Findings, res.Program, sm, files)
	for _, f := range res.Findings {
		info, _ := ledger.LookupRule(f.Rule)
		cf := caseFinding{Rule: f.Rule, Contract: ct.Name, PC: f.Location.Bytecode.PC, Line: f.Location.Line, RelPCs: relatedPCs(f.Evidence), Constructor: constructor, Path: f.Location.Path}
		for _, pc := range cf.RelPCs {
			if r, ok := sm.At(res.Program, pc); ok && r.File >= 0 && r.File < len(files) && files[r.File].Text != nil {
				l, _ := r.Lines(files[r.File].Text)
				cf.RelLns = append(cf.RelLns, l)
			}
		}
		for _, cl := range info.Clauses {
			if strings.HasPrefix(cl, "SWC-") {
				cf.SWCs = append(cf.SWCs, cl)
			}
		}
		out = append(out, cf)
	}
	return out
}

// corpusFloors are the per-SWC floors measured on the corpus: labelled
// cases detected; of those, cases with a finding on a labelled source
// line; and cases with a finding at a labelled bytecode offset. A finding
// counts at its reported location or at one its evidence names. Raise
// them when detection improves; a drop fails the test.
var corpusFloors = map[string][3]int{
	"SWC-101": {8, 8, 8}, "SWC-104": {1, 1, 1}, "SWC-105": {7, 6, 6}, "SWC-106": {2, 2, 2},
	"SWC-107": {2, 2, 1}, "SWC-112": {1, 1, 1}, "SWC-113": {1, 0, 1}, "SWC-114": {2, 2, 0},
	"SWC-115": {1, 1, 1}, "SWC-116": {1, 1, 0}, "SWC-118": {2, 2, 0}, "SWC-120": {2, 1, 1},
	"SWC-124": {2, 1, 2}, "SWC-127": {1, 0, 1}, "SWC-128": {3, 3, 0}, "SWC-134": {1, 1, 0},
}

// corpusReportedFloors are floors on the cases with a finding whose
// reported location, not only one its evidence names, is on a labelled
// line: findings must stay where a reviewer fixes them.
var corpusReportedFloors = map[string]int{
	"SWC-101": 8, "SWC-104": 1, "SWC-105": 6, "SWC-106": 2, "SWC-107": 1, "SWC-112": 1,
	"SWC-115": 1, "SWC-116": 1, "SWC-118": 2, "SWC-120": 1, "SWC-124": 1, "SWC-128": 3, "SWC-134": 1,
}

// maxCorpusFalsePositives bounds reports of a case's labelled SWC id on
// the fixed (count 0) cases.
const maxCorpusFalsePositives = 4

// maxCorpusOther bounds the findings, over runtime and constructor code,
// of an SWC id other than the ones a case is labelled with: imprecise
// rules show here (101 before compiler-generated arithmetic, phase
// deadlines and intended payouts stopped being reported; 59 since paths
// cut at a join continue along the path they joined, which finds two
// more unchecked additions in transaction_malleablity and its fix).
const maxCorpusOther = 59

type swcScore struct {
	pos, hit, lineHit, ownLine, withPC, pcHit, neg, fp int
}

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	covered := map[string]bool{}
	for _, d := range All() {
		for _, cl := range d.Info.Clauses {
			covered[cl] = true
		}
	}
	scores := map[string]*swcScore{}
	other := 0
	for _, c := range cases {
		fs := scanCase(t, c)
		for _, e := range c.Expect {
			if !covered[e.SWC] {
				continue
			}
			s := scores[e.SWC]
			if s == nil {
				s = &swcScore{}
				scores[e.SWC] = s
			}
			hit, lineHit, ownLine, pcHit := false, false, false, false
			for _, f := range fs {
				if slices.Contains(f.SWCs, e.SWC) {
					hit = true
					ownLine = ownLine || slices.Contains(e.Lines, f.Line)
					lineHit = lineHit || ownLine || slices.ContainsFunc(f.RelLns, func(l int) bool { return slices.Contains(e.Lines, l) })
					// Labelled offsets are runtime pcs.
					pcHit = pcHit || !f.Constructor && (slices.Contains(e.Offsets, f.PC) || slices.ContainsFunc(f.RelPCs, func(pc int) bool { return slices.Contains(e.Offsets, pc) }))
				}
			}
			if e.Count > 0 {
				s.pos++
				if len(e.Offsets) > 0 {
					s.withPC++
					if pcHit {
						s.pcHit++
					}
				}
				if hit {
					s.hit++
				}
				if lineHit {
					s.lineHit++
				}
				if ownLine {
					s.ownLine++
				}
			} else {
				s.neg++
				if hit {
					s.fp++
				}
			}
			if testing.Verbose() {
				t.Logf("%-50s %s want %d got hit=%v line=%v %v", c.Name, e.SWC, e.Count, hit, lineHit, fs)
			}
		}
		for _, f := range fs {
			labelled := false
			for _, e := range c.Expect {
				labelled = labelled || slices.Contains(f.SWCs, e.SWC)
			}
			if !labelled && len(f.SWCs) > 0 {
				other++
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| SWC | labelled | detected | on labelled line | reported on it | at labelled pc | recall | negatives | false positives |\n|---|---|---|---|---|---|---|---|---|\n")
	fp := 0
	for _, swc := range sortedKeys(scores) {
		s := scores[swc]
		fp += s.fp
		recall := "-"
		if s.pos > 0 {
			recall = fmt.Sprintf("%.0f%%", 100*float64(s.hit)/float64(s.pos))
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d of %d | %s | %d | %d |\n", swc, s.pos, s.hit, s.lineHit, s.ownLine, s.pcHit, s.withPC, recall, s.neg, s.fp)
		if fl := corpusFloors[swc]; s.hit < fl[0] || s.lineHit < fl[1] || s.pcHit < fl[2] {
			t.Errorf("%s detected/on line/at pc = %d/%d/%d of %d cases, floors %v", swc, s.hit, s.lineHit, s.pcHit, s.pos, fl)
		}
		if fl := corpusReportedFloors[swc]; s.ownLine < fl {
			t.Errorf("%s reported on a labelled line in %d of %d cases, floor %d", swc, s.ownLine, s.pos, fl)
		}
	}
	fmt.Fprintf(&b, "\nfalse positives on fixed negatives: %d; findings of other SWC ids than the case's label: %d\n", fp, other)
	t.Log("\n" + b.String())
	if fp > maxCorpusFalsePositives {
		t.Errorf("false positives on negatives = %d, want <= %d", fp, maxCorpusFalsePositives)
	}
	if other > maxCorpusOther {
		t.Errorf("findings of unlabelled SWC ids = %d, want <= %d", other, maxCorpusOther)
	}
}

// BenchmarkScanCorpus scans every runtime bytecode of the corpus and
// reports the median, 95th percentile and largest scan time per contract.
// The "disassemble" sub-benchmark is the baseline measured in the same
// run: decoding alone, without path exploration and detectors.
func BenchmarkScanCorpus(b *testing.B) {
	cases := loadCorpus(b)
	var codes [][]byte
	for _, c := range cases {
		for _, ct := range c.Contracts {
			codes = append(codes, ct.Code)
		}
	}
	run := func(b *testing.B, scan func([]byte)) {
		b.ReportAllocs()
		var times []time.Duration
		for b.Loop() {
			for _, code := range codes {
				start := time.Now()
				scan(code)
				times = append(times, time.Since(start))
			}
		}
		slices.Sort(times)
		ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
		b.ReportMetric(ms(times[len(times)/2]), "median-ms/contract")
		b.ReportMetric(ms(times[len(times)*95/100]), "p95-ms/contract")
		b.ReportMetric(ms(times[len(times)-1]), "max-ms/contract")
		b.ReportMetric(float64(len(codes)), "contracts")
	}
	b.Run("disassemble", func(b *testing.B) { run(b, func(code []byte) { Disassemble(code) }) })
	b.Run("scan", func(b *testing.B) {
		run(b, func(code []byte) {
			if _, err := Scan(code, Options{}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

func TestCorpusNoise(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("diagnostic listing, run with -v")
	}
	cases := loadCorpus(t)
	byRule := map[string]int{}
	for _, c := range cases {
		for _, f := range scanCase(t, c) {
			labelled := false
			for _, e := range c.Expect {
				labelled = labelled || slices.Contains(f.SWCs, e.SWC)
			}
			if !labelled {
				byRule[f.Rule]++
				t.Logf("%s: %s pc %d line %d", c.Name, f.Rule, f.PC, f.Line)
			}
		}
	}
	t.Log(byRule)
}

// TestCorpusExploration checks that path exploration of every runtime
// and constructor code of the corpus completes within the step budget.
func TestCorpusExploration(t *testing.T) {
	cases := loadCorpus(t)
	incomplete, maxSteps, maxSize, unresolved := 0, 0, 0, 0
	for _, c := range cases {
		for _, ct := range c.Contracts {
			for i, code := range [][]byte{ct.Code, ct.Creation} {
				res, err := Scan(code, Options{Detectors: []*Detector{}, Constructor: i == 1})
				if err != nil {
					t.Fatal(err)
				}
				if !res.Complete {
					incomplete++
				}
				maxSteps = max(maxSteps, res.Steps)
				maxSize = max(maxSize, len(code))
				unresolved += len(res.CFG.Unresolved)
			}
		}
	}
	t.Logf("incomplete explorations %d, most steps %d, largest code %d bytes, unresolved jumps %d", incomplete, maxSteps, maxSize, unresolved)
	if incomplete > 0 {
		t.Errorf("%d corpus contracts exceeded the step budget", incomplete)
	}
}

// arithmeticOp matches a source line with an arithmetic operator that can
// overflow: + - * and their compound and increment forms, not ** or a
// minus sign in a literal.
var arithmeticOp = regexp.MustCompile(`[\w)\]]\s*(\+\+|--|[-+*]=?)|(\+\+|--)\s*\w`)

// TestCorpusOverflowLines checks that integer-overflow findings sit on
// source lines with an arithmetic operator: compiler-generated storage
// packing, array index and ABI decoding arithmetic is not reported.
func TestCorpusOverflowLines(t *testing.T) {
	total, bad := 0, 0
	for _, c := range loadCorpus(t) {
		for _, f := range scanCase(t, c) {
			if f.Rule != IntegerOverflow.Info.ID || f.Line == 0 {
				continue
			}
			total++
			src, err := os.ReadFile(filepath.Join(c.Dir, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(src), "\n")
			if f.Line > len(lines) || !arithmeticOp.MatchString(strings.Split(lines[f.Line-1], "//")[0]) {
				bad++
				t.Errorf("%s %s: %s at pc %d on line %d without arithmetic", c.Name, f.Contract, f.Rule, f.PC, f.Line)
			}
		}
	}
	t.Logf("%d integer-overflow findings, %d on lines without arithmetic", total, bad)
}
