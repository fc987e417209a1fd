package globalstate

import (
	"errors"

	"github.com/hyperledger/fabric/core/chaincode/shim"
	pb "github.com/hyperledger/fabric/protos/peer"
)

var (
	counter     int
	cache       = map[string][]byte{}
	last        string
	config      = &settings{}
	errNotFound = errors.New("not found") // read only: fine
)

type settings struct{ limit int }

func init() { counter = 1 } // package initialisation: fine

// CC is a shim v1 chaincode.
type CC struct{}

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke keeps state in package variables.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	counter++ // want "package-level variable counter is written at run time"
	_, args := stub.GetFunctionAndParameters()
	cache[args[0]] = []byte(args[1]) // want "package-level variable cache is written"
	remember(args[0])
	config.limit = len(args) // want "package-level variable config is written"
	if v, ok := cache[args[0]]; ok && counter > config.limit {
		return shim.Success(v)
	}
	return shim.Error(errNotFound.Error())
}

func remember(k string) {
	last = k // want "package-level variable last is written"
}
