// Package sibling refers to symbols declared in a file that is not here.
package sibling

import (
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Contract is the smart contract.
type Contract struct {
	contractapi.Contract
}

var lastSeen int64

// Touch writes a package-level variable and type-checks.
func (c *Contract) Touch(ctx contractapi.TransactionContextInterface) error {
	lastSeen = 1 // want CC-GLOBAL-STATE
	return ctx.GetStub().PutState("touched", []byte("yes"))
}

// Stamp uses a helper of a missing sibling file, so it is not analysed
// although it reads the system time.
func (c *Contract) Stamp(ctx contractapi.TransactionContextInterface) error { // want CC-NOT-ANALYSED
	now := time.Now().String()
	return ctx.GetStub().PutState("stamp", encode(now))
}

// Asset has a field of a type declared in the missing file.
type Asset struct { // want CC-NOT-ANALYSED
	Owner Owner
}
