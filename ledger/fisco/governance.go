package fisco

import (
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco/gov"
)

// governance decodes a transaction to a system contract into the
// chain's governance history; a call that does not decode is kept with
// its error, since the chain accepted it.
func (v *Verifier) governance(tx *ledger.Tx, to string, input []byte) {
	if to == "" || tx.Fisco == nil {
		return
	}
	c, ok, err := gov.Decode(v.version, v.suite == SuiteGM, to, input)
	if !ok || c.Action == gov.ActionRead {
		return
	}
	g := &ledger.Governance{
		Contract: c.Contract, Action: string(c.Action), Method: c.Method, NodeID: c.NodeID, Weight: c.Weight,
		Key: c.Key, Value: c.Value, Account: c.Account, Table: c.Table, Args: c.Args,
	}
	if c.Proposes != "" {
		if g.Args == nil {
			g.Args = map[string]string{}
		}
		g.Args["proposes"] = string(c.Proposes)
	}
	if err != nil {
		g.Error = err.Error()
	}
	tx.Fisco.Governance = g
	tx.Type = "governance"
}

// changesSealers reports whether a governance action may change the
// sealer list of later blocks.
func changesSealers(action string) bool {
	switch gov.Action(action) {
	case gov.ActionAddSealer, gov.ActionAddObserver, gov.ActionRemoveNode, gov.ActionSetWeight,
		gov.ActionSetTermWeight, gov.ActionRotateWorkingSealer, gov.ActionVoteProposal:
		return true
	}
	return false
}
