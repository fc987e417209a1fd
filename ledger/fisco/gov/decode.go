package gov

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// Decode returns the governance call a transaction makes. version is the
// chain's FISCO major version (2 or 3); gm selects SM3 selectors (GM chains)
// instead of keccak256; to is the recipient as served, with or without 0x,
// in any case; input is the calldata.
//
// ok is false, with no error, when to is not a governance contract of that
// version (including an empty to: a deployment). When to is one but input
// does not decode, ok is true and the error wraps ErrUnknownMethod,
// ErrMalformed or ErrInvalidArg; the Call then carries the contract and, if
// the selector matched, the method, action and the arguments decoded so far.
func Decode(version int, gm bool, to string, input []byte) (Call, bool, error) {
	if version != 2 && version != 3 {
		return Call{}, false, fmt.Errorf("%w: %d", ErrVersion, version)
	}
	if version == 3 {
		if name, ok := wasmPaths[to]; ok {
			return Call{Contract: name}, true, fmt.Errorf("%w: %s (%s)", ErrWASM, to, name)
		}
	}
	addr, ok := normalize(to)
	if !ok {
		return Call{}, false, nil
	}
	ct := tables()[tableKey{version, gm}][addr]
	if ct == nil {
		return Call{}, false, nil
	}
	c := Call{Contract: ct.name}
	if len(input) < 4 {
		return c, true, fmt.Errorf("%s: %w: input of %d bytes has no selector", ct.name, ErrUnknownMethod, len(input))
	}
	m := ct.methods[[4]byte(input[:4])]
	if m == nil {
		return c, true, fmt.Errorf("%s: %w: selector %x (%s)", ct.name, ErrUnknownMethod, input[:4], hashName(gm))
	}
	c.Method, c.Action, c.Proposes = m.sig, m.action, m.proposes
	vals, err := decodeArgs(m.types, input[4:])
	if err != nil {
		return c, true, fmt.Errorf("%s %s: %w", ct.name, m.sig, err)
	}
	if err := fill(&c, m, vals); err != nil {
		return c, true, fmt.Errorf("%s %s: %w", ct.name, m.sig, err)
	}
	return c, true, nil
}

func hashName(gm bool) string {
	if gm {
		return "sm3"
	}
	return "keccak256"
}

// normalize returns to as 40 lower-case hex characters without 0x. Only a
// full 20-byte address is accepted: FISCO routes a call to a precompiled
// contract by its full address.
func normalize(to string) (string, bool) {
	s := strings.TrimPrefix(strings.TrimPrefix(to, "0x"), "0X")
	if len(s) != 40 {
		return "", false
	}
	s = strings.ToLower(s)
	if _, err := hex.DecodeString(s); err != nil {
		return "", false
	}
	return s, true
}

// fill records every argument in c.Args and maps the well-known parameter
// names to Call's typed fields, then runs the method's own refinement.
func fill(c *Call, m *compiled, vals []value) error {
	c.Args = make(map[string]string, len(vals))
	for i, v := range vals {
		name := m.names[i]
		text := v.text()
		c.Args[name] = text
		switch name {
		case "node":
			id := strings.ToLower(text)
			if len(id) != 128 {
				return fmt.Errorf("%w: node id of %d characters, want 128", ErrInvalidArg, len(id))
			}
			if _, err := hex.DecodeString(id); err != nil {
				return fmt.Errorf("%w: node id is not hex: %q", ErrInvalidArg, text)
			}
			c.NodeID = id
		case "weight":
			w, err := toUint64(name, v.num)
			if err != nil {
				return err
			}
			c.Weight = &w
		case "proposalId":
			id, err := toUint64(name, v.num)
			if err != nil {
				return err
			}
			c.ProposalID = &id
		case "agree":
			a := v.flag
			c.Agree = &a
		case "key":
			c.Key = text
		case "value":
			c.Value = text
		case "account", "admin", "newAdmin", "from":
			c.Account = text
		case "contractAddr", "newAddr", "to", "address":
			c.Target = text
		case "tableName":
			c.Table = text
		}
	}
	if m.fill != nil {
		return m.fill(c)
	}
	return nil
}

func toUint64(name string, n *big.Int) (uint64, error) {
	if n.Sign() < 0 || !n.IsUint64() {
		return 0, fmt.Errorf("%w: %s %s outside uint64", ErrInvalidArg, name, n)
	}
	return n.Uint64(), nil
}

// proposeConsensusWeight mirrors CommitteeManager.voteProposal for proposal
// type 51: with addFlag a zero weight adds an observer and a positive one a
// sealer; without it the node's weight is set.
func proposeConsensusWeight(c *Call) error {
	switch {
	case c.Args["addFlag"] == "false":
		c.Proposes = ActionSetWeight
	case c.Weight != nil && *c.Weight == 0:
		c.Proposes = ActionAddObserver
	default:
		c.Proposes = ActionAddSealer
	}
	return nil
}

// proposeDeployAuth mirrors proposal type 22: openFlag opens, otherwise
// closes, the account's deploy permission.
func proposeDeployAuth(c *Call) error {
	c.Proposes = ActionCloseDeployAuth
	if c.Args["openFlag"] == "true" {
		c.Proposes = ActionOpenDeployAuth
	}
	return nil
}

// contractFreezeFlag sets the action of setContractStatus(address,bool).
func contractFreezeFlag(c *Call) error {
	c.Action = ActionUnfreezeContract
	if c.Args["isFreeze"] == "true" {
		c.Action = ActionFreezeContract
	}
	return nil
}

// statusAction returns a refinement for the uint8 status enums of 3.x
// contracts and accounts (Status / AccountStatus: normal, freeze, abolish).
func statusAction(normal, freeze, abolish Action) func(*Call) error {
	return func(c *Call) error {
		switch s := c.Args["status"]; s {
		case "0":
			c.Action = normal
		case "1":
			c.Action = freeze
		case "2":
			c.Action = abolish
		default:
			return fmt.Errorf("%w: status %s, want 0 (normal), 1 (freeze) or 2 (abolish)", ErrInvalidArg, s)
		}
		return nil
	}
}
