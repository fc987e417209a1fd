package chaincode

import (
	"errors"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// gap is a declaration left out of the analysis, and why.
type gap struct {
	pos    token.Pos
	name   string
	reason string
	fix    string
}

// item is a declaration that can be pruned: a function, or one spec of a
// type, variable or constant declaration.
type item struct {
	file *ast.File
	decl ast.Decl
	spec ast.Spec // nil for a function
}

func (it item) node() ast.Node {
	if it.spec != nil {
		return it.spec
	}
	return it.decl
}

// name renders the declaration for a gap: F, T.M or (*T).M for
// functions, the declared names for specs.
func (it item) name() string {
	switch x := it.node().(type) {
	case *ast.FuncDecl:
		if x.Recv != nil && len(x.Recv.List) > 0 {
			return "(" + types.ExprString(x.Recv.List[0].Type) + ")." + x.Name.Name
		}
		return x.Name.Name
	case *ast.TypeSpec:
		return "type " + x.Name.Name
	case *ast.ValueSpec:
		names := make([]string, len(x.Names))
		for i, n := range x.Names {
			names[i] = n.Name
		}
		return strings.Join(names, ", ")
	}
	return "declaration"
}

// badItem is a declaration that does not type-check, with the position
// of its first problem.
type badItem struct {
	item
	at     token.Pos
	reason string
	fix    string
}

// check type-checks files as package path, resolving imports with imp.
// Declarations that do not type-check are pruned until the rest does: a
// function with a bad body keeps its signature (so its callers still
// check) and loses its body; a declaration with a bad signature, type or
// initialiser is removed, and whatever used it follows in the next round.
// It returns the package, its type information and the gaps, or an error
// when problems outside any declaration remain, so the package cannot be
// analysed at all.
func (l *loader) check(path string, files []*ast.File, imp types.Importer) (*types.Package, *types.Info, []gap, error) {
	var gaps []gap
	recorded := map[ast.Node]bool{}
	for {
		info := newInfo()
		var hard []types.Error
		conf := types.Config{
			Importer: imp, Sizes: l.sizes, FakeImportC: true,
			Error: func(err error) {
				var te types.Error
				if errors.As(err, &te) && !te.Soft {
					hard = append(hard, te)
				}
			},
		}
		pkg, _ := conf.Check(path, l.fset, files, info)
		bad, stray := l.badItems(files, info, hard)
		if len(bad) == 0 {
			if stray != nil {
				return nil, nil, gaps, stray
			}
			return pkg, info, gaps, nil
		}
		progress := false
		for _, b := range bad {
			if !recorded[b.node()] {
				recorded[b.node()] = true
				gaps = append(gaps, gap{pos: b.node().Pos(), name: b.name(), reason: b.reason, fix: b.fix})
			}
			if prune(b) {
				progress = true
			}
		}
		if !progress {
			return nil, nil, gaps, errors.New(bad[0].reason)
		}
	}
}

// newInfo returns a types.Info recording everything the analyzers read.
func newInfo() *types.Info {
	return &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
		Instances: map[*ast.Ident]types.Instance{}, FileVersions: map[*ast.File]string{},
	}
}

// badItems maps type errors, expressions of invalid type and uses of
// stand-in members without a type to the declarations holding them. stray
// is the first hard error outside every prunable declaration.
func (l *loader) badItems(files []*ast.File, info *types.Info, hard []types.Error) (bad []badItem, stray error) {
	var items []item
	for _, f := range files {
		for _, d := range f.Decls {
			switch x := d.(type) {
			case *ast.FuncDecl:
				items = append(items, item{file: f, decl: d})
			case *ast.GenDecl:
				if x.Tok == token.IMPORT {
					continue
				}
				for _, s := range x.Specs {
					items = append(items, item{file: f, decl: d, spec: s})
				}
			}
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].node().Pos() < items[j].node().Pos() })
	find := func(pos token.Pos) int {
		i := sort.Search(len(items), func(i int) bool { return items[i].node().End() > pos })
		if i < len(items) && items[i].node().Pos() <= pos {
			return i
		}
		return -1
	}
	found := map[int]*badItem{}
	var order []int
	mark := func(pos token.Pos, reason, fix string) bool {
		i := find(pos)
		if i < 0 {
			return false
		}
		if b, ok := found[i]; ok {
			if pos < b.at {
				b.at = pos
			}
			return true
		}
		found[i] = &badItem{item: items[i], at: pos, reason: reason, fix: fix}
		order = append(order, i)
		return true
	}
	// Uses of packages that could not be loaded explain the errors they
	// cause, so they come first: the first reason found is kept.
	var ids []*ast.Ident
	for id, obj := range info.Uses {
		if obj == nil || obj.Pkg() == nil {
			continue
		}
		p := obj.Pkg().Path()
		if _, stood := l.standIns[p]; stood && l.fakeValues[obj] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Pos() < ids[j].Pos() })
	for _, id := range ids {
		obj := info.Uses[id]
		mark(id.Pos(), "uses "+obj.Pkg().Name()+"."+obj.Name()+" from "+obj.Pkg().Path()+", which could not be loaded", l.fixMissing)
	}
	for _, te := range hard {
		reason, fix := te.Msg, ""
		switch {
		case l.broken[l.fset.Position(te.Pos).Filename]:
			// Reported with the syntax error.
		case l.mentionsStandIn(te.Msg):
			fix = l.fixMissing // a member the stand-in lacks
		case strings.HasPrefix(te.Msg, "undefined: "), strings.HasPrefix(te.Msg, "could not import"):
			fix = FixSiblings
		}
		if !mark(te.Pos, reason, fix) && stray == nil {
			stray = te
		}
	}
	// The parser leaves Bad nodes where the source did not parse; the
	// type checker passes over some of them silently.
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.BadStmt, *ast.BadExpr, *ast.BadDecl:
				mark(n.Pos(), "syntax error", "")
			}
			return true
		})
	}
	var invalid []ast.Expr
	for e, tv := range info.Types {
		if tv.Type == types.Typ[types.Invalid] {
			invalid = append(invalid, e)
		}
	}
	sort.Slice(invalid, func(i, j int) bool { return invalid[i].Pos() < invalid[j].Pos() })
	for _, e := range invalid {
		mark(e.Pos(), "expression "+types.ExprString(e)+" has no valid type", "")
	}
	sort.Ints(order)
	for _, i := range order {
		bad = append(bad, *found[i])
	}
	return bad, stray
}

// mentionsStandIn reports whether an error message names a package that
// was stood in for.
func (l *loader) mentionsStandIn(msg string) bool {
	for p, pkg := range l.standIns {
		n := pkg.Name() + "."
		if strings.Contains(msg, p) || strings.Contains(msg, " "+n) || strings.Contains(msg, "*"+n) || strings.Contains(msg, "("+n) {
			return true
		}
	}
	return false
}

// prune removes what b needs removed and reports whether it changed the
// syntax.
func prune(b badItem) bool {
	switch x := b.node().(type) {
	case *ast.FuncDecl:
		if x.Body != nil && x.Body.Pos() <= b.at && b.at < x.Body.End() && x.Name.Name != "init" {
			x.Body = nil
			return true
		}
		return removeDecl(b.file, b.decl)
	case *ast.ValueSpec:
		if x.Type != nil && len(x.Values) > 0 && x.Values[0].Pos() <= b.at && !(x.Type.Pos() <= b.at && b.at < x.Type.End()) {
			x.Values = nil
			return true
		}
	}
	gd := b.decl.(*ast.GenDecl)
	for i, s := range gd.Specs {
		if s == b.spec {
			gd.Specs = append(gd.Specs[:i:i], gd.Specs[i+1:]...)
			if len(gd.Specs) == 0 {
				removeDecl(b.file, b.decl)
			}
			return true
		}
	}
	return false
}

func removeDecl(f *ast.File, d ast.Decl) bool {
	for i, x := range f.Decls {
		if x == d {
			f.Decls = append(f.Decls[:i:i], f.Decls[i+1:]...)
			return true
		}
	}
	return false
}

// stripBodies drops the function bodies of a generated file, so that its
// declarations still give types to the package but its code is not
// analysed. Init functions, which need a body, are removed.
func stripBodies(f *ast.File) {
	decls := f.Decls[:0:0]
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			if fd.Recv == nil && fd.Name.Name == "init" {
				continue
			}
			fd.Body = nil
		}
		decls = append(decls, d)
	}
	f.Decls = decls
}
