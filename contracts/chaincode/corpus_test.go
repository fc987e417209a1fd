package chaincode

import (
	"bytes"
	"errors"
	"flag"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

var (
	corpusMax = flag.Int("corpus.max", 0, "analyse at most this many corpus packages (0: all found)")
	corpusLog = flag.Bool("corpus.log", false, "log every corpus diagnostic")
	corpusDir = flag.String("corpus.dir", "", "module cache to scan for chaincode (default: go env GOMODCACHE)")
)

// TestCorpus runs every analyzer over every package in the module cache
// that imports a Fabric shim or the contract API, and fails on any panic.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus scan of the module cache skipped under -short")
	}
	root := *corpusDir
	if root == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			t.Fatalf("go env GOMODCACHE: %v", err)
		}
		root = strings.TrimSpace(string(out))
	}
	mods, err := findChaincode(root)
	if err != nil {
		t.Fatalf("findChaincode(%s) error = %v", root, err)
	}
	if len(mods) == 0 {
		t.Skipf("no chaincode packages in %s", root)
	}
	start := time.Now()
	var analysed, skipped, findings int
	for _, modDir := range sortedKeys(mods) {
		dirs := mods[modDir]
		if *corpusMax > 0 && analysed+len(dirs) > *corpusMax {
			dirs = dirs[:max(0, *corpusMax-analysed)]
		}
		if len(dirs) == 0 {
			break
		}
		patterns := make([]string, len(dirs))
		for i, d := range dirs {
			rel, _ := filepath.Rel(modDir, d)
			patterns[i] = "./" + filepath.ToSlash(rel)
		}
		cfg := &packages.Config{
			Mode: packages.LoadAllSyntax | packages.NeedModule,
			Dir:  modDir,
			Env:  append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=-mod=mod"),
		}
		modStart := time.Now()
		pkgs, err := packages.Load(cfg, patterns...)
		if err != nil {
			t.Logf("load %s: %v", modDir, err)
			skipped += len(dirs)
			continue
		}
		loaded := time.Since(modStart)
		var ok []*packages.Package
		for _, p := range pkgs {
			if err := loadErrors([]*packages.Package{p}); err != nil {
				t.Logf("skip %s: %v", p.PkgPath, err)
				skipped++
				continue
			}
			ok = append(ok, p)
		}
		analysed += len(ok)
		n := analyseCorpus(t, ok)
		findings += n
		t.Logf("module %s: %d packages, %d findings, load %s, total %s", modDir, len(ok), n,
			loaded.Round(time.Millisecond), time.Since(modStart).Round(time.Millisecond))
	}
	t.Logf("corpus: %d modules, %d packages analysed, %d skipped for load errors, %d findings, %s",
		len(mods), analysed, skipped, findings, time.Since(start).Round(time.Millisecond))
}

// analyseCorpus runs the analyzers on the packages of one module,
// sequentially so that a panic surfaces here, and returns the number of
// diagnostics. A panic inside an analyzer becomes an ErrInternal action
// error naming the package; any other panic is reported with the module's
// packages.
func analyseCorpus(t *testing.T, pkgs []*packages.Package) (n int) {
	t.Helper()
	if len(pkgs) == 0 {
		return 0
	}
	defer func() {
		if r := recover(); r != nil {
			paths := make([]string, len(pkgs))
			for i, p := range pkgs {
				paths[i] = p.PkgPath
			}
			t.Errorf("panic analysing %v: %v", paths, r)
		}
	}()
	graph, err := checker.Analyze(Analyzers(), pkgs, &checker.Options{Sequential: true})
	if err != nil {
		t.Errorf("checker.Analyze error = %v", err)
		return 0
	}
	for _, act := range graph.Roots {
		if errors.Is(act.Err, ErrInternal) {
			t.Errorf("%s on %s: %v", act.Analyzer.Name, act.Package.PkgPath, act.Err)
		}
		n += len(act.Diagnostics)
		if *corpusLog {
			for _, d := range act.Diagnostics {
				t.Logf("%s: [%s] %s", act.Package.Fset.Position(d.Pos), d.Category, d.Message)
			}
		}
	}
	return n
}

// findChaincode returns, per module root, the directories of non-test
// packages that import a Fabric shim or the contract API.
func findChaincode(root string) (map[string][]string, error) {
	fset := token.NewFileSet()
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable corner of the cache
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "vendor", ".git":
				return filepath.SkipDir
			}
			if path == filepath.Join(root, "cache") {
				return filepath.SkipDir
			}
			return nil
		}
		dir := filepath.Dir(path)
		if found[dir] || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(src, []byte("hyperledger/fabric")) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, src, parser.ImportsOnly)
		if err != nil {
			return nil
		}
		for _, spec := range f.Imports {
			ip, _ := strconv.Unquote(spec.Path.Value)
			if isShimPath(ip) || isContractAPIPath(ip) && strings.Contains(ip, "fabric-contract-api-go") {
				found[dir] = true
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	mods := map[string][]string{}
	for dir := range found {
		if m := moduleRoot(root, dir); m != "" {
			mods[m] = append(mods[m], dir)
		}
	}
	for _, dirs := range mods {
		slices.Sort(dirs)
	}
	return mods, nil
}

// moduleRoot returns the nearest directory at or above dir, inside the
// versioned module directory, that holds a go.mod file.
func moduleRoot(cache, dir string) string {
	for d := dir; strings.HasPrefix(d, cache) && d != cache; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if strings.Contains(filepath.Base(d), "@") {
			return ""
		}
	}
	return ""
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// loadErrors collects the errors of the loaded packages and their
// dependencies, deduplicated and bounded to five.
func loadErrors(pkgs []*packages.Package) error {
	var msgs []string
	seen := map[string]bool{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			if m := e.Error(); !seen[m] {
				seen[m] = true
				msgs = append(msgs, m)
			}
		}
		if p.Module != nil && p.Module.Error != nil {
			if m := p.Module.Path + ": " + p.Module.Error.Err; !seen[m] {
				seen[m] = true
				msgs = append(msgs, m)
			}
		}
	})
	if len(msgs) == 0 {
		return nil
	}
	if n := len(msgs); n > 5 {
		msgs = append(msgs[:5], "and "+strconv.Itoa(n-5)+" more")
	}
	return errors.New(strings.Join(msgs, "; "))
}
