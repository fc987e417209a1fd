package chaincode

import "strings"

// fabricModel is the source of a stand-in for a Fabric package, written
// from the real package's exported signatures. Its $NAME placeholders
// are replaced with the import paths of one release line.
type fabricModel struct {
	src  string
	vars map[string]string
}

// Import paths of the release lines a model is instantiated for.
var (
	shimV2Vars = map[string]string{
		"$PEER": "github.com/hyperledger/fabric-protos-go-apiv2/peer", "$QR": "github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult",
		"$TS": "google.golang.org/protobuf/types/known/timestamppb", "$RESP": "*peer.Response", "$LOGGER": "",
	}
	shimV1Vars = map[string]string{
		"$PEER": "github.com/hyperledger/fabric-protos-go/peer", "$QR": "github.com/hyperledger/fabric-protos-go/ledger/queryresult",
		"$TS": "github.com/golang/protobuf/ptypes/timestamp", "$RESP": "peer.Response", "$LOGGER": shimLogger,
	}
	shimFabricVars = map[string]string{
		"$PEER": "github.com/hyperledger/fabric/protos/peer", "$QR": "github.com/hyperledger/fabric/protos/ledger/queryresult",
		"$TS": "github.com/golang/protobuf/ptypes/timestamp", "$RESP": "peer.Response", "$LOGGER": shimLogger,
	}
	cidFabricVars = map[string]string{"$SHIM": "github.com/hyperledger/fabric/core/chaincode/shim"}
	apiV2Vars     = map[string]string{
		"$SHIM": "github.com/hyperledger/fabric-chaincode-go/v2/shim", "$CID": "github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid",
		"$META": "github.com/hyperledger/fabric-contract-api-go/v2/metadata", "$PEER": shimV2Vars["$PEER"], "$RESP": "*peer.Response",
	}
	apiV1Vars = map[string]string{
		"$SHIM": "github.com/hyperledger/fabric-chaincode-go/shim", "$CID": "github.com/hyperledger/fabric-chaincode-go/pkg/cid",
		"$META": "github.com/hyperledger/fabric-contract-api-go/metadata", "$PEER": shimV1Vars["$PEER"], "$RESP": "peer.Response",
	}
)

// fabricModels maps the import paths of the Fabric chaincode APIs to their
// models. They stand in when the real module is not in the module cache,
// so that chaincode type-checks offline.
var fabricModels = map[string]fabricModel{
	"github.com/hyperledger/fabric-chaincode-go/v2/shim":               {shimModel, shimV2Vars},
	"github.com/hyperledger/fabric-chaincode-go/shim":                  {shimModel, shimV1Vars},
	"github.com/hyperledger/fabric/core/chaincode/shim":                {shimModel, shimFabricVars},
	"github.com/hyperledger/fabric-protos-go-apiv2/peer":               {peerModel, shimV2Vars},
	"github.com/hyperledger/fabric-protos-go/peer":                     {peerModel, shimV1Vars},
	"github.com/hyperledger/fabric/protos/peer":                        {peerModel, shimFabricVars},
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult": {queryResultModel, shimV2Vars},
	"github.com/hyperledger/fabric-protos-go/ledger/queryresult":       {queryResultModel, shimV1Vars},
	"github.com/hyperledger/fabric/protos/ledger/queryresult":          {queryResultModel, shimFabricVars},
	"google.golang.org/protobuf/types/known/timestamppb":               {timestampModel, map[string]string{"$PKG": "timestamppb"}},
	"github.com/golang/protobuf/ptypes/timestamp":                      {timestampModel, map[string]string{"$PKG": "timestamp"}},
	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid":            {cidModel, apiV2Vars},
	"github.com/hyperledger/fabric-chaincode-go/pkg/cid":               {cidModel, apiV1Vars},
	"github.com/hyperledger/fabric/core/chaincode/lib/cid":             {cidModel, cidFabricVars},
	"github.com/golang/protobuf/ptypes":                                {ptypesModel, nil},
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi":     {contractAPIModel, apiV2Vars},
	"github.com/hyperledger/fabric-contract-api-go/contractapi":        {contractAPIModel, apiV1Vars},
	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased":     {stateBasedModel, nil},
	"github.com/hyperledger/fabric-chaincode-go/pkg/statebased":        {stateBasedModel, nil},
	"github.com/hyperledger/fabric/core/chaincode/shim/ext/statebased": {stateBasedModel, nil},
	"github.com/hyperledger/fabric-contract-api-go/v2/metadata":        {metadataModel, nil},
	"github.com/hyperledger/fabric-contract-api-go/metadata":           {metadataModel, nil},
}

// source returns the model's Go source for its release line.
func (m fabricModel) source() string {
	s := m.src
	for k, v := range m.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

const shimModel = `// Package shim is a model of the Fabric chaincode shim.
package shim

import (
	"$QR"
	"$PEER"
	ts "$TS"
)

const (
	OK             = 200
	ERRORTHRESHOLD = 400
	ERROR          = 500
)

type Chaincode interface {
	Init(stub ChaincodeStubInterface) $RESP
	Invoke(stub ChaincodeStubInterface) $RESP
}

type CommonIteratorInterface interface {
	HasNext() bool
	Close() error
}

type StateQueryIteratorInterface interface {
	CommonIteratorInterface
	Next() (*queryresult.KV, error)
}

type HistoryQueryIteratorInterface interface {
	CommonIteratorInterface
	Next() (*queryresult.KeyModification, error)
}

type ChaincodeStubInterface interface {
	GetArgs() [][]byte
	GetStringArgs() []string
	GetFunctionAndParameters() (string, []string)
	GetArgsSlice() ([]byte, error)
	GetTxID() string
	GetChannelID() string
	InvokeChaincode(chaincodeName string, args [][]byte, channel string) $RESP
	GetState(key string) ([]byte, error)
	GetMultipleStates(keys ...string) ([][]byte, error)
	PutState(key string, value []byte) error
	DelState(key string) error
	SetStateValidationParameter(key string, ep []byte) error
	GetStateValidationParameter(key string) ([]byte, error)
	GetStateByRange(startKey, endKey string) (StateQueryIteratorInterface, error)
	GetStateByRangeWithPagination(startKey, endKey string, pageSize int32, bookmark string) (StateQueryIteratorInterface, *peer.QueryResponseMetadata, error)
	GetStateByPartialCompositeKey(objectType string, keys []string) (StateQueryIteratorInterface, error)
	GetStateByPartialCompositeKeyWithPagination(objectType string, keys []string, pageSize int32, bookmark string) (StateQueryIteratorInterface, *peer.QueryResponseMetadata, error)
	GetAllStatesCompositeKeyWithPagination(pageSize int32, bookmark string) (StateQueryIteratorInterface, *peer.QueryResponseMetadata, error)
	CreateCompositeKey(objectType string, attributes []string) (string, error)
	SplitCompositeKey(compositeKey string) (string, []string, error)
	GetQueryResult(query string) (StateQueryIteratorInterface, error)
	GetQueryResultWithPagination(query string, pageSize int32, bookmark string) (StateQueryIteratorInterface, *peer.QueryResponseMetadata, error)
	GetHistoryForKey(key string) (HistoryQueryIteratorInterface, error)
	GetPrivateData(collection, key string) ([]byte, error)
	GetMultiplePrivateData(collection string, keys ...string) ([][]byte, error)
	GetPrivateDataHash(collection, key string) ([]byte, error)
	PutPrivateData(collection string, key string, value []byte) error
	DelPrivateData(collection, key string) error
	PurgePrivateData(collection, key string) error
	SetPrivateDataValidationParameter(collection, key string, ep []byte) error
	GetPrivateDataValidationParameter(collection, key string) ([]byte, error)
	GetPrivateDataByRange(collection, startKey, endKey string) (StateQueryIteratorInterface, error)
	GetPrivateDataByPartialCompositeKey(collection, objectType string, keys []string) (StateQueryIteratorInterface, error)
	GetPrivateDataQueryResult(collection, query string) (StateQueryIteratorInterface, error)
	GetCreator() ([]byte, error)
	GetTransient() (map[string][]byte, error)
	GetBinding() ([]byte, error)
	GetDecorations() map[string][]byte
	GetSignedProposal() (*peer.SignedProposal, error)
	GetTxTimestamp() (*ts.Timestamp, error)
	SetEvent(name string, payload []byte) error
	StartWriteBatch()
	FinishWriteBatch() error
}

func Success(payload []byte) $RESP { panic("model") }

func Error(msg string) $RESP { panic("model") }

func Start(cc Chaincode) error { panic("model") }

func GetMSPID() (string, error) { panic("model") }
$LOGGER
type TLSProperties struct {
	Disabled      bool
	Key           []byte
	Cert          []byte
	ClientCACerts []byte
}

type ChaincodeServer struct {
	CCID     string
	Address  string
	CC       Chaincode
	TLSProps TLSProperties
}

func (cs *ChaincodeServer) Start() error { panic("model") }
`

const peerModel = `// Package peer is a model of the Fabric peer protobuf messages.
package peer

type Response struct {
	Status  int32
	Message string
	Payload []byte
}

func (x *Response) GetStatus() int32   { return x.Status }
func (x *Response) GetMessage() string { return x.Message }
func (x *Response) GetPayload() []byte { return x.Payload }

type SignedProposal struct {
	ProposalBytes []byte
	Signature     []byte
}

func (x *SignedProposal) GetProposalBytes() []byte { return x.ProposalBytes }
func (x *SignedProposal) GetSignature() []byte     { return x.Signature }

type QueryResponseMetadata struct {
	FetchedRecordsCount int32
	Bookmark            string
}

func (x *QueryResponseMetadata) GetFetchedRecordsCount() int32 { return x.FetchedRecordsCount }
func (x *QueryResponseMetadata) GetBookmark() string           { return x.Bookmark }

type ChaincodeEvent struct {
	ChaincodeId string
	TxId        string
	EventName   string
	Payload     []byte
}
`

const queryResultModel = `// Package queryresult is a model of the Fabric query result messages.
package queryresult

import ts "$TS"

type KV struct {
	Namespace string
	Key       string
	Value     []byte
}

func (x *KV) GetNamespace() string { return x.Namespace }
func (x *KV) GetKey() string       { return x.Key }
func (x *KV) GetValue() []byte     { return x.Value }

type KeyModification struct {
	TxId      string
	Value     []byte
	Timestamp *ts.Timestamp
	IsDelete  bool
}

func (x *KeyModification) GetTxId() string              { return x.TxId }
func (x *KeyModification) GetValue() []byte             { return x.Value }
func (x *KeyModification) GetTimestamp() *ts.Timestamp { return x.Timestamp }
func (x *KeyModification) GetIsDelete() bool            { return x.IsDelete }
`

const timestampModel = `// Package $PKG is a model of the protobuf Timestamp.
package $PKG

import "time"

type Timestamp struct {
	Seconds int64
	Nanos   int32
}

func (x *Timestamp) GetSeconds() int64   { return x.Seconds }
func (x *Timestamp) GetNanos() int32     { return x.Nanos }
func (x *Timestamp) AsTime() time.Time   { return time.Unix(x.Seconds, int64(x.Nanos)) }
func (x *Timestamp) IsValid() bool       { return true }
func (x *Timestamp) CheckValid() error   { return nil }
func (x *Timestamp) String() string      { return "" }
func New(t time.Time) *Timestamp         { return &Timestamp{Seconds: t.Unix(), Nanos: int32(t.Nanosecond())} }
func Now() *Timestamp                    { return New(time.Now()) }
`

const cidModel = `// Package cid is a model of the Fabric client identity library.
package cid

import (
	"crypto/x509"

	"$SHIM"
)

type ClientIdentity interface {
	GetID() (string, error)
	GetMSPID() (string, error)
	GetAttributeValue(attrName string) (value string, found bool, err error)
	AssertAttributeValue(attrName, attrValue string) error
	GetX509Certificate() (*x509.Certificate, error)
}

func New(stub shim.ChaincodeStubInterface) (ClientIdentity, error) { panic("model") }
func GetID(stub shim.ChaincodeStubInterface) (string, error)       { panic("model") }
func GetMSPID(stub shim.ChaincodeStubInterface) (string, error)    { panic("model") }
func GetAttributeValue(stub shim.ChaincodeStubInterface, attrName string) (value string, found bool, err error) {
	panic("model")
}
func AssertAttributeValue(stub shim.ChaincodeStubInterface, attrName, attrValue string) error {
	panic("model")
}
func GetX509Certificate(stub shim.ChaincodeStubInterface) (*x509.Certificate, error) { panic("model") }
`

const metadataModel = `// Package metadata is a model of the contract API metadata types.
package metadata

type ContactMetadata struct {
	Name  string
	URL   string
	Email string
}

type LicenseMetadata struct {
	Name string
	URL  string
}

type InfoMetadata struct {
	Description string
	Title       string
	Contact     *ContactMetadata
	License     *LicenseMetadata
	Version     string
}
`

const contractAPIModel = `// Package contractapi is a model of fabric-contract-api-go.
package contractapi

import (
	"$CID"
	"$META"
	"$PEER"
	"$SHIM"
)

type TransactionContextInterface interface {
	GetStub() shim.ChaincodeStubInterface
	GetClientIdentity() cid.ClientIdentity
}

type SettableTransactionContextInterface interface {
	SetStub(shim.ChaincodeStubInterface)
	SetClientIdentity(ci cid.ClientIdentity)
}

type TransactionContext struct {
	stub           shim.ChaincodeStubInterface
	clientIdentity cid.ClientIdentity
}

func (ctx *TransactionContext) SetStub(stub shim.ChaincodeStubInterface) { ctx.stub = stub }
func (ctx *TransactionContext) SetClientIdentity(ci cid.ClientIdentity)  { ctx.clientIdentity = ci }
func (ctx *TransactionContext) GetStub() shim.ChaincodeStubInterface     { return ctx.stub }
func (ctx *TransactionContext) GetClientIdentity() cid.ClientIdentity    { return ctx.clientIdentity }

type ContractInterface interface {
	GetInfo() metadata.InfoMetadata
	GetUnknownTransaction() interface{}
	GetBeforeTransaction() interface{}
	GetAfterTransaction() interface{}
	GetName() string
	GetTransactionContextHandler() SettableTransactionContextInterface
}

type IgnoreContractInterface interface {
	GetIgnoredFunctions() []string
}

type EvaluationContractInterface interface {
	GetEvaluateTransactions() []string
}

type Contract struct {
	Name                      string
	Info                      metadata.InfoMetadata
	UnknownTransaction        interface{}
	BeforeTransaction         interface{}
	AfterTransaction          interface{}
	TransactionContextHandler SettableTransactionContextInterface
}

func (c *Contract) GetInfo() metadata.InfoMetadata   { return c.Info }
func (c *Contract) GetUnknownTransaction() interface{} { return c.UnknownTransaction }
func (c *Contract) GetBeforeTransaction() interface{}  { return c.BeforeTransaction }
func (c *Contract) GetAfterTransaction() interface{}   { return c.AfterTransaction }
func (c *Contract) GetName() string                    { return c.Name }
func (c *Contract) GetTransactionContextHandler() SettableTransactionContextInterface {
	return c.TransactionContextHandler
}

type ContractChaincode struct {
	DefaultContract string
	Info            metadata.InfoMetadata
}

func NewChaincode(contracts ...ContractInterface) (*ContractChaincode, error) { panic("model") }

func (cc *ContractChaincode) Start() error                                { panic("model") }
func (cc *ContractChaincode) Init(stub shim.ChaincodeStubInterface) $RESP   { panic("model") }
func (cc *ContractChaincode) Invoke(stub shim.ChaincodeStubInterface) $RESP { panic("model") }

var _ peer.Response
`

const stateBasedModel = `// Package statebased is a model of the Fabric key-level endorsement
// policy library.
package statebased

type RoleType string

const (
	RoleTypeMember = RoleType("MEMBER")
	RoleTypePeer   = RoleType("PEER")
)

type KeyEndorsementPolicy interface {
	Policy() ([]byte, error)
	AddOrgs(roleType RoleType, organizations ...string) error
	DelOrgs(organizations ...string)
	ListOrgs() []string
}

func NewStateEP(policy []byte) (KeyEndorsementPolicy, error) { panic("model") }
`

// shimLogger is the logging API of the shim before v2.
const shimLogger = `
type LoggingLevel int

const (
	LogDebug LoggingLevel = iota
	LogInfo
	LogNotice
	LogWarning
	LogError
	LogCritical
)

type ChaincodeLogger struct{ name string }

func NewLogger(name string) *ChaincodeLogger                    { return &ChaincodeLogger{name} }
func LogLevel(levelString string) (LoggingLevel, error)         { panic("model") }
func SetLoggingLevel(level LoggingLevel)                        {}
func (c *ChaincodeLogger) SetLevel(level LoggingLevel)          {}
func (c *ChaincodeLogger) IsEnabledFor(level LoggingLevel) bool { return false }
func (c *ChaincodeLogger) Debug(args ...interface{})            {}
func (c *ChaincodeLogger) Info(args ...interface{})             {}
func (c *ChaincodeLogger) Notice(args ...interface{})           {}
func (c *ChaincodeLogger) Warning(args ...interface{})          {}
func (c *ChaincodeLogger) Error(args ...interface{})            {}
func (c *ChaincodeLogger) Critical(args ...interface{})         {}
func (c *ChaincodeLogger) Debugf(format string, args ...interface{})    {}
func (c *ChaincodeLogger) Infof(format string, args ...interface{})     {}
func (c *ChaincodeLogger) Noticef(format string, args ...interface{})   {}
func (c *ChaincodeLogger) Warningf(format string, args ...interface{})  {}
func (c *ChaincodeLogger) Errorf(format string, args ...interface{})    {}
func (c *ChaincodeLogger) Criticalf(format string, args ...interface{}) {}
`

const ptypesModel = `// Package ptypes is a model of the protobuf v1 well-known type helpers.
package ptypes

import (
	"time"

	"github.com/golang/protobuf/ptypes/timestamp"
)

func Timestamp(ts *timestamp.Timestamp) (time.Time, error)     { panic("model") }
func TimestampProto(t time.Time) (*timestamp.Timestamp, error) { panic("model") }
func TimestampNow() *timestamp.Timestamp                       { panic("model") }
func TimestampString(ts *timestamp.Timestamp) string           { panic("model") }
`
