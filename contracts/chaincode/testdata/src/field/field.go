package field

import (
	"github.com/hyperledger/fabric-contract-api-go/contractapi"
	"github.com/hyperledger/fabric/core/chaincode/shim"
	pb "github.com/hyperledger/fabric/protos/peer"
)

// CC is a shim chaincode with state in fields.
type CC struct {
	calls int               // want "field calls of chaincode type CC keeps state in memory"
	cache map[string][]byte // want "field cache of chaincode type CC"
}

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke counts calls.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	t.calls++
	return shim.Success(t.cache["k"])
}

// Contract embeds contractapi.Contract and keeps a field.
type Contract struct {
	contractapi.Contract
	lastID string // want "field lastID of chaincode type Contract"
}

// Stateless has no fields: fine.
type Stateless struct {
	contractapi.Contract
}

// helper is not a chaincode type: fine.
type helper struct {
	n int
}
