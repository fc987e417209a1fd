// Command asset is a small contract API chaincode used to test Analyze.
package main

import (
	"log"

	"example.com/asset/lib"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// SmartContract manages assets.
type SmartContract struct {
	contractapi.Contract
	created int
}

// Create stores an asset stamped with the peer's clock.
func (s *SmartContract) Create(ctx contractapi.TransactionContextInterface, id string) error {
	s.created++
	return ctx.GetStub().PutState(id, []byte(lib.Stamp()))
}

// Owners lists owners in map order.
func (s *SmartContract) Owners(ctx contractapi.TransactionContextInterface) ([]string, error) {
	var out []string
	for k := range map[string]bool{"alice": true, "bob": true} {
		out = append(out, k)
	}
	return out, nil
}

func main() {
	cc, err := contractapi.NewChaincode(&SmartContract{})
	if err != nil {
		log.Fatal(err)
	}
	if err := cc.Start(); err != nil {
		log.Fatal(err)
	}
}
