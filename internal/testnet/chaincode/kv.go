package main

import (
	"fmt"
	"strconv"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// PutEvent is the name of the chaincode event emitted by put. Its payload is
// the key that was written.
const PutEvent = "put"

// KV is a plain key/value chaincode. Its functions, all taking string
// arguments, are:
//
//	put(k, v)  writes v under k and emits the chaincode event PutEvent
//	get(k)     returns the value of k (empty when absent)
//	del(k)     deletes k
//	incr(k)    reads k as a decimal integer (0 when absent), adds one,
//	           writes it back and returns the new value; concurrent incr
//	           calls on one key conflict at commit (MVCC_READ_CONFLICT)
//	scan(start, end, out)
//	           reads every key of [start, end) (GetStateByRange, to the
//	           end) and writes their count under out; the peer records a
//	           range of more than 50 keys as a Merkle summary, and a scan
//	           whose range changes before it commits fails validation with
//	           PHANTOM_READ_CONFLICT
//	setep(k, msp...)
//	           sets the key-level (state-based) endorsement policy of k to
//	           "a peer of every listed MSP", or removes it when no MSP is
//	           given; writes of k are then endorsed under that policy
//	           instead of the chaincode's
type KV struct{}

// Init does nothing: the chaincode needs no initialisation.
func (KV) Init(shim.ChaincodeStubInterface) *peer.Response {
	return shim.Success(nil)
}

// Invoke dispatches to the function named by the first argument.
func (KV) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	fn, args := stub.GetFunctionAndParameters()
	var (
		out []byte
		err error
	)
	switch fn {
	case "put":
		err = put(stub, args)
	case "get":
		out, err = get(stub, args)
	case "del":
		err = del(stub, args)
	case "incr":
		out, err = incr(stub, args)
	case "scan":
		out, err = scan(stub, args)
	case "setep":
		err = setep(stub, args)
	default:
		err = fmt.Errorf("unknown function %q", fn)
	}
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(out)
}

func wantArgs(fn string, args []string, n int) error {
	if len(args) != n {
		return fmt.Errorf("%s: have %d arguments, want %d", fn, len(args), n)
	}
	if args[0] == "" {
		return fmt.Errorf("%s: empty key", fn)
	}
	return nil
}

func put(stub shim.ChaincodeStubInterface, args []string) error {
	if err := wantArgs("put", args, 2); err != nil {
		return err
	}
	if err := stub.PutState(args[0], []byte(args[1])); err != nil {
		return fmt.Errorf("put %q: %w", args[0], err)
	}
	if err := stub.SetEvent(PutEvent, []byte(args[0])); err != nil {
		return fmt.Errorf("put %q: set event: %w", args[0], err)
	}
	return nil
}

func get(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if err := wantArgs("get", args, 1); err != nil {
		return nil, err
	}
	v, err := stub.GetState(args[0])
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", args[0], err)
	}
	return v, nil
}

func del(stub shim.ChaincodeStubInterface, args []string) error {
	if err := wantArgs("del", args, 1); err != nil {
		return err
	}
	if err := stub.DelState(args[0]); err != nil {
		return fmt.Errorf("del %q: %w", args[0], err)
	}
	return nil
}

func incr(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if err := wantArgs("incr", args, 1); err != nil {
		return nil, err
	}
	v, err := stub.GetState(args[0])
	if err != nil {
		return nil, fmt.Errorf("incr %q: %w", args[0], err)
	}
	n := 0
	if len(v) > 0 {
		if n, err = strconv.Atoi(string(v)); err != nil {
			return nil, fmt.Errorf("incr %q: value %q is not an integer", args[0], v)
		}
	}
	next := []byte(strconv.Itoa(n + 1))
	if err := stub.PutState(args[0], next); err != nil {
		return nil, fmt.Errorf("incr %q: %w", args[0], err)
	}
	return next, nil
}

func scan(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 3 || args[2] == "" {
		return nil, fmt.Errorf("scan: want a start key, an end key and a key to write the count under")
	}
	it, err := stub.GetStateByRange(args[0], args[1])
	if err != nil {
		return nil, fmt.Errorf("scan [%q, %q): %w", args[0], args[1], err)
	}
	defer it.Close()
	n := 0
	for it.HasNext() {
		if _, err := it.Next(); err != nil {
			return nil, fmt.Errorf("scan [%q, %q): %w", args[0], args[1], err)
		}
		n++
	}
	count := []byte(strconv.Itoa(n))
	if err := stub.PutState(args[2], count); err != nil {
		return nil, fmt.Errorf("scan: put %q: %w", args[2], err)
	}
	return count, nil
}

func setep(stub shim.ChaincodeStubInterface, args []string) error {
	if len(args) == 0 || args[0] == "" {
		return fmt.Errorf("setep: want a key and the MSP ids of its policy")
	}
	if len(args) == 1 {
		if err := stub.SetStateValidationParameter(args[0], nil); err != nil {
			return fmt.Errorf("setep %q: %w", args[0], err)
		}
		return nil
	}
	ep, err := statebased.NewStateEP(nil)
	if err != nil {
		return fmt.Errorf("setep %q: %w", args[0], err)
	}
	if err := ep.AddOrgs(statebased.RoleTypePeer, args[1:]...); err != nil {
		return fmt.Errorf("setep %q: %w", args[0], err)
	}
	policy, err := ep.Policy()
	if err != nil {
		return fmt.Errorf("setep %q: %w", args[0], err)
	}
	if err := stub.SetStateValidationParameter(args[0], policy); err != nil {
		return fmt.Errorf("setep %q: %w", args[0], err)
	}
	return nil
}
