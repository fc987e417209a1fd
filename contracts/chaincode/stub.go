package chaincode

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Stub methods by role. Names are shared by ChaincodeStubInterface in shim
// v1 and v2 and by every mock stub.
var (
	// stateWrites change the world state; every argument is a sink.
	stateWrites = map[string]bool{
		"PutState": true, "DelState": true,
		"PutPrivateData": true, "DelPrivateData": true, "PurgePrivateData": true,
		"SetStateValidationParameter": true, "SetPrivateDataValidationParameter": true,
	}
	// validatedRanges are range queries that the committing peer
	// re-executes, so a phantom read invalidates the transaction
	// (PHANTOM_READ_CONFLICT) rather than corrupting state.
	validatedRanges = map[string]bool{
		"GetStateByRange": true, "GetStateByRangeWithPagination": true,
		"GetStateByPartialCompositeKey": true, "GetStateByPartialCompositeKeyWithPagination": true,
	}
	// unvalidatedQueries are never re-executed at commit: results that
	// drive a write can be stale or incomplete without any conflict.
	unvalidatedQueries = map[string]bool{
		"GetQueryResult": true, "GetQueryResultWithPagination": true,
		"GetHistoryForKey":      true,
		"GetPrivateDataByRange": true, "GetPrivateDataByPartialCompositeKey": true,
		"GetPrivateDataQueryResult": true,
	}
)

// isStubType reports whether t (or *t) has the two methods every Fabric
// chaincode stub has.
func isStubType(t types.Type) bool {
	if t == nil {
		return false
	}
	if _, isPtr := t.Underlying().(*types.Pointer); !isPtr && !types.IsInterface(t) {
		t = types.NewPointer(t)
	}
	ms := types.NewMethodSet(t)
	return ms.Lookup(nil, "GetState") != nil && ms.Lookup(nil, "PutState") != nil
}

// stubCall returns the method name when c calls a method on a stub, either
// dynamically through the stub interface or statically on a concrete stub.
func stubCall(c *ssa.CallCommon) (string, bool) {
	if c.IsInvoke() {
		if isStubType(c.Value.Type()) {
			return c.Method.Name(), true
		}
		return "", false
	}
	fn := c.StaticCallee()
	if fn == nil || fn.Signature.Recv() == nil {
		return "", false
	}
	if isStubType(fn.Signature.Recv().Type()) {
		return fn.Name(), true
	}
	return "", false
}

// stubArgs returns the call's arguments without the receiver.
func stubArgs(c *ssa.CallCommon) []ssa.Value {
	if c.IsInvoke() {
		return c.Args
	}
	if len(c.Args) > 0 {
		return c.Args[1:]
	}
	return nil
}

// calleeFunc returns the package path and name of a static callee, or of
// the method called through an interface.
func calleeFunc(c *ssa.CallCommon) (pkg, name string, recv types.Type) {
	if c.IsInvoke() {
		if c.Method.Pkg() != nil {
			pkg = c.Method.Pkg().Path()
		}
		return pkg, c.Method.Name(), c.Value.Type()
	}
	fn := c.StaticCallee()
	if fn == nil {
		return "", "", nil
	}
	if obj, ok := fn.Object().(*types.Func); ok && obj.Pkg() != nil {
		pkg = obj.Pkg().Path()
	} else if fn.Pkg != nil {
		pkg = fn.Pkg.Pkg.Path()
	}
	if sig := fn.Signature; sig.Recv() != nil {
		recv = sig.Recv().Type()
	}
	return pkg, fn.Name(), recv
}

// isShimPath reports whether path is a Fabric chaincode shim package.
func isShimPath(path string) bool {
	return strings.HasSuffix(path, "/shim") && strings.Contains(path, "hyperledger")
}

// isContractAPIPath reports whether path is a fabric-contract-api-go
// contractapi package.
func isContractAPIPath(path string) bool {
	return strings.HasSuffix(path, "/contractapi")
}

// isContextType reports whether t is a transaction context: a type with a
// GetStub method returning a stub.
func isContextType(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "GetStub")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Results().Len() == 1 && isStubType(sig.Results().At(0).Type())
}

// trustedLibs are module paths of trusted infrastructure: the Fabric
// shim, contract API and protobuf stacks. Chaincode may import them
// without a non-standard library finding.
var trustedLibs = []string{
	"github.com/hyperledger/fabric",
	"github.com/hyperledger/fabric-chaincode-go",
	"github.com/hyperledger/fabric-contract-api-go",
	"github.com/hyperledger/fabric-protos-go",
	"github.com/hyperledger/fabric-protos-go-apiv2",
	"github.com/hyperledger/fabric-lib-go",
	"github.com/golang/protobuf",
	"google.golang.org/protobuf",
	"google.golang.org/grpc",
	"google.golang.org/genproto",
	"golang.org/x",
}

// summaryFree are package path prefixes whose functions Flow does not
// summarise, for speed: stub calls are recognised by method name, and
// these libraries never carry chaincode data to a state write. The
// Fabric main module is absent so that its sample chaincode is analysed.
var summaryFree = []string{
	"github.com/hyperledger/fabric/core/chaincode/shim",
	"github.com/hyperledger/fabric/protos",
	"github.com/hyperledger/fabric-chaincode-go",
	"github.com/hyperledger/fabric-contract-api-go",
	"github.com/hyperledger/fabric-protos-go",
	"github.com/hyperledger/fabric-protos-go-apiv2",
	"github.com/golang/protobuf",
	"google.golang.org/protobuf",
	"google.golang.org/grpc",
	"google.golang.org/genproto",
	"golang.org/x",
}

// isStdPath reports whether path belongs to the standard library.
func isStdPath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// underAny reports whether path is one of prefixes or inside one.
func underAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
