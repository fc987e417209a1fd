package chaincode

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// memberKind is how source uses a member of a package that could not be
// loaded.
type memberKind uint8

const (
	useValue  memberKind = iota // a variable, constant or function: unknown type
	useType                     // a type used in a declaration
	useStruct                   // a type used in a composite literal
)

// uses records, per import path, the members the source refers to.
type uses map[string]map[string]memberKind

// collectUses adds the selectors of f that name members of its imports.
func (u uses) collectUses(f *ast.File) {
	local := map[string]string{} // local name -> import path
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		name := guessName(path)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		local[name] = path
	}
	if len(local) == 0 {
		return
	}
	note := func(sel *ast.SelectorExpr, k memberKind) {
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return
		}
		path, ok := local[id.Name]
		if !ok {
			return
		}
		if u[path] == nil {
			u[path] = map[string]memberKind{}
		}
		if old, seen := u[path][sel.Sel.Name]; !seen || k > old {
			u[path][sel.Sel.Name] = k
		}
	}
	var typeExpr func(e ast.Expr, k memberKind)
	fields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, fd := range fl.List {
			typeExpr(fd.Type, useType)
		}
	}
	typeExpr = func(e ast.Expr, k memberKind) {
		switch t := e.(type) {
		case *ast.SelectorExpr:
			note(t, k)
		case *ast.StarExpr:
			typeExpr(t.X, useType)
		case *ast.ParenExpr:
			typeExpr(t.X, k)
		case *ast.ArrayType:
			typeExpr(t.Elt, useType)
		case *ast.MapType:
			typeExpr(t.Key, useType)
			typeExpr(t.Value, useType)
		case *ast.ChanType:
			typeExpr(t.Value, useType)
		case *ast.Ellipsis:
			typeExpr(t.Elt, useType)
		case *ast.FuncType:
			fields(t.TypeParams)
			fields(t.Params)
			fields(t.Results)
		case *ast.StructType:
			fields(t.Fields)
		case *ast.InterfaceType:
			fields(t.Methods)
		case *ast.IndexExpr:
			typeExpr(t.X, k)
			typeExpr(t.Index, useType)
		case *ast.IndexListExpr:
			typeExpr(t.X, k)
			for _, x := range t.Indices {
				typeExpr(x, useType)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Field:
			typeExpr(x.Type, useType)
		case *ast.ValueSpec:
			typeExpr(x.Type, useType)
		case *ast.TypeSpec:
			typeExpr(x.Type, useType)
		case *ast.CompositeLit:
			typeExpr(x.Type, useStruct)
		case *ast.TypeAssertExpr:
			typeExpr(x.Type, useType)
		case *ast.TypeSwitchStmt:
			for _, st := range x.Body.List {
				if cc, ok := st.(*ast.CaseClause); ok {
					for _, e := range cc.List {
						typeExpr(e, useType)
					}
				}
			}
		case *ast.CallExpr:
			if id, ok := x.Fun.(*ast.Ident); ok && (id.Name == "new" || id.Name == "make") && len(x.Args) > 0 {
				typeExpr(x.Args[0], useType)
			}
		case *ast.SelectorExpr:
			note(x, useValue)
		}
		return true
	})
}

// guessName returns the package name an import path most likely declares.
func guessName(path string) string {
	elems := strings.Split(path, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && majorVersion.MatchString(name) {
		name = elems[len(elems)-2]
	}
	name = strings.TrimPrefix(name, "go-")
	name = strings.TrimPrefix(name, "go.")
	name = strings.TrimSuffix(name, "-go")
	name = strings.TrimSuffix(name, ".go")
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return strings.ReplaceAll(name, "-", "_")
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// standIn returns a package for path that the source can be checked
// against when the real package cannot be loaded: a model of a Fabric API,
// or a package synthesised from the source's uses, whose types have no
// methods and whose other members have no usable type. Functions that use
// the latter are reported as not analysed. imp resolves a model's own
// imports.
func (l *loader) standIn(path string, imp types.Importer) (*types.Package, bool) {
	if p, ok := l.standIns[path]; ok {
		return p, l.modelled[path]
	}
	if m, ok := fabricModels[path]; ok {
		if p := l.checkModel(path, m, imp); p != nil {
			l.standIns[path] = p
			l.modelled[path] = true
			return p, true
		}
	}
	pkg := types.NewPackage(path, guessName(path))
	names := make([]string, 0, len(l.uses[path]))
	for n := range l.uses[path] {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		var obj types.Object
		switch l.uses[path][n] {
		case useType, useStruct:
			tn := types.NewTypeName(token.NoPos, pkg, n, nil)
			var under types.Type = types.NewInterfaceType(nil, nil).Complete()
			if l.uses[path][n] == useStruct {
				under = types.NewStruct(nil, nil)
			}
			types.NewNamed(tn, under, nil)
			obj = tn
		default:
			obj = types.NewVar(token.NoPos, pkg, n, types.Typ[types.Invalid])
			l.fakeValues[obj] = true
		}
		pkg.Scope().Insert(obj)
	}
	pkg.MarkComplete()
	l.standIns[path] = pkg
	return pkg, false
}

// checkModel type-checks a Fabric model; it returns nil if the model does
// not check, which is a bug covered by the tests.
func (l *loader) checkModel(path string, m fabricModel, imp types.Importer) *types.Package {
	f, err := parser.ParseFile(l.fset, "model:"+path+"/model.go", m.source(), parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	conf := types.Config{Importer: imp, Sizes: l.sizes}
	p, err := conf.Check(path, l.fset, []*ast.File{f}, nil)
	if err != nil {
		return nil
	}
	return p
}
