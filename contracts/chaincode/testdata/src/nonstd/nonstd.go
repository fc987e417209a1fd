package nonstd

import (
	"strings"

	"example.com/ccutil" // want `non-standard library "example.com/ccutil"`
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Use uses the imports.
func Use(stub shim.ChaincodeStubInterface) error {
	return ccutil.Save(stub, strings.ToLower("K"), nil)
}
