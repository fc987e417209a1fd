package chaincode

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// copyDir copies the files of src into a fresh temporary directory, so
// that no go.mod above it (the repository's) applies.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// wants reads the "// want RULE..." annotations of the Go files in dir as
// "file:line RULE" strings.
func wants(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			_, want, ok := strings.Cut(sc.Text(), "// want ")
			if !ok {
				continue
			}
			for _, rule := range strings.Fields(want) {
				out = append(out, fmt.Sprintf("%s:%d %s", filepath.Base(name), line, rule))
			}
		}
		f.Close()
	}
	slices.Sort(out)
	return out
}

func TestAnalyzePartial(t *testing.T) {
	tests := []struct {
		name, dir string
		copy      bool   // analyse a copy outside the repository's module
		file      string // analyse this file of the directory alone
		fix       string // the fix every gap names
	}{
		{"lone file, module not in cache", "partial/lone", true, "cc.go", FixModule},
		{"directory without go.mod", "partial/lone", true, "", FixModule},
		{"Fabric 1.x file without go.mod", "partial/v1", true, "", ""},
		{"missing sibling file", "partial/sibling", true, "", FixSiblings},
		{"generated mocks", "partial/generated", true, "", ""},
		{"generated file in a module that type-checks", "partial/genmod", true, "", ""},
		{"separate programs in one directory", "partial/programs", true, "", ""},
		{"module dependency not in cache", "mod/missing", false, "", FixDownload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join("testdata", filepath.FromSlash(tt.dir))
			if tt.copy {
				dir = copyDir(t, dir)
			}
			target := dir
			if tt.file != "" {
				target = filepath.Join(dir, tt.file)
			}
			fs, err := Analyze(context.Background(), target)
			if err != nil {
				t.Fatalf("Analyze(%s) error = %v", tt.dir, err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Rule))
				if f.Rule == NotAnalysed.ID && !strings.HasSuffix(f.Message, "to analyse it, "+tt.fix) {
					t.Errorf("Analyze(%s) gap %q, want it to end with %q", tt.dir, f.Message, tt.fix)
				}
			}
			slices.Sort(got)
			if want := wants(t, dir); !slices.Equal(got, want) {
				t.Errorf("Analyze(%s) = %q, want %q", tt.dir, got, want)
			}
		})
	}
}

func TestCheckCoverage(t *testing.T) {
	tests := []struct {
		dir             string
		files, gen      []string
		gapName, reason string
	}{
		{"partial/lone", []string{"cc.go"}, nil, "(*CC).Audit", "uses util.Stamp from github.com/example/notcached/util"},
		{"partial/sibling", []string{"cc.go"}, nil, "(*Contract).Stamp", "undefined: encode"},
		{"partial/generated", []string{"cc.go"}, []string{"old_fake.go", "stub_fake.go"}, "", ""},
		{"partial/genmod", []string{"cc.go"}, []string{"zz_generated.go"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := copyDir(t, filepath.Join("testdata", filepath.FromSlash(tt.dir)))
			res, err := Check(context.Background(), dir)
			if err != nil {
				t.Fatalf("Check(%s) error = %v", tt.dir, err)
			}
			if !slices.Equal(res.Files, tt.files) || !slices.Equal(res.Generated, tt.gen) {
				t.Errorf("Check(%s) files %q generated %q, want %q and %q", tt.dir, res.Files, res.Generated, tt.files, tt.gen)
			}
			if tt.gapName == "" {
				if len(res.Gaps) != 0 {
					t.Errorf("Check(%s) gaps = %+v, want none", tt.dir, res.Gaps)
				}
				return
			}
			if len(res.Gaps) == 0 || res.Gaps[0].Name != tt.gapName || !strings.Contains(res.Gaps[0].Reason, tt.reason) {
				t.Errorf("Check(%s) gaps = %+v, want %s first, for %q", tt.dir, res.Gaps, tt.gapName, tt.reason)
			}
		})
	}
}

// TestFabricModels checks that every model of a Fabric API type-checks:
// a model that does not would silently become an empty stand-in.
func TestFabricModels(t *testing.T) {
	l := newLoader(FixModule)
	for path := range fabricModels {
		p := l.standInFor(path)
		if !l.modelled[path] || p.Path() != path || p.Scope().Len() == 0 {
			t.Errorf("model of %s does not type-check (modelled %v, %d members)", path, l.modelled[path], p.Scope().Len())
		}
	}
	shim := l.standInFor("github.com/hyperledger/fabric-chaincode-go/v2/shim")
	stub := shim.Scope().Lookup("ChaincodeStubInterface")
	if stub == nil || !isStubType(stub.Type()) {
		t.Errorf("shim model ChaincodeStubInterface = %v, want a stub type", stub)
	}
}

func TestSurvey(t *testing.T) {
	dir := filepath.Join("testdata", "partial", "generated")
	inv, err := Survey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cc.go", "old_fake.go", "stub_fake.go"}; !slices.Equal(inv.Files, want) {
		t.Errorf("Survey(%s).Files = %q, want %q", dir, inv.Files, want)
	}
	if want := []string{"old_fake.go", "stub_fake.go"}; !slices.Equal(inv.Generated, want) {
		t.Errorf("Survey(%s).Generated = %q, want %q", dir, inv.Generated, want)
	}
	if _, err := Survey(filepath.Join("testdata", "nowhere")); err == nil {
		t.Errorf("Survey(nowhere) error = nil, want one")
	}
}

func TestCheckEmpty(t *testing.T) {
	if _, err := Check(context.Background(), t.TempDir()); !errors.Is(err, ErrNoPackages) {
		t.Errorf("Check(empty directory) error = %v, want ErrNoPackages", err)
	}
}
