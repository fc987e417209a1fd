package fisco

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco/gov"
)

// govState is the governance in force, rebuilt from the chain's own
// transactions in height order: who may change the consortium and how.
type govState struct {
	// 2.x: accounts granted write on the consensus table, and committee
	// members; an empty set means FISCO applies no restriction.
	consensusWriters map[string]bool
	committee        map[string]bool
	// 3.x: committee governance is in use (auth mode): direct calls to
	// the consensus and config contracts must fail.
	authMode bool
}

// consensusTables are the 2.x system tables whose write permission gates
// sealer and observer changes.
var consensusTables = map[string]bool{"_sys_consensus_": true}

// posture checks the consortium the block shows and the governance
// transactions it carries against the rules in force, then applies them.
func (v *Verifier) posture(r report, b *ledger.Block) {
	fb := b.Fisco
	if fb == nil || b.Height == 0 {
		return
	}
	chainSubj := ledger.Subject{Kind: "chain", Ref: v.cfg.Chain, Height: b.Height}
	if n := len(fb.SealerList); n > 0 && n < 4 {
		v.raise(r, RuleFewSealers, chainSubj, fmt.Sprintf("block %d is sealed by a set of %d sealers: PBFT tolerates no faulty sealer below 4", b.Height, n),
			map[string]string{"sealers": strconv.Itoa(n), "height": strconv.FormatUint(b.Height, 10)})
	}
	v.weightShare(r, b, chainSubj)
	for i := range b.Txs {
		tx := &b.Txs[i]
		if tx.Fisco == nil || tx.Fisco.Governance == nil {
			continue
		}
		g := tx.Fisco.Governance
		if tx.Valid && g.Error == "" {
			v.checkAuthorised(r, tx, g)
			v.checkConfig(r, tx, g)
		}
		v.applyGovernance(tx, g)
	}
}

// raise files a finding about the chain without touching verdicts:
// posture is not integrity.
func (v *Verifier) raise(r report, rule *ledger.RuleInfo, subj ledger.Subject, msg string, ev map[string]string) {
	r.b.Findings = append(r.b.Findings, ledger.NewFinding(rule, v.cfg.Chain, subj, r.b.Time, rule.Title+": "+msg, ev))
}

// weightShare flags an organisation (or, without declared organisations,
// a single sealer) whose vote weight can block the quorum alone.
func (v *Verifier) weightShare(r report, b *ledger.Block, subj ledger.Subject) {
	fb := b.Fisco
	share := map[string]uint64{}
	var total uint64
	for i, n := range fb.SealerList {
		w := uint64(1)
		if len(fb.Weights) == len(fb.SealerList) {
			w = fb.Weights[i]
		}
		total += w
		owner := v.cfg.Orgs[n]
		if owner == "" {
			owner = "node " + short(n)
		}
		share[owner] += w
	}
	// Below 4 sealers every sealer blocks the quorum; FISCO-FEW-SEALERS
	// says so already.
	if total == 0 || len(share) < 2 || len(fb.SealerList) < 4 {
		return
	}
	q := quorum(total)
	for owner, w := range share {
		if w > total-q {
			v.raise(r, RuleWeightShare, ledger.Subject{Kind: "chain", Ref: v.cfg.Chain + "/" + owner, Height: b.Height},
				fmt.Sprintf("%s holds weight %d of %d at block %d; without it the others (%d) cannot reach the quorum of %d", owner, w, total, b.Height, total-w, q),
				map[string]string{"owner": owner, "weight": strconv.FormatUint(w, 10), "total": strconv.FormatUint(total, 10), "quorum": strconv.FormatUint(q, 10),
					"others": strconv.FormatUint(total-w, 10)})
		}
	}
	_ = subj
}

// checkAuthorised flags a successful consortium change made outside the
// governance rules in force: on 2.x by an account without write on the
// consensus table (once any account was granted it) and outside the
// committee (once one exists); on 3.x by a direct call while committee
// governance is in use.
func (v *Verifier) checkAuthorised(r report, tx *ledger.Tx, g *ledger.Governance) {
	if g.Contract != "consensus" || !changesSealers(g.Action) || g.Action == string(gov.ActionVoteProposal) {
		return
	}
	st := &v.gov
	from := addrOf(tx.From)
	var why, reason string
	switch v.version {
	case 2:
		restricted := len(st.consensusWriters) > 0 || len(st.committee) > 0
		if restricted && !st.consensusWriters[from] && !st.committee[from] {
			why = fmt.Sprintf("%s by %s, which holds neither write permission on the consensus table nor a committee seat", g.Action, from)
			reason = "the sender holds neither write permission on the consensus table nor a committee seat"
		}
	case 3:
		if st.authMode {
			why = fmt.Sprintf("%s called directly by %s while committee governance is in use: it must come from a passed proposal", g.Action, from)
			reason = "called directly while committee governance is in use: it must come from a passed proposal"
		}
	}
	if why == "" {
		return
	}
	r.check(RuleUnauthorisedChange, tx, "governance", false, why,
		map[string]string{"tx": tx.ID, "sender": from, "action": g.Action, "node": g.NodeID, "reason": reason})
}

// IsPosture reports whether a rule judges the consortium's set-up (sealer
// count, weights, configuration) rather than the integrity of the data:
// offline verification lists such findings but does not fail on them.
func IsPosture(rule string) bool {
	switch rule {
	case RuleFewSealers.ID, RuleWeightShare.ID, RuleRiskyConfig.ID:
		return true
	}
	return false
}

// riskyConfig names system configuration values a regulator should see.
func riskyConfig(key, value string) string {
	n, err := strconv.ParseInt(strings.TrimSpace(value), 0, 64)
	switch key {
	case "auth_check_status":
		if value == "0" {
			return "permission checks switched off (auth_check_status 0)"
		}
	case "tx_count_limit":
		if err == nil && (n < 1 || n > 10000) {
			return fmt.Sprintf("tx_count_limit %d outside 1..10000: blocks that large slow consensus and sync, or the chain stalls", n)
		}
	case "tx_gas_limit":
		if err == nil && n < 100000 {
			return fmt.Sprintf("tx_gas_limit %d below 100000: ordinary transactions cannot run", n)
		}
	case "consensus_leader_period", "consensus_timeout":
		if err == nil && (n < 1 || n > 100) {
			return fmt.Sprintf("%s %d outside 1..100", key, n)
		}
	}
	return ""
}

// riskyReasons says, per configuration key riskyConfig judges, why the
// value it flags is risky: the finding's evidence.
var riskyReasons = map[string]string{
	"auth_check_status":       "permission checks switched off",
	"tx_count_limit":          "outside 1..10000: blocks that large slow consensus and sync, or the chain stalls",
	"tx_gas_limit":            "below 100000: ordinary transactions cannot run",
	"consensus_leader_period": "outside 1..100",
	"consensus_timeout":       "outside 1..100",
}

// checkConfig flags risky system configuration set by a transaction.
func (v *Verifier) checkConfig(r report, tx *ledger.Tx, g *ledger.Governance) {
	if g.Action != string(gov.ActionSetConfig) {
		return
	}
	if why := riskyConfig(g.Key, g.Value); why != "" {
		v.raise(r, RuleRiskyConfig, ledger.Subject{Kind: "tx", Ref: tx.ID, Height: tx.Height}, why,
			map[string]string{"key": g.Key, "value": g.Value, "tx": tx.ID, "reason": riskyReasons[g.Key]})
	}
}

// applyGovernance updates who may govern after a successful call.
func (v *Verifier) applyGovernance(tx *ledger.Tx, g *ledger.Governance) {
	st := &v.gov
	if st.consensusWriters == nil {
		st.consensusWriters, st.committee = map[string]bool{}, map[string]bool{}
	}
	if g.Contract == "committee" {
		st.authMode = true
	}
	if !tx.Valid || g.Error != "" {
		return
	}
	acct := addrOf(g.Account)
	switch gov.Action(g.Action) {
	case gov.ActionGrantPermission:
		if consensusTables[g.Table] && acct != "" {
			st.consensusWriters[acct] = true
		}
	case gov.ActionRevokePermission:
		if consensusTables[g.Table] {
			delete(st.consensusWriters, acct)
		}
	case gov.ActionGrantCommittee:
		st.committee[acct] = true
	case gov.ActionRevokeCommittee:
		delete(st.committee, acct)
	case gov.ActionSetConfig:
		if g.Key == "auth_check_status" {
			st.authMode = g.Value != "0"
		}
	}
}
