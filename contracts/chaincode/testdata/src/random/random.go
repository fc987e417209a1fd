package random

import (
	crand "crypto/rand"
	"math/rand"
	"strconv"

	"example.com/ccutil"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// CC is a shim v2 (module v2) chaincode.
type CC struct{}

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke draws random numbers.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	n := rand.Intn(10) // want "math/rand.Intn is non-deterministic"
	buf := make([]byte, 8)
	_, _ = crand.Read(buf)                  // want "crypto/rand.Read is non-deterministic"
	r := rand.New(rand.NewSource(int64(n))) // want "math/rand.New is" "math/rand.NewSource is"
	m := r.Intn(5)                          // want "math/rand.Intn is"
	tok := ccutil.Token()                   // want "Token returns a random value"
	_ = stub.PutState("k", []byte(strconv.Itoa(n+m+tok)))
	return shim.Success(buf)
}
