// Command startup reads its configuration from the environment before it
// starts serving: only code that runs inside a transaction is reported.
package main

import (
	"os"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// SmartContract reads the environment inside a transaction.
type SmartContract struct {
	contractapi.Contract
}

// Mode reads the environment during a transaction.
func (s *SmartContract) Mode(ctx contractapi.TransactionContextInterface) (string, error) {
	return lookup("MODE"), nil
}

func lookup(name string) string {
	return os.Getenv(name) // want "peer environment access via os.Getenv"
}

func address() string {
	if a, ok := os.LookupEnv("CHAINCODE_SERVER_ADDRESS"); ok { // start-up only: fine
		return a
	}
	return "0.0.0.0:9999"
}

func main() {
	_ = os.Getenv("CHAINCODE_ID") // start-up only: fine
	_ = address()
	cc, err := contractapi.NewChaincode(&SmartContract{})
	if err != nil {
		os.Exit(1)
	}
	_ = cc.Start()
}
