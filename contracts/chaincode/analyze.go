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

// maxLoadErrors bounds how many load errors an ErrLoad message lists.
const maxLoadErrors = 5

// Analyze loads every package under dir (a module or a directory inside
// one) and runs every chaincode rule on them. It never touches the
// network: dependencies must already be in the module cache or vendored,
// otherwise it returns an error wrapping ErrLoad that names them.
func Analyze(ctx context.Context, dir string) ([]Finding, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("analyze %s: %w", dir, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("analyze %s: %w: not a directory", dir, ErrNoPackages)
	}
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.LoadAllSyntax | packages.NeedModule,
		Dir:     abs,
		Env:     append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrLoad, dir, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoPackages, dir)
	}
	if err := loadErrors(pkgs); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrLoad, dir, err)
	}
	graph, err := checker.Analyze(Analyzers(), pkgs, nil)
	if err != nil {
		return nil, fmt.Errorf("analyze %s: %w", dir, err)
	}
	var out []Finding
	var errs []error
	for _, act := range graph.Roots {
		if act.Err != nil {
			errs = append(errs, fmt.Errorf("%s on %s: %w", act.Analyzer.Name, act.Package.PkgPath, act.Err))
			continue
		}
		for _, d := range act.Diagnostics {
			out = append(out, newFinding(abs, act.Package, d.Pos, d.Category, d.Message))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column), cmp.Compare(a.Rule, b.Rule))
	})
	return slices.Compact(out), nil
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

// loadErrors collects the errors of the loaded packages and their
// dependencies, deduplicated and bounded.
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
	n := len(msgs)
	if n > maxLoadErrors {
		msgs = append(msgs[:maxLoadErrors], "and "+strconv.Itoa(n-maxLoadErrors)+" more")
	}
	return errors.New(strings.Join(msgs, "; "))
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
