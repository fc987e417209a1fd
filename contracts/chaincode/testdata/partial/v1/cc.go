// Command cc is a Fabric 1.x chaincode file with no go.mod: the shim, its
// logger, the client identity library and the protobuf timestamp helpers
// are replaced by their models, so every function type-checks.
package main

import (
	"fmt"
	"time"

	"github.com/golang/protobuf/ptypes"
	"github.com/hyperledger/fabric/core/chaincode/lib/cid"
	"github.com/hyperledger/fabric/core/chaincode/shim"
	pb "github.com/hyperledger/fabric/protos/peer"
)

var logger = shim.NewLogger("cc")

// CC is the chaincode.
type CC struct{}

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke records who called and when.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	id, err := cid.GetID(stub)
	if err != nil {
		return shim.Error(err.Error())
	}
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return shim.Error(err.Error())
	}
	when, _ := ptypes.Timestamp(ts)
	logger.Infof("call by %s at %s", id, when)
	seen := fmt.Sprintf("%s %d", id, time.Now().Unix()) // want CC-SYSTEM-TIME
	if err := stub.PutState("seen", []byte(seen)); err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(nil)
}

func main() {
	if err := shim.Start(new(CC)); err != nil {
		logger.Errorf("start: %s", err)
	}
}
