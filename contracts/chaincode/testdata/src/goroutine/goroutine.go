package goroutine

import (
	"sync"

	"github.com/hyperledger/fabric-chaincode-go/shim"
	pb "github.com/hyperledger/fabric-protos-go/peer"
)

// CC is a shim v2 chaincode.
type CC struct{}

// Init does nothing.
func (t *CC) Init(stub shim.ChaincodeStubInterface) pb.Response { return shim.Success(nil) }

// Invoke writes from goroutines.
func (t *CC) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	var wg sync.WaitGroup
	for _, k := range stub.GetStringArgs() {
		wg.Add(1)
		go func() { // want "goroutine in chaincode"
			defer wg.Done()
			_ = stub.PutState(k, []byte("x"))
		}()
	}
	wg.Wait()
	done := make(chan struct{})
	go close(done) // want "goroutine in chaincode"
	<-done
	return shim.Success(nil)
}
