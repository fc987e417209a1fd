package chaincode

import (
	"context"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// offlineEnv keeps the go command off the network and on this toolchain.
var offlineEnv = []string{"GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off"}

// loader loads chaincode packages for the analyzers. What loads and
// type-checks is used as it is; a package that does not type-check is
// checked again against stand-ins for the imports that could not be
// loaded, and the declarations that still do not check are left out and
// recorded as gaps.
type loader struct {
	fset       *token.FileSet
	sizes      types.Sizes
	fixMissing string // how to fix an import that could not be loaded

	uses       uses                                    // members used per import path, from all source
	real       map[string]*packages.Package            // healthy loaded packages by path
	standIns   map[string]*types.Package               // stand-ins by import path
	modelled   map[string]bool                         // stand-ins that are Fabric models
	fakeValues map[types.Object]bool                   // synthesised members without a type
	done       map[*packages.Package]*packages.Package // repaired packages (nil: not analysable)
	busy       map[*packages.Package]bool
	byTypes    map[*types.Package]*packages.Package
	std        types.Importer // standard library export data, for models

	gaps      []gapIn
	generated map[string]bool // absolute file names
	broken    map[string]bool // files with syntax errors
	roots     map[*packages.Package]bool
}

// gapIn is a gap in a package.
type gapIn struct {
	gap
	pkg  string
	file string // absolute, for gaps without a position
	line int    // for gaps without a position
}

func newLoader(fixMissing string) *loader {
	return &loader{
		fset: token.NewFileSet(), sizes: types.SizesFor("gc", runtime.GOARCH), fixMissing: fixMissing,
		uses: uses{}, real: map[string]*packages.Package{}, standIns: map[string]*types.Package{},
		modelled: map[string]bool{}, fakeValues: map[types.Object]bool{},
		done: map[*packages.Package]*packages.Package{}, busy: map[*packages.Package]bool{},
		byTypes: map[*types.Package]*packages.Package{}, generated: map[string]bool{}, broken: map[string]bool{},
		roots: map[*packages.Package]bool{},
	}
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// healthy reports whether p loaded and type-checked without errors (which,
// for go/packages, covers its dependencies too).
func healthy(p *packages.Package) bool {
	return p != nil && p.Types != nil && !p.IllTyped && len(p.Errors) == 0 && p.Types.Complete()
}

// loadModule loads the packages under dir (only dir itself when shallow)
// with go/packages, offline, and repairs those that do not type-check.
func (l *loader) loadModule(ctx context.Context, dir string, shallow bool) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.LoadAllSyntax | packages.NeedModule,
		Dir:     dir,
		Fset:    l.fset,
		Env:     append(os.Environ(), offlineEnv...),
	}
	pattern := "./..."
	if shallow {
		pattern = "."
	}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if healthy(p) {
			l.real[p.PkgPath] = p
			l.byTypes[p.Types] = p
		}
		for _, f := range p.Syntax {
			if isGenerated(f) {
				l.generated[l.fset.File(f.Pos()).Name()] = true
				stripBodies(f)
			}
		}
	})
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if !healthy(p) {
			for _, f := range p.Syntax {
				l.uses.collectUses(f)
			}
		}
	})
	for _, p := range pkgs {
		l.roots[p] = true
	}
	var out []*packages.Package
	for _, p := range pkgs {
		if len(p.Syntax) == 0 {
			if len(p.Errors) > 0 && !noGoFiles(p) {
				l.gaps = append(l.gaps, gapIn{pkg: p.PkgPath, file: dir, gap: gap{reason: p.Errors[0].Msg}})
			}
			continue
		}
		if q := l.repair(p); q != nil {
			out = append(out, q)
		}
	}
	return out, nil
}

// syntaxGap records that a file does not parse from line on: what
// follows the error may be missing from its syntax tree.
func (l *loader) syntaxGap(file string, line int, msg string) {
	l.broken[file] = true
	l.gaps = append(l.gaps, gapIn{file: file, line: line, gap: gap{
		name: "code from line " + strconv.Itoa(line), reason: "syntax error: " + msg,
	}})
}

// noGoFiles reports whether p failed only for having no buildable files.
func noGoFiles(p *packages.Package) bool {
	for _, e := range p.Errors {
		if !strings.Contains(e.Msg, "no Go files") && !strings.Contains(e.Msg, "build constraints exclude") {
			return false
		}
	}
	return true
}

// repair returns p when it is healthy, else a copy checked against
// stand-ins with the declarations that do not check left out, or nil when
// nothing of it can be analysed.
func (l *loader) repair(p *packages.Package) *packages.Package {
	if q, ok := l.done[p]; ok {
		return q
	}
	if healthy(p) {
		l.done[p] = p
		return p
	}
	if l.busy[p] {
		return nil
	}
	l.busy[p] = true
	defer delete(l.busy, p)
	for _, e := range p.Errors {
		if e.Kind != packages.ParseError || !l.roots[p] {
			continue
		}
		// e.Pos is file:line:column.
		file, line := e.Pos, 0
		if i := strings.LastIndexByte(file, ':'); i > 0 {
			file = file[:i]
			if j := strings.LastIndexByte(file, ':'); j > 0 {
				line, _ = strconv.Atoi(file[j+1:])
				file = file[:j]
			}
		}
		l.syntaxGap(file, line, e.Msg)
	}
	imp := importerFunc(func(path string) (*types.Package, error) { return l.importFor(p.Imports[path], path), nil })
	tpkg, info, gaps, err := l.check(p.PkgPath, p.Syntax, imp)
	// A dependency's gaps show in the roots as uses of what it lacks;
	// its own are not the user's code.
	root := l.roots[p]
	if root {
		for _, g := range gaps {
			l.gaps = append(l.gaps, gapIn{gap: g, pkg: p.PkgPath})
		}
	}
	if err != nil {
		if root {
			file := l.fset.File(p.Syntax[0].Pos()).Name()
			l.gaps = append(l.gaps, gapIn{pkg: p.PkgPath, file: file, gap: gap{reason: err.Error()}})
		}
		l.done[p] = nil
		return nil
	}
	q := &packages.Package{
		ID: p.ID, Name: tpkg.Name(), PkgPath: p.PkgPath, Fset: l.fset, Syntax: p.Syntax,
		Types: tpkg, TypesInfo: info, TypesSizes: l.sizes, Module: p.Module,
		GoFiles: p.GoFiles, CompiledGoFiles: p.CompiledGoFiles,
	}
	l.done[p] = q
	l.byTypes[tpkg] = q
	return q
}

// importFor resolves path, imported by a package being repaired: dep is
// what go/packages loaded for it, if anything.
func (l *loader) importFor(dep *packages.Package, path string) *types.Package {
	if dep == nil {
		dep = l.real[path]
	}
	if healthy(dep) {
		return dep.Types
	}
	if dep != nil && len(dep.Syntax) > 0 {
		if q := l.repair(dep); q != nil {
			return q.Types
		}
	}
	return l.standInFor(path)
}

// standInFor returns the stand-in for path; a model's own imports resolve
// to loaded packages or further stand-ins.
func (l *loader) standInFor(path string) *types.Package {
	imp := importerFunc(func(p string) (*types.Package, error) {
		if r := l.real[p]; healthy(r) {
			return r.Types, nil
		}
		if isStdPath(p) {
			// Models import a few standard packages the chaincode
			// may not import itself.
			if l.std == nil {
				l.std = importer.ForCompiler(l.fset, "gc", nil)
			}
			if sp, err := l.std.Import(p); err == nil {
				return sp, nil
			}
		}
		return l.standInFor(p), nil
	})
	p, _ := l.standIn(path, imp)
	return p
}

// link fills the Imports of the packages l built, so that the analysis
// driver finds every dependency (stand-ins included) by path.
func (l *loader) link(roots []*packages.Package) {
	seen := map[*packages.Package]bool{}
	var visit func(q *packages.Package)
	visit = func(q *packages.Package) {
		if seen[q] {
			return
		}
		seen[q] = true
		if q.Imports != nil && healthy(q) && q.Types != nil && l.real[q.PkgPath] == q {
			return // loaded by go/packages with its imports
		}
		q.Imports = map[string]*packages.Package{}
		for _, ip := range q.Types.Imports() {
			dep := l.byTypes[ip]
			if dep == nil {
				dep = &packages.Package{ID: ip.Path(), Name: ip.Name(), PkgPath: ip.Path(), Types: ip, Fset: l.fset, TypesSizes: l.sizes}
				l.byTypes[ip] = dep
			}
			q.Imports[ip.Path()] = dep
			visit(dep)
		}
	}
	for _, r := range roots {
		visit(r)
	}
}

// fileUnit is a set of files checked together when no go.mod organises
// them: the files of one package in one directory, or a single file when
// the files of a directory declare the same names (a directory of
// separate programs).
type fileUnit struct {
	path  string
	files []*ast.File
	pkg   *packages.Package
	busy  bool
	done  bool
}

// loadFiles parses the Go files under root itself, without go list: for
// code outside any module, or a module the go command refuses. modRoot is
// the module directory when there is one; imports inside its module path
// resolve to the parsed packages, standard library imports to export
// data, and everything else to stand-ins. With only set, just the unit
// holding that file is returned.
func (l *loader) loadFiles(ctx context.Context, root, modRoot, only string) ([]*packages.Package, error) {
	names, err := goFiles(root, only == "", false)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, ErrNoPackages
	}
	modPath := ""
	if modRoot != "" {
		modPath = modulePath(modRoot)
	}
	type group struct {
		dir, name string
		files     []*ast.File
	}
	var groups []*group
	byKey := map[string]*group{}
	std := map[string]bool{}
	for _, name := range names {
		f, err := parser.ParseFile(l.fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if f == nil {
			l.gaps = append(l.gaps, gapIn{file: name, gap: gap{reason: err.Error()}})
			continue
		}
		var list scanner.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			l.syntaxGap(list[0].Pos.Filename, list[0].Pos.Line, list[0].Msg)
		}
		if isGenerated(f) {
			l.generated[name] = true
			stripBodies(f)
		}
		for _, spec := range f.Imports {
			if p, err := strconv.Unquote(spec.Path.Value); err == nil && isStdPath(p) && p != "C" {
				std[p] = true
			}
		}
		key := filepath.Dir(name) + "\x00" + f.Name.Name
		g := byKey[key]
		if g == nil {
			g = &group{dir: filepath.Dir(name), name: f.Name.Name}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.files = append(g.files, f)
	}
	if err := l.loadStd(ctx, std); err != nil {
		return nil, err
	}
	units := map[string]*fileUnit{}
	var order []*fileUnit
	for _, g := range groups {
		base := relSlash(root, g.dir)
		if base == "." {
			base = filepath.Base(root)
		}
		if modPath != "" {
			base = strings.TrimSuffix(modPath+"/"+relSlash(modRoot, g.dir), "/.")
		}
		sets := [][]*ast.File{g.files}
		if collide(g.files) {
			sets = sets[:0]
			for _, f := range g.files {
				sets = append(sets, []*ast.File{f})
			}
		}
		for _, set := range sets {
			path := base
			if len(sets) > 1 {
				path = base + "/" + filepath.Base(l.fset.File(set[0].Pos()).Name())
			}
			u := &fileUnit{path: path, files: set}
			if units[path] == nil {
				units[path] = u
			}
			order = append(order, u)
		}
	}
	for _, u := range order {
		for _, f := range u.files {
			l.uses.collectUses(f)
		}
	}
	var out []*packages.Package
	for _, u := range order {
		if only != "" && !slices.ContainsFunc(u.files, func(f *ast.File) bool { return l.fset.File(f.Pos()).Name() == only }) {
			continue
		}
		if p := l.checkUnit(u, units, modPath, modRoot); p != nil {
			out = append(out, p)
		}
	}
	return out, ctx.Err()
}

// loadStd loads the standard library packages from export data.
func (l *loader) loadStd(ctx context.Context, std map[string]bool) error {
	if len(std) == 0 {
		return nil
	}
	paths := make([]string, 0, len(std))
	for p := range std {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps | packages.NeedTypesSizes,
		Dir:     os.TempDir(),
		Fset:    l.fset,
		Env:     append(os.Environ(), offlineEnv...),
	}
	pkgs, err := packages.Load(cfg, paths...)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil // every import gets a stand-in
	}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if healthy(p) {
			l.real[p.PkgPath] = p
			l.byTypes[p.Types] = p
		}
	})
	return nil
}

// checkUnit type-checks a unit, its local imports first.
func (l *loader) checkUnit(u *fileUnit, units map[string]*fileUnit, modPath, modRoot string) *packages.Package {
	if u.done || u.busy {
		return u.pkg
	}
	u.busy = true
	imp := importerFunc(func(path string) (*types.Package, error) {
		if r := l.real[path]; healthy(r) {
			return r.Types, nil
		}
		if dep := units[path]; dep != nil && dep != u {
			if p := l.checkUnit(dep, units, modPath, modRoot); p != nil {
				return p.Types, nil
			}
		}
		return l.standInFor(path), nil
	})
	tpkg, info, gaps, err := l.check(u.path, u.files, imp)
	for _, g := range gaps {
		l.gaps = append(l.gaps, gapIn{gap: g, pkg: u.path})
	}
	u.busy, u.done = false, true
	if err != nil {
		l.gaps = append(l.gaps, gapIn{pkg: u.path, file: l.fset.File(u.files[0].Pos()).Name(), gap: gap{reason: err.Error()}})
		return nil
	}
	var mod *packages.Module
	if modPath != "" {
		mod = &packages.Module{Path: modPath, Dir: modRoot}
	}
	u.pkg = &packages.Package{
		ID: u.path, Name: tpkg.Name(), PkgPath: u.path, Fset: l.fset, Syntax: u.files,
		Types: tpkg, TypesInfo: info, TypesSizes: l.sizes, Module: mod,
	}
	for _, f := range u.files {
		u.pkg.GoFiles = append(u.pkg.GoFiles, l.fset.File(f.Pos()).Name())
	}
	u.pkg.CompiledGoFiles = u.pkg.GoFiles
	l.byTypes[tpkg] = u.pkg
	return u.pkg
}

// collide reports whether two files declare the same package-level name,
// so they cannot be one package.
func collide(files []*ast.File) bool {
	seen := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			var names []string
			switch x := d.(type) {
			case *ast.FuncDecl:
				n := x.Name.Name
				if x.Recv != nil && len(x.Recv.List) > 0 {
					n = recvBase(x.Recv.List[0].Type) + "." + n
				} else if n == "init" {
					continue
				}
				names = append(names, n)
			case *ast.GenDecl:
				for _, s := range x.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						names = append(names, s.Name.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names = append(names, n.Name)
						}
					}
				}
			}
			for _, n := range names {
				if n == "_" {
					continue
				}
				if seen[n] {
					return true
				}
				seen[n] = true
			}
		}
	}
	return false
}

// recvBase returns the type name of a method receiver.
func recvBase(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return types.ExprString(e)
		}
	}
}
