package main

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// helloWorldHex is the HelloWorld deployment bytecode (constructor and
// runtime) from go-sdk v3's types/transaction_test.go: set(string),
// get(), version() and the event setValue(string). It was compiled with
// keccak selectors; GM chains get the SM3 selectors and event topic
// patched in place (same lengths), as a GM compiler would emit them.
//
//go:embed helloworld.hex
var helloWorldHex string

// HelloWorld's keccak-derived selectors and event topic as they appear in
// the bytecode.
var (
	kSet     = mustHex("4ed3885e")
	kVersion = mustHex("54fd4d50")
	kGet     = mustHex("6d4ce63c")
	kTopic   = mustHex("93a093529f9c8a0c300db4c55fcd27c068c4f5e0e8410bc288c7e76f3d71083e")
)

// HelloWorldABI is the contract's ABI, carried in the 3.x abi field of the
// deployment transaction.
const HelloWorldABI = `[{"constant":false,"inputs":[{"name":"v","type":"string"}],"name":"set","outputs":[],"payable":false,"stateMutability":"nonpayable","type":"function"},{"constant":true,"inputs":[],"name":"version","outputs":[{"name":"","type":"string"}],"payable":false,"stateMutability":"view","type":"function"},{"constant":true,"inputs":[],"name":"get","outputs":[{"name":"","type":"string"}],"payable":false,"stateMutability":"view","type":"function"},{"inputs":[],"payable":false,"stateMutability":"nonpayable","type":"constructor"},{"anonymous":false,"inputs":[{"indexed":false,"name":"","type":"string"}],"name":"setValue","type":"event"}]`

// Gas figures the test chain reports (it runs no EVM; see package doc).
const (
	gasDeploy = 329647
	gasSet    = 24363
	gasGov    = 21000
)

// Precompiled contract addresses.
var (
	addrSysConfig = mustHex("0000000000000000000000000000000000001000")
	addrConsensus = mustHex("0000000000000000000000000000000000001003")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// helloWorldCode returns the deployment bytecode for the chain's hasher.
func (s suite) helloWorldCode() []byte {
	code := mustHex(strings.TrimSpace(helloWorldHex))
	if !s.gm {
		return code
	}
	// PUSH4 selector / PUSH32 topic: the opcode byte pins each patch.
	code = bytes.Replace(code, append([]byte{0x63}, kSet...), append([]byte{0x63}, s.selector("set(string)")...), 1)
	code = bytes.Replace(code, append([]byte{0x63}, kVersion...), append([]byte{0x63}, s.selector("version()")...), 1)
	code = bytes.Replace(code, append([]byte{0x63}, kGet...), append([]byte{0x63}, s.selector("get()")...), 1)
	return bytes.Replace(code, append([]byte{0x7f}, kTopic...), append([]byte{0x7f}, s.topic("setValue(string)")...), 1)
}

// abiWord encodes an unsigned integer as a 32-byte ABI word.
func abiWord(v int64) []byte {
	return new(big.Int).SetInt64(v).FillBytes(make([]byte, 32))
}

// abiString returns the tail encoding of a string (length word and padded
// bytes).
func abiString(v string) []byte {
	out := abiWord(int64(len(v)))
	b := []byte(v)
	pad := (32 - len(b)%32) % 32
	return append(append(out, b...), make([]byte, pad)...)
}

// abiCall encodes a call whose arguments are strings and uint256s, in
// order (only the shapes the test traffic uses).
func abiCall(sel []byte, args ...any) []byte {
	head, tail := []byte{}, []byte{}
	for _, a := range args {
		switch v := a.(type) {
		case string:
			head = append(head, abiWord(int64(32*len(args)+len(tail)))...)
			tail = append(tail, abiString(v)...)
		case int64:
			head = append(head, abiWord(v)...)
		default:
			panic(fmt.Sprintf("abiCall: unsupported %T", a))
		}
	}
	return append(append(append([]byte{}, sel...), head...), tail...)
}

// govInput returns the precompiled contract and call data of a governance
// operation. 3.x: addSealer(string,uint256), addObserver(string),
// remove(string), setWeight(string,uint256), setValueByKey(string,string).
// 2.x: addSealer(string), addObserver(string), remove(string),
// setValueByKey(string,string).
func (s suite) govInput(v3 bool, op GovOp, nodeID []byte) (to, input []byte) {
	id := hex.EncodeToString(nodeID)
	switch op.Op {
	case "addSealer":
		if v3 {
			return addrConsensus, abiCall(s.selector("addSealer(string,uint256)"), id, op.Weight)
		}
		return addrConsensus, abiCall(s.selector("addSealer(string)"), id)
	case "addObserver":
		return addrConsensus, abiCall(s.selector("addObserver(string)"), id)
	case "remove":
		return addrConsensus, abiCall(s.selector("remove(string)"), id)
	case "setWeight":
		return addrConsensus, abiCall(s.selector("setWeight(string,uint256)"), id, op.Weight)
	default: // setConfig
		return addrSysConfig, abiCall(s.selector("setValueByKey(string,string)"), op.Key, op.Value)
	}
}

// runtimeCode is the code a deployment leaves at its address: the part of
// the deployment bytecode after the constructor, which solc starts with
// the same free-memory-pointer prologue (0x6080604052). The test chain
// runs no EVM, so getCode answers with this slice of the init code.
func (s suite) runtimeCode() []byte {
	code := s.helloWorldCode()
	prologue := []byte{0x60, 0x80, 0x60, 0x40, 0x52}
	if i := bytes.Index(code[1:], prologue); i >= 0 {
		return code[i+1:]
	}
	return code
}

// code answers getCode: the HelloWorld runtime at its address, empty
// elsewhere. The address is the last parameter in both lines.
func (c *Chain) code(p params) (any, error) {
	addr, err := p.str(len(p) - 1)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	deployed := c.contract
	c.mu.RUnlock()
	if deployed != nil && strings.EqualFold(strings.TrimPrefix(addr, "0x"), hex.EncodeToString(deployed)) {
		return "0x" + hex.EncodeToString(c.s.runtimeCode()), nil
	}
	return "0x", nil
}
