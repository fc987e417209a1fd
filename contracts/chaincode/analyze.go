package chaincode

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/lianjian/lianjian/ledger"
)

// Finding is one diagnostic of a chaincode rule in a source tree.
type Finding struct {
	Rule     string          `json:"rule"`
	Severity ledger.Severity `json:"severity"`
	Package  string          `json:"package"`
	File     string          `json:"file"` // slash-separated, relative to the analysed directory
	Line     int             `json:"line"`
	Column   int             `json:"column"`
	Message  string          `json:"message"`
}

// String renders the finding as file:line:col: [rule] message.
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: [%s] %s", f.File, f.Line, f.Column, f.Rule, f.Message)
}

// Result is the outcome of Check: the findings, what was not analysed and
// why, and which files were analysed or skipped.
type Result struct {
	Findings []Finding
	// Gaps are the declarations and packages left out because they did
	// not type-check; the rest of their package was analysed.
	Gaps []Gap
	// Files are the Go files analysed, Generated the generated ones
	// skipped; both slash-separated, relative to the analysed directory.
	Files, Generated []string
	// StandIns are the imports that could not be loaded and were
	// replaced by a model of the Fabric API or a package synthesised from
	// the source's uses.
	StandIns []string
}

// Analyze runs every chaincode rule on path (a directory or a .go file)
// and returns the findings, with a NotAnalysed finding for every gap of
// Check. It fails only when there is no Go code to analyse.
func Analyze(ctx context.Context, path string) ([]Finding, error) {
	res, err := Check(ctx, path)
	if err != nil {
		return nil, err
	}
	out := res.Findings
	for _, g := range res.Gaps {
		out = append(out, g.Finding())
	}
	sortFindings(out)
	return out, nil
}

// Check analyses the Go code at path: every package under a directory
// (a module, a directory inside one, or plain files without a go.mod), or
// a single .go file. It never touches the network. Imports that are not
// in the module cache are replaced by stand-ins (models of the Fabric
// chaincode APIs, or packages synthesised from the source's uses), a
// directory of files without a go.mod is checked package by package or,
// when its files are separate programs, file by file, and the
// declarations that still do not type-check are left out and listed as
// gaps with their reason. Generated files (the standard "Code generated
// ... DO NOT EDIT." header, counterfeiter fakes) give the package their
// types but are not analysed. Check fails only when path holds no Go code
// or the context ends.
func Check(ctx context.Context, path string) (*Result, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", path, err)
	}
	root, only := abs, ""
	if !st.IsDir() {
		if !strings.HasSuffix(abs, ".go") {
			return nil, fmt.Errorf("analyze %s: %w: not a directory or .go file", path, ErrNoPackages)
		}
		root, only = filepath.Dir(abs), abs
	}
	modRoot := findModule(root)
	var l *loader
	var pkgs []*packages.Package
	if modRoot != "" {
		l = newLoader(FixDownload)
		pkgs, err = l.loadModule(ctx, root, only != "")
		if (err != nil || len(pkgs) == 0) && ctx.Err() == nil {
			// The go command refused the module (a go.mod it cannot
			// read, a newer go version) or matched nothing (a
			// directory it ignores, such as testdata): parse the files
			// instead.
			l = newLoader(FixDownload)
			pkgs, err = l.loadFiles(ctx, root, modRoot, only)
		}
	} else {
		l = newLoader(FixModule)
		pkgs, err = l.loadFiles(ctx, root, "", only)
	}
	if err != nil {
		if errors.Is(err, ErrNoPackages) {
			return nil, fmt.Errorf("analyze %s: %w", path, err)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrLoad, path, err)
	}
	if len(pkgs) == 0 && len(l.gaps) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoPackages, path)
	}
	res := &Result{}
	keep := func(name string) bool { return only == "" || name == only }
	pkgOf := map[string]string{}
	for _, p := range pkgs {
		for _, f := range p.Syntax {
			name := l.fset.File(f.Pos()).Name()
			pkgOf[name] = p.PkgPath
			switch {
			case !keep(name):
			case l.generated[name]:
				res.Generated = append(res.Generated, relSlash(root, name))
			default:
				res.Files = append(res.Files, relSlash(root, name))
			}
		}
	}
	for p := range l.standIns {
		res.StandIns = append(res.StandIns, p)
	}
	slices.Sort(res.StandIns)
	for _, g := range l.gaps {
		gp := Gap{Package: g.pkg, Name: g.name, Reason: g.reason, Fix: g.fix}
		name := g.file
		gp.Line = g.line
		if g.pos.IsValid() {
			pos := l.fset.Position(g.pos)
			name, gp.Line = pos.Filename, pos.Line
		}
		if name != "" && !keep(name) && !(only != "" && name == root) {
			continue
		}
		gp.File = relSlash(root, name)
		if gp.Package == "" {
			gp.Package = pkgOf[name]
		}
		res.Gaps = append(res.Gaps, gp)
	}
	slices.SortFunc(res.Gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Name, b.Name))
	})
	if len(pkgs) == 0 {
		return res, nil
	}
	l.link(pkgs)
	graph, err := checker.Analyze(Analyzers(), pkgs, nil)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", path, err)
	}
	var errs []error
	for _, act := range graph.Roots {
		if act.Err != nil {
			errs = append(errs, fmt.Errorf("%s on %s: %w", act.Analyzer.Name, act.Package.PkgPath, act.Err))
			continue
		}
		for _, d := range act.Diagnostics {
			name := act.Package.Fset.Position(d.Pos).Filename
			if l.generated[name] || !keep(name) {
				continue
			}
			res.Findings = append(res.Findings, newFinding(root, act.Package, d.Pos, d.Category, d.Message))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sortFindings(res.Findings)
	res.Findings = slices.Compact(res.Findings)
	return res, nil
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
}

func newFinding(root string, pkg *packages.Package, pos token.Pos, rule, msg string) Finding {
	f := Finding{Rule: rule, Package: pkg.PkgPath, Message: msg}
	if r, ok := ledger.LookupRule(rule); ok {
		f.Severity = r.Severity
	}
	p := pkg.Fset.Position(pos)
	f.Line, f.Column = p.Line, p.Column
	f.File = p.Filename
	if rel, err := filepath.Rel(root, p.Filename); err == nil && !strings.HasPrefix(rel, "..") {
		f.File = filepath.ToSlash(rel)
	}
	return f
}

// Ledger converts the finding to the shared model. The subject is the
// chaincode; the finding id also covers the rule and source position, so
// two findings of one rule in one chaincode stay distinct.
func (f Finding) Ledger(chain, contract string, at time.Time) (ledger.Finding, error) {
	r, ok := ledger.LookupRule(f.Rule)
	if !ok {
		return ledger.Finding{}, fmt.Errorf("convert finding: %w: unknown rule %q", ledger.ErrInvalidRule, f.Rule)
	}
	subj := ledger.Subject{Kind: "contract", Ref: contract}
	lf := ledger.NewFinding(r, chain, subj, at, f.Message, map[string]string{
		"package": f.Package,
		"file":    f.File,
		"line":    strconv.Itoa(f.Line),
		"column":  strconv.Itoa(f.Column),
	})
	lf.ID = ledger.FindingID(r.ID, chain, ledger.Subject{
		Kind: subj.Kind,
		Ref:  contract + "@" + f.File + ":" + strconv.Itoa(f.Line) + ":" + strconv.Itoa(f.Column),
	})
	return lf, nil
}
