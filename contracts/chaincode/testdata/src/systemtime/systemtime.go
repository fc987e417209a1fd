package systemtime

import (
	"time"

	"example.com/ccutil"
	"github.com/hyperledger/fabric-contract-api-go/contractapi"
)

var started = time.Now() // want "time.Now reads the peer's clock"

// SmartContract is a contract API v1 contract.
type SmartContract struct {
	contractapi.Contract
}

// Stamp stores the peer's clock.
func (s *SmartContract) Stamp(ctx contractapi.TransactionContextInterface, id string) error {
	now := time.Now()                    // want "time.Now reads the peer's clock"
	if time.Since(started) > time.Hour { // want "time.Since reads"
		return nil
	}
	later := ccutil.Now() // want "Now returns a value derived from the peer's clock"
	return ctx.GetStub().PutState(id, []byte(now.String()+later.String()))
}

func deadline() time.Time { return time.Now().Add(time.Hour) } // want "time.Now reads"

// Expired uses a helper in this package; the helper itself is reported.
func (s *SmartContract) Expired(ctx contractapi.TransactionContextInterface) (bool, error) {
	return deadline().IsZero(), nil
}
