package evm

import (
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

func TestScanWASM(t *testing.T) {
	// The smallest module: magic and version 1.
	module := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	tests := []struct {
		name string
		code []byte
		wasm bool
	}{
		{"module", module, true},
		{"magic only", module[:4], true},
		{"truncated magic", module[:3], false}, // STOP, PUSH2 0x7300: EVM code
		{"evm", []byte{byte(PUSH0), byte(PUSH0), byte(RETURN)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsWASM(tt.code); got != tt.wasm {
				t.Errorf("IsWASM(%x) = %v, want %v", tt.code, got, tt.wasm)
			}
			for _, h := range []Hash{"", HashSM3} {
				res, err := Scan(tt.code, Options{Hash: h})
				if err != nil {
					t.Fatalf("Scan(%x) error: %v", tt.code, err)
				}
				if res.WASM != tt.wasm {
					t.Errorf("Scan(%x).WASM = %v, want %v", tt.code, res.WASM, tt.wasm)
				}
				if !tt.wasm {
					continue
				}
				if len(res.Program.Instrs) != 0 || len(res.CFG.Blocks) != 0 || res.Complete || len(res.Functions) != 0 {
					t.Errorf("Scan(%x) = %+v, want an empty program and graph, no functions, not complete", tt.code, res)
				}
				if len(res.Findings) != 1 || res.Findings[0].Rule != "EVM-WASM-NOT-ANALYSED" ||
					res.Findings[0].Severity != ledger.Info || res.Findings[0].Message != "WASM contract: not analysed" {
					t.Errorf("Scan(%x) findings = %+v, want one EVM-WASM-NOT-ANALYSED info finding", tt.code, res.Findings)
				}
			}
		})
	}
	if r, ok := ledger.LookupRule(RuleWASM.ID); !ok || r != RuleWASM {
		t.Errorf("%s is not registered in the ledger catalogue", RuleWASM.ID)
	}
}
