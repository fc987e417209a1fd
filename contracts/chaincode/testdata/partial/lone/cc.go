// Command cc is a lone chaincode file with no go.mod, importing the Fabric
// shim (replaced by its model) and a module that is in no cache.
package main

import (
	"strings"

	"github.com/example/notcached/util" // want CC-NONSTD-LIB
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

var calls int

// CC is the chaincode.
type CC struct{}

// Init does nothing.
func (c *CC) Init(stub shim.ChaincodeStubInterface) *peer.Response { return shim.Success(nil) }

// Invoke counts calls in memory and writes a map in iteration order.
func (c *CC) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	calls++ // want CC-GLOBAL-STATE
	owners := map[string]string{"a": "x", "b": "y"}
	var b strings.Builder
	for k := range owners {
		b.WriteString(k)
	}
	if err := stub.PutState("owners", []byte(b.String())); err != nil { // want CC-MAP-ORDER
		return shim.Error(err.Error())
	}
	return shim.Success(nil)
}

// Audit uses the missing module, so it is not analysed.
func (c *CC) Audit(stub shim.ChaincodeStubInterface) *peer.Response { // want CC-NOT-ANALYSED
	calls++
	return shim.Success([]byte(util.Stamp()))
}

func main() {
	if err := shim.Start(&CC{}); err != nil {
		panic(err)
	}
}
