package chaincode

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
)

// FuzzAnalyzers checks that no Go source that type-checks makes an
// analyzer panic or fail. Its seeds in testdata/fuzz/FuzzAnalyzers include
// a chaincode that declares its own stub type: rules recognise stubs by
// their methods, not by import path.
func FuzzAnalyzers(f *testing.F) {
	f.Add("package p\n\nfunc f[T any](x T) T { return x }\n")
	f.Add("package p\n\nvar x = func() int { for { } }()\n")
	f.Fuzz(func(t *testing.T, src string) {
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "cc.go", src, parser.SkipObjectResolution)
		if err != nil {
			return
		}
		info := &types.Info{
			Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
			Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
			Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
			Instances: map[*ast.Ident]types.Instance{}, FileVersions: map[*ast.File]string{},
		}
		conf := types.Config{Importer: importer.Default(), Error: func(error) {}}
		pkg, err := conf.Check("cc", fset, []*ast.File{file}, info)
		if err != nil {
			return
		}
		results := map[*analysis.Analyzer]any{}
		run := func(a *analysis.Analyzer) {
			pass := &analysis.Pass{
				Analyzer: a, Fset: fset, Files: []*ast.File{file}, Pkg: pkg, TypesInfo: info,
				TypesSizes: types.SizesFor("gc", "amd64"), ResultOf: results,
				Report:            func(analysis.Diagnostic) {},
				ImportObjectFact:  func(types.Object, analysis.Fact) bool { return false },
				ExportObjectFact:  func(types.Object, analysis.Fact) {},
				ImportPackageFact: func(*types.Package, analysis.Fact) bool { return false },
				ExportPackageFact: func(analysis.Fact) {},
			}
			res, err := a.Run(pass)
			if err != nil {
				t.Fatalf("%s: %v", a.Name, err)
			}
			results[a] = res
		}
		run(Flow)
		for _, a := range Analyzers() {
			run(a)
		}
	})
}

// FuzzRepair checks that whatever Go source is given, checking it against
// stand-ins and pruning what does not type-check leaves a package the
// analyzers run on without panicking or failing.
func FuzzRepair(f *testing.F) {
	for _, name := range []string{"partial/lone/cc.go", "partial/sibling/cc.go", "partial/generated/stub_fake.go", "mod/missing/main.go"} {
		src, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add("package p\n\nimport \"x.org/y\"\n\nvar v = y.V\n\ntype T struct{ y.T }\n\nfunc (T) M() y.R { return y.F() }\n\nfunc init() { v = 1 }\n")
	std := importer.Default()
	f.Fuzz(func(t *testing.T, src string) {
		l := newLoader(FixModule)
		file, _ := parser.ParseFile(l.fset, "cc.go", src, parser.ParseComments|parser.SkipObjectResolution)
		if file == nil {
			return
		}
		l.uses.collectUses(file)
		imp := importerFunc(func(path string) (*types.Package, error) {
			if isStdPath(path) {
				if p, err := std.Import(path); err == nil {
					return p, nil
				}
			}
			return l.standInFor(path), nil
		})
		pkg, info, _, err := l.check("cc", []*ast.File{file}, imp)
		if err != nil {
			return // nothing of the package is analysable
		}
		results := map[*analysis.Analyzer]any{}
		run := func(a *analysis.Analyzer) {
			pass := &analysis.Pass{
				Analyzer: a, Fset: l.fset, Files: []*ast.File{file}, Pkg: pkg, TypesInfo: info,
				TypesSizes: l.sizes, ResultOf: results,
				Report:            func(analysis.Diagnostic) {},
				ImportObjectFact:  func(types.Object, analysis.Fact) bool { return false },
				ExportObjectFact:  func(types.Object, analysis.Fact) {},
				ImportPackageFact: func(*types.Package, analysis.Fact) bool { return false },
				ExportPackageFact: func(analysis.Fact) {},
			}
			res, err := a.Run(pass)
			if err != nil {
				t.Fatalf("%s: %v", a.Name, err)
			}
			results[a] = res
		}
		run(Flow)
		for _, a := range Analyzers() {
			run(a)
		}
	})
}
