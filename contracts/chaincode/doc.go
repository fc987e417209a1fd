// Package chaincode holds static analyzers for Hyperledger Fabric Go
// chaincode, built on golang.org/x/tools/go/analysis.
//
// The analyzers cover the chaincode risk list of Yamashita et al. (2019),
// "Potential Risks of Hyperledger Fabric Smart Contracts": non-determinism
// (global state, map iteration order, goroutines, random numbers, system
// time, external access, non-standard libraries, reified pointers), Fabric
// specific pitfalls (phantom reads through range and rich queries,
// read-your-write, cross-channel invocation) and in-memory state kept in
// fields of the chaincode type.
//
// Stubs are recognised by their method set (a type with both GetState and
// PutState), so shim v1 (github.com/hyperledger/fabric/core/chaincode/shim),
// shim v2 (github.com/hyperledger/fabric-chaincode-go/shim and its /v2
// module), fabric-contract-api-go v1 and v2 (ctx.GetStub()) and mock stubs
// are all understood without a list of import paths.
//
// Values are followed through helper functions. One fact-producing analyzer
// (Flow) builds SSA for each non-infrastructure package, computes a summary
// of every function (which labels its results carry, which parameters reach
// a state write, a response or a state key) and exports the summaries as
// facts, so a helper in another package is understood as well as one in the
// same file. The rule analyzers read Flow's result and report. In a
// package that declares a transaction entry point (Init/Invoke, or an
// exported method taking a contract API transaction context), only code
// that can run inside a transaction is reported: start-up code reached only
// from main is left out. A panic in any analyzer becomes an error wrapping
// ErrInternal instead of crashing the process.
//
// Check (and Analyze, which returns its findings) analyses a module, a
// directory of plain files or a lone .go file, offline, and never refuses
// the whole input. A module is loaded with golang.org/x/tools/go/packages;
// code outside any module is parsed directly, package by package or, when
// the files of a directory are separate programs, file by file. A package
// that does not type-check is checked again with go/types against
// stand-ins for the imports that could not be loaded: models of the Fabric
// shim, contract API, client identity and protobuf messages written from
// their real signatures (fabric_model.go), or packages synthesised from
// how the source uses them. Declarations that still do not type-check are
// pruned until the rest does (a function keeps its signature and loses its
// body, so its callers still check) and reported as NotAnalysed
// (CC-NOT-ANALYSED) findings naming the reason and the fix (FixDownload,
// FixModule, FixSiblings). Generated files (the standard "Code generated
// ... DO NOT EDIT." header, counterfeiter fakes) give their package its
// types but are not analysed and are counted; Survey lists them cheaply.
// Finding.Ledger converts findings to the shared ledger.Finding model.
package chaincode
