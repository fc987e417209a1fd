package chaincode

import (
	"go/ast"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/lianjian/lianjian/ledger"
)

// Rules that read declarations rather than data flow.
var (
	NonStandardLib = &Rule{
		RuleInfo: ledger.RuleInfo{
			ID: ruleNonStd, Title: "Non-standard external library",
			Doc:      "Chaincode imports a package that is neither in the Go standard library, nor a Fabric, protobuf or gRPC library, nor part of the chaincode's own module. Such a library may hide any of the other risks (time, randomness, network, global state, goroutines) where the chaincode's reviewers do not look, and it is one more supply-chain dependency every endorsing organisation must trust. Review the library with these rules, pin it, or replace it with the standard library.",
			Severity: ledger.Low, Category: ledger.CatContract,
			Clauses: []string{"Yamashita2019:external-library"}, Sources: []string{yamashita},
		},
	}
	ChaincodeField = &Rule{
		RuleInfo: ledger.RuleInfo{
			ID: ruleField, Title: "Field on the chaincode type",
			Doc:      "The chaincode type (the one with Init and Invoke, or embedding contractapi.Contract) lives for the whole life of the chaincode process, so its fields keep state in memory across transactions. That state is not on the ledger and differs between peers and restarts. Keep state in the world state; keep only immutable configuration, set once at start-up, in fields.",
			Severity: ledger.Medium, Category: ledger.CatContract,
			Clauses: []string{"Yamashita2019:field-declaration"}, Sources: []string{yamashita},
		},
	}
)

func init() {
	NonStandardLib.Analyzer = &analysis.Analyzer{
		Name: "ccnonstdlib",
		Doc:  NonStandardLib.Title + "\n\n" + NonStandardLib.Doc,
		Run:  guard(runNonStd),
	}
	ChaincodeField.Analyzer = &analysis.Analyzer{
		Name: "ccfield",
		Doc:  ChaincodeField.Title + "\n\n" + ChaincodeField.Doc,
		Run:  guard(runField),
	}
}

func runNonStd(pass *analysis.Pass) (any, error) {
	mod := ""
	if pass.Module != nil {
		mod = pass.Module.Path
	}
	for _, f := range pass.Files {
		if strings.HasSuffix(pass.Fset.Position(f.Pos()).Filename, "_test.go") {
			continue
		}
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil || isStdPath(path) || underAny(path, trustedLibs) ||
				mod != "" && (path == mod || strings.HasPrefix(path, mod+"/")) {
				continue
			}
			pass.Report(analysis.Diagnostic{
				Pos: spec.Pos(), Category: ruleNonStd,
				Message: "non-standard library " + strconv.Quote(path) + ": every endorsing organisation must review and trust it; it may hide non-determinism",
			})
		}
	}
	return nil, nil
}

func runField(pass *analysis.Pass) (any, error) {
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			obj, ok := pass.TypesInfo.Defs[ts.Name].(*types.TypeName)
			if !ok {
				return false
			}
			tst, ok := obj.Type().Underlying().(*types.Struct)
			if !ok || !isChaincodeImpl(obj.Type()) && !embedsContract(tst, 0) {
				return false
			}
			for _, field := range st.Fields.List {
				if len(field.Names) == 0 && isContractType(pass.TypesInfo.TypeOf(field.Type)) {
					continue
				}
				name := types.ExprString(field.Type)
				if len(field.Names) > 0 {
					name = field.Names[0].Name
				}
				pass.Report(analysis.Diagnostic{
					Pos: field.Pos(), Category: ruleField,
					Message: "field " + name + " of chaincode type " + ts.Name.Name + " keeps state in memory across transactions: it is not on the ledger and differs between peers",
				})
			}
			return false
		})
	}
	return nil, nil
}

// isContractType reports whether t is contractapi.Contract (or a pointer
// to it).
func isContractType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Name() == "Contract" && n.Obj().Pkg() != nil && isContractAPIPath(n.Obj().Pkg().Path())
}

// embedsContract reports whether st embeds contractapi.Contract, directly
// or through another embedded struct.
func embedsContract(st *types.Struct, depth int) bool {
	if depth > 4 {
		return false
	}
	for i := range st.NumFields() {
		f := st.Field(i)
		if !f.Embedded() {
			continue
		}
		if isContractType(f.Type()) {
			return true
		}
		if inner, ok := f.Type().Underlying().(*types.Struct); ok && embedsContract(inner, depth+1) {
			return true
		}
	}
	return false
}
