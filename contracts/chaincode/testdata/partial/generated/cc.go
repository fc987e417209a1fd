// Package generated holds a chaincode next to generated mocks.
package generated

import "github.com/hyperledger/fabric-chaincode-go/v2/shim"

// Put stores a value.
func Put(stub shim.ChaincodeStubInterface, v []byte) error { return stub.PutState("k", v) }
