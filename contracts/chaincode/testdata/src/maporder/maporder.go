package maporder

import (
	"encoding/json"
	"sort"
	"strings"

	"example.com/ccutil"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// SmartContract is a contract API v2 contract.
type SmartContract struct {
	contractapi.Contract
}

func owners() map[string]string { return map[string]string{"a": "1", "b": "2"} }

// Concat returns keys in map order.
func (s *SmartContract) Concat(ctx contractapi.TransactionContextInterface) (string, error) {
	out := ""
	for k := range owners() {
		out += k
	}
	return out, nil // want "map iteration order reaches the response of Concat"
}

// Store writes values in map order.
func (s *SmartContract) Store(ctx contractapi.TransactionContextInterface, id string) error {
	var list []string
	for _, v := range owners() {
		list = append(list, v)
	}
	data, _ := json.Marshal(list)
	return ctx.GetStub().PutState(id, data) // want "map iteration order reaches state written by PutState"
}

// Sorted sorts the keys first: fine.
func (s *SmartContract) Sorted(ctx contractapi.TransactionContextInterface, id string) error {
	var keys []string
	for k := range owners() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return ctx.GetStub().PutState(id, []byte(strings.Join(keys, ",")))
}

// PerKey writes each entry under its own key: order does not matter.
func (s *SmartContract) PerKey(ctx contractapi.TransactionContextInterface) error {
	for k, v := range owners() {
		if err := ctx.GetStub().PutState(k, []byte(v)); err != nil {
			return err
		}
	}
	return nil
}

// ViaHelper writes through a helper in this package.
func (s *SmartContract) ViaHelper(ctx contractapi.TransactionContextInterface, id string) error {
	var b strings.Builder
	for k := range owners() {
		b.WriteString(k)
	}
	return save(ctx, id, []byte(b.String())) // want "map iteration order reaches state written by a state write in save"
}

func save(ctx contractapi.TransactionContextInterface, key string, v []byte) error {
	return ctx.GetStub().PutState(key, v)
}

// ViaLibrary writes through a helper in another package.
func (s *SmartContract) ViaLibrary(ctx contractapi.TransactionContextInterface, id string) error {
	var vals []string
	for _, v := range owners() {
		vals = append(vals, v)
	}
	return ccutil.Put(ctx.GetStub(), id, []byte(strings.Join(vals, ""))) // want "map iteration order reaches state written by a state write in Put"
}

// SortedByComparator sorts strings with a comparator: ties are identical,
// so the order is fixed.
func (s *SmartContract) SortedByComparator(ctx contractapi.TransactionContextInterface, id string) error {
	var keys []string
	for k := range owners() {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return ctx.GetStub().PutState(id, []byte(strings.Join(keys, ",")))
}

type bid struct {
	Buyer string
	Price int
}

// SortedWithTies sorts structs by price only: bids that tie keep the map
// order, so the written list differs between endorsers.
func (s *SmartContract) SortedWithTies(ctx contractapi.TransactionContextInterface, id string, bids map[string]bid) error {
	var list []bid
	for _, b := range bids {
		list = append(list, b)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Price > list[j].Price })
	data, _ := json.Marshal(list)
	return ctx.GetStub().PutState(id, data) // want "map iteration order"
}

type auction struct {
	Winner string
	Price  int
}

// Highest picks the highest bid: bids that tie make the winner depend on
// the map order.
func (s *SmartContract) Highest(ctx contractapi.TransactionContextInterface, id string, bids map[string]bid) error {
	a := &auction{}
	for _, b := range bids {
		if b.Price > a.Price {
			a.Winner = b.Buyer
			a.Price = b.Price
		}
	}
	data, _ := json.Marshal(a)
	return ctx.GetStub().PutState(id, data) // want "map iteration order"
}

// Last keeps the last key seen.
func (s *SmartContract) Last(ctx contractapi.TransactionContextInterface) (string, error) {
	last := ""
	for k := range owners() {
		last = k
	}
	return last, nil // want "map iteration order reaches the response of Last"
}

// Sum adds values: addition does not depend on the order.
func (s *SmartContract) Sum(ctx contractapi.TransactionContextInterface, id string, bids map[string]bid) error {
	total, best := 0, 0
	for _, b := range bids {
		total += b.Price
		best = max(best, b.Price)
	}
	return ctx.GetStub().PutState(id, []byte{byte(total), byte(best)})
}

func anyOwner() string {
	for k := range owners() {
		return k
	}
	return ""
}

// AnyOwner returns the first key in map order.
func (s *SmartContract) AnyOwner(ctx contractapi.TransactionContextInterface) (string, error) {
	return anyOwner(), nil // want "map iteration order reaches the response of AnyOwner"
}
