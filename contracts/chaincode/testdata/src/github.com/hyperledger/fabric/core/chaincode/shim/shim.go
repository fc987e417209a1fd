// Package shim is a minimal stand-in for the Fabric chaincode shim, for
// analyzer tests.
package shim

import (
	"github.com/hyperledger/fabric/protos/ledger/queryresult"
	pb "github.com/hyperledger/fabric/protos/peer"
)

// Chaincode is the interface a shim chaincode implements.
type Chaincode interface {
	Init(stub ChaincodeStubInterface) pb.Response
	Invoke(stub ChaincodeStubInterface) pb.Response
}

// CommonIteratorInterface is shared by the query iterators.
type CommonIteratorInterface interface {
	HasNext() bool
	Close() error
}

// StateQueryIteratorInterface iterates range and rich query results.
type StateQueryIteratorInterface interface {
	CommonIteratorInterface
	Next() (*queryresult.KV, error)
}

// HistoryQueryIteratorInterface iterates a key's history.
type HistoryQueryIteratorInterface interface {
	CommonIteratorInterface
	Next() (*queryresult.KeyModification, error)
}

// ChaincodeStubInterface is the stub handed to chaincode.
type ChaincodeStubInterface interface {
	GetArgs() [][]byte
	GetStringArgs() []string
	GetFunctionAndParameters() (string, []string)
	GetTxID() string
	GetChannelID() string
	InvokeChaincode(chaincodeName string, args [][]byte, channel string) pb.Response
	GetState(key string) ([]byte, error)
	PutState(key string, value []byte) error
	DelState(key string) error
	SetStateValidationParameter(key string, ep []byte) error
	GetStateByRange(startKey, endKey string) (StateQueryIteratorInterface, error)
	GetStateByPartialCompositeKey(objectType string, keys []string) (StateQueryIteratorInterface, error)
	CreateCompositeKey(objectType string, attributes []string) (string, error)
	GetQueryResult(query string) (StateQueryIteratorInterface, error)
	GetHistoryForKey(key string) (HistoryQueryIteratorInterface, error)
	GetPrivateData(collection, key string) ([]byte, error)
	PutPrivateData(collection string, key string, value []byte) error
	DelPrivateData(collection, key string) error
	GetPrivateDataByRange(collection, startKey, endKey string) (StateQueryIteratorInterface, error)
	GetPrivateDataQueryResult(collection, query string) (StateQueryIteratorInterface, error)
	SetEvent(name string, payload []byte) error
}

// Success builds a successful response.
func Success(payload []byte) pb.Response { return pb.Response{Status: 200, Payload: payload} }

// Error builds an error response.
func Error(msg string) pb.Response { return pb.Response{Status: 500, Message: msg} }

// Start runs a chaincode.
func Start(cc Chaincode) error { return nil }
