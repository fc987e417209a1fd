package readyourwrite

import (
	"example.com/ccutil"
	"github.com/hyperledger/fabric-chaincode-go/shim"
	pb "github.com/hyperledger/fabric-protos-go/peer"
)

// CC reads its own writes.
type CC struct{}

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke reads keys it has written.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	args := stub.GetStringArgs()
	key := args[0]
	before, _ := stub.GetState(key) // read before write: fine
	_ = stub.PutState(key, []byte("1"))
	after, _ := stub.GetState(key) // want "GetState reads a key written by PutState on line 20"
	_ = stub.PutState("const", nil)
	_, _ = stub.GetState("const") // want "GetState reads a key written by PutState"
	_, _ = stub.GetState("other") // different key: fine
	ck, _ := stub.CreateCompositeKey("asset", []string{args[1]})
	_ = stub.DelState(ck)
	ck2, _ := stub.CreateCompositeKey("asset", []string{args[1]})
	_, _ = stub.GetState(ck2) // want "GetState reads a key written by DelState"
	_ = put(stub, args[2])
	_, _ = stub.GetState(args[2]) // want "GetState reads a key written by put"
	_ = ccutil.Save(nil, args[3], nil)
	_, _ = stub.GetState(args[3]) // want "GetState reads a key written by Save"
	_ = stub.PutPrivateData("coll", key, nil)
	_, _ = stub.GetPrivateData("coll", key)  // want "GetPrivateData reads a key written by PutPrivateData"
	_, _ = stub.GetPrivateData("other", key) // other collection: fine
	if len(args) > 5 {
		_ = stub.PutState(args[5], nil)
	}
	_, _ = stub.GetState(args[5]) // write on one branch only: not reported
	return shim.Success(append(before, after...))
}

func put(stub shim.ChaincodeStubInterface, k string) error {
	return stub.PutState(k, []byte("v"))
}
