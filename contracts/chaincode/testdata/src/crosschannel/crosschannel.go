package crosschannel

import (
	"github.com/hyperledger/fabric/core/chaincode/shim"
	pb "github.com/hyperledger/fabric/protos/peer"
)

// CC calls other chaincodes.
type CC struct{}

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke calls chaincode on several channels.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	args := [][]byte{[]byte("get")}
	stub.InvokeChaincode("cc", args, "")                      // same channel: fine
	stub.InvokeChaincode("cc", args, stub.GetChannelID())     // same channel: fine
	stub.InvokeChaincode("cc", args, "other")                 // want `InvokeChaincode on channel "other"`
	stub.InvokeChaincode("cc", args, stub.GetStringArgs()[0]) // want "channel computed at run time"
	return shim.Success(nil)
}
