package evm

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Signatures maps 4-byte function selectors to text signatures such as
// "transfer(address,uint256)". NewSignatures and ParseABI key it by
// Keccak-256; Scan re-keys it when Options.Hash is another hash.
type Signatures map[uint32]string

// Selector returns the 4-byte selector of a text signature: the first four
// bytes of its Keccak-256 hash. It is HashKeccak256.Selector; use
// Hash.Selector for other chains.
func Selector(signature string) uint32 { return HashKeccak256.Selector(signature) }

// Keccak256 returns the Keccak-256 hash of data.
func Keccak256(data []byte) []byte { return HashKeccak256.Sum(data) }

// NewSignatures builds a table from text signatures, keyed by Keccak-256.
func NewSignatures(sigs ...string) Signatures {
	s := make(Signatures, len(sigs))
	for _, sig := range sigs {
		s[Selector(sig)] = sig
	}
	return s
}

type abiParam struct {
	Type       string     `json:"type"`
	Components []abiParam `json:"components"`
}

type abiEntry struct {
	Type   string     `json:"type"`
	Name   string     `json:"name"`
	Inputs []abiParam `json:"inputs"`
}

// ParseABI reads a JSON ABI and returns the signatures of its functions,
// keyed by Keccak-256 like NewSignatures.
func ParseABI(data []byte) (Signatures, error) {
	var entries []abiEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadABI, err)
	}
	s := Signatures{}
	for _, e := range entries {
		if e.Type != "function" && e.Type != "" {
			continue
		}
		if e.Name == "" {
			return nil, fmt.Errorf("%w: function without a name", ErrBadABI)
		}
		sig := e.Name + "(" + paramTypes(e.Inputs) + ")"
		s[Selector(sig)] = sig
	}
	return s, nil
}

func paramTypes(ps []abiParam) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		t := p.Type
		if strings.HasPrefix(t, "tuple") {
			t = "(" + paramTypes(p.Components) + ")" + strings.TrimPrefix(t, "tuple")
		}
		parts[i] = t
	}
	return strings.Join(parts, ",")
}

// builtinSignatures are common signatures, so that well-known functions
// are named even without an ABI; see known for their selectors.
var builtinSignatures = []string{
	"transfer(address,uint256)", "transferFrom(address,address,uint256)", "approve(address,uint256)",
	"balanceOf(address)", "allowance(address,address)", "totalSupply()", "name()", "symbol()", "decimals()",
	"mint(address,uint256)", "burn(uint256)", "burnFrom(address,uint256)",
	"safeTransferFrom(address,address,uint256)", "safeTransferFrom(address,address,uint256,bytes)",
	"ownerOf(uint256)", "setApprovalForAll(address,bool)", "isApprovedForAll(address,address)",
	"getApproved(uint256)", "supportsInterface(bytes4)",
	"owner()", "transferOwnership(address)", "renounceOwnership()", "acceptOwnership()",
	"withdraw()", "withdraw(uint256)", "withdrawAll()", "deposit()", "refund()", "kill()", "destroy()",
	"pause()", "unpause()", "paused()", "initialize()", "upgradeTo(address)", "upgradeToAndCall(address,bytes)",
	"implementation()", "admin()", "changeAdmin(address)", "execute(address,uint256,bytes)",
	"multicall(bytes[])", "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)", "nonces(address)",
	"DOMAIN_SEPARATOR()", "grantRole(bytes32,address)", "revokeRole(bytes32,address)", "hasRole(bytes32,address)",
	"batchTransfer(address[],uint256)", "claim()", "sendTo(address,uint256)", "forward(address,bytes)",
	"changeOwner(address)", "setOwner(address)", "addOwner(address)", "newOwner(address)",
}

// rekey returns the table keyed by h: s itself for Keccak-256, else a copy
// with every text signature hashed again.
func (s Signatures) rekey(h Hash) Signatures {
	if h == "" || h == HashKeccak256 || len(s) == 0 {
		return s
	}
	out := make(Signatures, len(s))
	for _, sig := range s {
		out[h.Selector(sig)] = sig
	}
	return out
}

// lookup names a selector from the table, then from the built-in
// signatures of hash h.
func (s Signatures) lookup(sel uint32, h Hash) string {
	if n, ok := s[sel]; ok {
		return n
	}
	return h.known().builtin[sel]
}
