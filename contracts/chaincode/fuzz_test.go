package chaincode

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
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
