package solc

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lianjian/lianjian/contracts/evm"
)

// stdOutput is the part of solc's standard JSON output the scanner reads.
type stdOutput struct {
	Errors []struct {
		Severity         string `json:"severity"`
		Message          string `json:"message"`
		FormattedMessage string `json:"formattedMessage"`
	} `json:"errors"`
	Sources map[string]struct {
		ID int `json:"id"`
	} `json:"sources"`
	Contracts map[string]map[string]struct {
		ABI json.RawMessage `json:"abi"`
		EVM struct {
			DeployedBytecode struct {
				Object    string `json:"object"`
				SourceMap string `json:"sourceMap"`
			} `json:"deployedBytecode"`
			Bytecode struct {
				Object    string `json:"object"`
				SourceMap string `json:"sourceMap"`
			} `json:"bytecode"`
		} `json:"evm"`
	} `json:"contracts"`
}

// decodeOutput reads standard JSON output. Compiler errors become one
// error wrapping ErrCompile; warnings are kept.
func decodeOutput(raw []byte) (*Output, error) {
	var so stdOutput
	if err := json.Unmarshal(raw, &so); err != nil {
		return nil, fmt.Errorf("decode compiler output: %w", err)
	}
	out := &Output{}
	var errs []string
	for _, e := range so.Errors {
		msg := strings.TrimSpace(cmp.Or(e.FormattedMessage, e.Message))
		if e.Severity == "error" {
			errs = append(errs, msg)
		} else {
			out.Warnings = append(out.Warnings, msg)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w:\n%s", ErrCompile, strings.Join(errs, "\n"))
	}
	for path, s := range so.Sources {
		for len(out.Sources) <= s.ID {
			out.Sources = append(out.Sources, "")
		}
		out.Sources[s.ID] = path
	}
	for file, cs := range so.Contracts {
		for name, c := range cs {
			obj := c.EVM.DeployedBytecode.Object
			if obj == "" {
				continue // interface or abstract contract
			}
			code, err := evm.DecodeHex(unlink(obj))
			if err != nil {
				return nil, fmt.Errorf("contract %s:%s: %w", file, name, err)
			}
			contract := Contract{File: file, Name: name, Runtime: code, SourceMap: c.EVM.DeployedBytecode.SourceMap, ABI: c.ABI}
			if obj := c.EVM.Bytecode.Object; obj != "" {
				if contract.Creation, err = evm.DecodeHex(unlink(obj)); err != nil {
					return nil, fmt.Errorf("contract %s:%s creation code: %w", file, name, err)
				}
				contract.CreationSourceMap = c.EVM.Bytecode.SourceMap
			}
			out.Contracts = append(out.Contracts, contract)
		}
	}
	slices.SortFunc(out.Contracts, func(a, b Contract) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// unlink zeroes the 40-character library placeholders ("__Lib___…" or
// "__$hash$__") of unlinked bytecode so that it decodes.
func unlink(hex string) string {
	if !strings.Contains(hex, "__") {
		return hex
	}
	b := []byte(hex)
	for i := 0; i+40 <= len(b); {
		if b[i] == '_' && b[i+1] == '_' {
			for j := i; j < i+40; j++ {
				b[j] = '0'
			}
			i += 40
			continue
		}
		i++
	}
	return string(b)
}
