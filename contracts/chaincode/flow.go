package chaincode

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// label is a set of taint labels carried by an SSA value. The low bits are
// real origins; bit paramShift+i stands for "derived from parameter i" and
// is how function summaries express data flow through helpers.
type label uint64

const (
	lTime     label = 1 << iota // system time
	lRand                       // random numbers
	lMapElem                    // a key or value of a map range (harmless alone)
	lMapOrder                   // an accumulation whose order follows map iteration
	lPointer                    // a reified memory address
	lRange                      // a range query result (re-validated at commit)
	lRich                       // a rich query, history or private range result (never re-validated)

	paramShift       = 16
	maxParams        = 64 - paramShift
	realMask   label = 1<<paramShift - 1
	paramMask        = ^realMask
)

func paramBit(i int) label {
	if i >= maxParams {
		return 0
	}
	return 1 << (paramShift + i)
}

// Summary is what Flow knows about a function: which taint labels its
// results carry and where its parameters go. Bits at and above 16 stand
// for parameters (bit 16+i is parameter i, the receiver first). It is
// exported as an analysis fact so helpers in other packages are followed.
type Summary struct {
	Returns    uint64 // labels of the results, real and per parameter
	StateSinks uint64 // parameters whose value reaches a state write
	RespSinks  uint64 // parameters whose value reaches a response or event
	WriteKeys  uint64 // parameters used as the key of a state write
	ReadKeys   uint64 // parameters used as the key of a state read
}

// AFact marks Summary as an analysis fact.
func (*Summary) AFact() {}

// String renders the summary for fact logs and test expectations.
func (s *Summary) String() string {
	return fmt.Sprintf("summary(ret=%#x state=%#x resp=%#x wkeys=%#x rkeys=%#x)",
		s.Returns, s.StateSinks, s.RespSinks, s.WriteKeys, s.ReadKeys)
}

// report is one diagnostic found by Flow, kept for a rule analyzer.
type report struct {
	rule string
	pos  token.Pos
	msg  string
}

// flowResult is Flow's result: every diagnostic it found in the package.
type flowResult struct {
	reports []report
}

// Flow builds SSA for the package, summarises every function, exports the
// summaries as facts and collects the diagnostics that the rule analyzers
// report. It skips the standard library and Fabric/protobuf packages.
var Flow = &analysis.Analyzer{
	Name:       "ccflow",
	Doc:        "summarise chaincode data flow through helpers (taint labels, state sinks, state keys)",
	Run:        guard(runFlow),
	ResultType: reflect.TypeFor[*flowResult](),
	FactTypes:  []analysis.Fact{new(Summary)},
}

func runFlow(pass *analysis.Pass) (any, error) {
	out := &flowResult{}
	if inGOROOT(pass) || underAny(pass.Pkg.Path(), summaryFree) {
		return out, nil
	}
	fp := &flowPass{pass: pass, out: out, local: map[*ssa.Function]*Summary{}, seen: map[report]bool{}}
	fp.build()
	fp.summarise()
	reach := fp.reachable()
	for _, fn := range fp.funcs {
		report := reach == nil || reach[fn]
		newFuncFlow(fp, fn, report).run()
		if report {
			fp.readYourWrite(fn)
		}
	}
	for fn, s := range fp.local {
		obj, ok := fn.Object().(*types.Func)
		if ok && obj.Pkg() == pass.Pkg && *s != (Summary{}) {
			c := *s
			pass.ExportObjectFact(obj, &c)
		}
	}
	sort.SliceStable(out.reports, func(i, j int) bool { return out.reports[i].pos < out.reports[j].pos })
	return out, nil
}

// inGOROOT reports whether the package is part of the Go distribution.
func inGOROOT(pass *analysis.Pass) bool {
	if len(pass.Files) == 0 {
		return true
	}
	name := pass.Fset.Position(pass.Files[0].Pos()).Filename
	return isStdPath(pass.Pkg.Path()) && strings.HasPrefix(name, filepath.Clean(build.Default.GOROOT)+string(filepath.Separator))
}

// flowPass is the state of Flow on one package.
type flowPass struct {
	pass  *analysis.Pass
	pkg   *ssa.Package
	funcs []*ssa.Function
	local map[*ssa.Function]*Summary
	out   *flowResult
	seen  map[report]bool
}

// build creates the SSA form of the package, with its direct imports as
// body-less packages, and lists its source functions in source order.
func (fp *flowPass) build() {
	prog := ssa.NewProgram(fp.pass.Fset, 0)
	for _, p := range fp.pass.Pkg.Imports() {
		prog.CreatePackage(p, nil, nil, true)
	}
	fp.pkg = prog.CreatePackage(fp.pass.Pkg, fp.pass.Files, fp.pass.TypesInfo, false)
	fp.pkg.Build()
	var add func(fn *ssa.Function)
	add = func(fn *ssa.Function) {
		if fn == nil || fn.Blocks == nil {
			return
		}
		fp.funcs = append(fp.funcs, fn)
		for _, anon := range fn.AnonFuncs {
			add(anon)
		}
	}
	add(fp.pkg.Func("init"))
	for _, f := range fp.pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if obj, ok := fp.pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
				add(prog.FuncValue(obj))
			}
		}
	}
	for _, fn := range fp.funcs {
		fp.local[fn] = &Summary{}
	}
}

// summarise computes the summaries of the package's functions to a fixed
// point; recursion converges because labels only grow.
func (fp *flowPass) summarise() {
	for round := 0; round < 10; round++ {
		changed := false
		for _, fn := range fp.funcs {
			s := newFuncFlow(fp, fn, false).run()
			if *fp.local[fn] != s {
				*fp.local[fn] = s
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

// summaryOf returns the summary of the function called by c, from this
// package or from a fact, or nil when the callee is unknown.
func (fp *flowPass) summaryOf(c *ssa.CallCommon) (*Summary, *ssa.Function) {
	fn := c.StaticCallee()
	if fn == nil {
		return nil, nil
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if s, ok := fp.local[fn]; ok {
		return s, fn
	}
	obj, ok := fn.Object().(*types.Func)
	if !ok || obj.Pkg() == nil || obj.Pkg() == fp.pass.Pkg {
		return nil, fn
	}
	s := new(Summary)
	if fp.pass.ImportObjectFact(obj, s) {
		return s, fn
	}
	return nil, fn
}

// reportf records a diagnostic once per rule and position.
func (fp *flowPass) reportf(rule string, pos token.Pos, format string, args ...any) {
	r := report{rule: rule, pos: pos, msg: fmt.Sprintf(format, args...)}
	k := report{rule: rule, pos: pos}
	if fp.seen[k] {
		return
	}
	fp.seen[k] = true
	fp.out.reports = append(fp.out.reports, r)
}

// isInit reports whether fn runs only at package initialisation.
func isInit(fn *ssa.Function) bool {
	for fn.Parent() != nil {
		fn = fn.Parent()
	}
	return fn.Synthetic == "package initializer" || fn.Signature.Recv() == nil && len(fn.Name()) > 5 && fn.Name()[:5] == "init#"
}

// isEntry reports whether fn is a transaction entry point whose results
// become the proposal response: Init/Invoke of a shim chaincode, or an
// exported method taking a contract API transaction context.
func isEntry(fn *ssa.Function) bool {
	recv := fn.Signature.Recv()
	if recv == nil || fn.Parent() != nil || !token.IsExported(fn.Name()) {
		return false
	}
	if fn.Name() == "Invoke" || fn.Name() == "Init" {
		return isChaincodeImpl(recv.Type())
	}
	params := fn.Signature.Params()
	return params.Len() > 0 && isContextType(params.At(0).Type())
}

// isChaincodeImpl reports whether t has both Init and Invoke methods.
func isChaincodeImpl(t types.Type) bool {
	if _, isPtr := t.Underlying().(*types.Pointer); !isPtr {
		t = types.NewPointer(t)
	}
	ms := types.NewMethodSet(t)
	return ms.Lookup(nil, "Init") != nil && ms.Lookup(nil, "Invoke") != nil
}

// reachable returns the functions that can run inside a transaction: those
// reachable from an entry point, from package initialisation or from a
// function value taken outside main. Start-up code that only main reaches
// (reading the server address from the environment, starting the
// chaincode server) is left out. It returns nil, meaning every function,
// for a package without entry points, such as a helper library.
func (fp *flowPass) reachable() map[*ssa.Function]bool {
	reach := map[*ssa.Function]bool{}
	var work []*ssa.Function
	add := func(fn *ssa.Function) {
		if fn == nil {
			return
		}
		if o := fn.Origin(); o != nil {
			fn = o
		}
		if _, local := fp.local[fn]; local && !reach[fn] {
			reach[fn] = true
			work = append(work, fn)
		}
	}
	entries := 0
	for _, fn := range fp.funcs {
		if isEntry(fn) {
			entries++
			add(fn)
		}
	}
	if entries == 0 {
		return nil
	}
	for _, fn := range fp.funcs {
		// Methods may be called through interfaces: count them all.
		if isInit(fn) && fn.Parent() == nil || fn.Signature.Recv() != nil {
			add(fn)
		}
		if !inMain(fn) {
			for _, ref := range funcRefs(fn, false) {
				add(ref)
			}
		}
	}
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		for _, callee := range funcRefs(fn, true) {
			add(callee)
		}
	}
	return reach
}

// funcRefs returns the functions fn refers to as values (closures, method
// values, function variables) and, with calls set, those it calls.
func funcRefs(fn *ssa.Function, calls bool) []*ssa.Function {
	var out []*ssa.Function
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			var callee ssa.Value
			if c, ok := instr.(ssa.CallInstruction); ok {
				callee = c.Common().Value
				if calls {
					out = append(out, c.Common().StaticCallee())
				}
			}
			for _, op := range instr.Operands(nil) {
				if op == nil || *op == callee {
					continue
				}
				switch v := (*op).(type) {
				case *ssa.Function:
					out = append(out, v)
				case *ssa.MakeClosure:
					out = append(out, v.Fn.(*ssa.Function))
				}
			}
			if mc, ok := instr.(*ssa.MakeClosure); ok {
				out = append(out, mc.Fn.(*ssa.Function))
			}
		}
	}
	return out
}

// inMain reports whether fn is func main of package main or a literal in it.
func inMain(fn *ssa.Function) bool {
	for fn.Parent() != nil {
		fn = fn.Parent()
	}
	return fn.Name() == "main" && fn.Signature.Recv() == nil && fn.Pkg != nil && fn.Pkg.Pkg.Name() == "main"
}
