// Package ccutil is a helper library in another package: the analyzers
// must follow values through it by facts.
package ccutil

import (
	"math/rand"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Now returns the peer's clock.
func Now() time.Time { return time.Now() }

// Token returns a random number.
func Token() int { return rand.Intn(100) }

// Save writes a value.
func Save(stub shim.ChaincodeStubInterface, key string, v []byte) error {
	return stub.PutState(key, v)
}

// Put writes a value under a key.
func Put(stub shim.ChaincodeStubInterface, key string, v []byte) error {
	return Save(stub, key, v)
}

// Query collects the values of a rich query.
func Query(stub shim.ChaincodeStubInterface, q string) ([][]byte, error) {
	it, err := stub.GetQueryResult(q)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out [][]byte
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, err
		}
		out = append(out, kv.Value)
	}
	return out, nil
}
