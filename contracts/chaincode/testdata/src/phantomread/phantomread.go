package phantomread

import (
	"example.com/ccutil"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// SmartContract updates state from queries.
type SmartContract struct {
	contractapi.Contract
}

// Rich writes the result of a rich query.
func (s *SmartContract) Rich(ctx contractapi.TransactionContextInterface) error {
	it, err := ctx.GetStub().GetQueryResult(`{"selector":{"owner":"bob"}}`)
	if err != nil {
		return err
	}
	defer it.Close()
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return err
		}
		if err := ctx.GetStub().PutState(kv.Key, []byte("frozen")); err != nil { // want "rich query.* reaches state written by PutState"
			return err
		}
	}
	return nil
}

// Range writes the sum of a range.
func (s *SmartContract) Range(ctx contractapi.TransactionContextInterface) error {
	it, err := ctx.GetStub().GetStateByRange("a", "z")
	if err != nil {
		return err
	}
	total := 0
	for it.HasNext() {
		kv, _ := it.Next()
		total += len(kv.Value)
	}
	return ctx.GetStub().PutState("total", []byte{byte(total)}) // want "result of a range query reaches state .*PHANTOM_READ_CONFLICT"
}

// History writes from a key's history.
func (s *SmartContract) History(ctx contractapi.TransactionContextInterface, id string) error {
	it, err := ctx.GetStub().GetHistoryForKey(id)
	if err != nil {
		return err
	}
	mod, _ := it.Next()
	return ctx.GetStub().PutState(id, mod.Value) // want "rich query, history"
}

// Library writes what a helper in another package queried.
func (s *SmartContract) Library(ctx contractapi.TransactionContextInterface) error {
	vals, err := ccutil.Query(ctx.GetStub(), `{}`)
	if err != nil || len(vals) == 0 {
		return err
	}
	return ctx.GetStub().PutState("first", vals[0]) // want "rich query"
}

// ReadOnly returns query results without writing: fine.
func (s *SmartContract) ReadOnly(ctx contractapi.TransactionContextInterface) ([]string, error) {
	it, err := ctx.GetStub().GetQueryResult(`{}`)
	if err != nil {
		return nil, err
	}
	var keys []string
	for it.HasNext() {
		kv, _ := it.Next()
		keys = append(keys, kv.Key)
	}
	return keys, nil
}
