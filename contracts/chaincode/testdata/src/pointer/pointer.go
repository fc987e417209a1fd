package pointer

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// CC reifies addresses.
type CC struct{}

type asset struct{ ID string }

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke writes addresses to state and to the response.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	a := &asset{ID: "a"}
	_ = stub.PutState("p", []byte(fmt.Sprintf("%p", a))) // want "memory address .* reaches state written by PutState"
	addr := uintptr(unsafe.Pointer(a))
	_ = stub.PutState("u", []byte(strconv.FormatUint(uint64(addr), 16))) // want "memory address"
	n := 1
	_ = stub.PutState("s", []byte(fmt.Sprintf("%v", a))) // pointer to struct prints its fields: fine
	return shim.Success([]byte(fmt.Sprint(&n)))          // want "memory address .* reaches the response built by shim.Success"
}
