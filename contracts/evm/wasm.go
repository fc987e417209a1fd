package evm

import (
	"bytes"
	"strconv"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/ledger"
)

// wasmMagic starts every WebAssembly module ("\0asm").
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d}

// IsWASM reports whether code is a WebAssembly module, such as a FISCO
// BCOS liquid contract, rather than EVM bytecode.
func IsWASM(code []byte) bool { return bytes.HasPrefix(code, wasmMagic) }

// RuleWASM is the finding Scan reports instead of analysing WebAssembly
// code, so that such contracts are never mistaken for clean EVM code.
var RuleWASM = &ledger.RuleInfo{
	ID:       "EVM-WASM-NOT-ANALYSED",
	Title:    "WASM contract not analysed",
	Severity: ledger.Info,
	Category: ledger.CatContract,
	Sources:  []string{"https://github.com/WeBankBlockchain/liquid", "https://liquid-doc.readthedocs.io/zh_CN/latest/"},
	Doc: "The code is a WebAssembly module (it starts with \\0asm), for example a FISCO BCOS liquid " +
		"contract, not EVM bytecode. The EVM scanner did not analyse it, so the absence of other " +
		"findings says nothing about its safety: review its Rust source with other tools.",
}

func init() { ledger.Register(RuleWASM) }

// wasmResult is the outcome of scanning WebAssembly code: an empty
// program and graph, an incomplete analysis and the RuleWASM finding.
func wasmResult(code []byte, h Hash) *Result {
	return &Result{
		Program: Disassemble(nil),
		CFG:     &CFG{},
		Hash:    h,
		WASM:    true,
		Findings: []contracts.Finding{{
			Rule:     RuleWASM.ID,
			Severity: RuleWASM.Severity,
			Message:  "WASM contract: not analysed",
			Evidence: map[string]string{"format": "wasm", "size": strconv.Itoa(len(code))},
		}},
	}
}
