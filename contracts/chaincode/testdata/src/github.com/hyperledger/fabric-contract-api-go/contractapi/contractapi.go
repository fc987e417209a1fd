// Package contractapi is a minimal stand-in for fabric-contract-api-go, for
// analyzer tests.
package contractapi

import "github.com/hyperledger/fabric-chaincode-go/shim"

// TransactionContextInterface is handed to contract functions.
type TransactionContextInterface interface {
	GetStub() shim.ChaincodeStubInterface
}

// TransactionContext is the default transaction context.
type TransactionContext struct {
	stub shim.ChaincodeStubInterface
}

// GetStub returns the stub of the transaction.
func (c *TransactionContext) GetStub() shim.ChaincodeStubInterface { return c.stub }

// Contract is embedded by contracts.
type Contract struct {
	Name string
}

// GetName returns the contract name.
func (c *Contract) GetName() string { return c.Name }

// ContractInterface is implemented by contracts.
type ContractInterface interface {
	GetName() string
}

// ContractChaincode runs contracts.
type ContractChaincode struct{}

// NewChaincode builds a chaincode from contracts.
func NewChaincode(contracts ...ContractInterface) (*ContractChaincode, error) {
	return &ContractChaincode{}, nil
}

// Start runs the chaincode.
func (cc *ContractChaincode) Start() error { return nil }
