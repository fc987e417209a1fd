package audit

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// Endorsement policy paths and names Fabric's validator uses.
const (
	lifecycleNS          = "_lifecycle"
	lifecycleEndorsement = "/Channel/Application/LifecycleEndorsement"
	implicitOrgPrefix    = "_implicit_org_"
)

// checkTx checks one transaction: envelope shape, transaction id,
// signatures and signers, and the endorsement policy of a VALID one.
func (a *fabricChecks) checkTx(res *BlockResult, p *prepared, t *trust, i int) TxVerdict {
	b := p.block
	tx := &b.Txs[i]
	tv := TxVerdict{Index: i, ID: tx.ID}
	v := &tv.Verdict
	// Findings for problems Fabric's own validation would have caught are
	// raised only when the peer still marked the transaction VALID, or
	// when no peer judged it (an orderer's copy).
	judged := tx.Fabric.ValidationCode != codeValid && tx.Fabric.ValidationCode != codeNotValidated
	desc := fmt.Sprintf("block %d tx %d", b.Height, i)
	if tx.ID != "" {
		desc += " (" + tx.ID + ")"
	}
	ev := map[string]string{"block": strconv.FormatUint(b.Height, 10), "tx": strconv.Itoa(i), "txid": tx.ID}

	if extra, perr := tx.Fabric.ExtraBytes, tx.Fabric.EnvelopeError; perr != "" || extra > 0 {
		detail := fmt.Sprintf("%d bytes outside payload and signature", extra)
		eev := withEvidence(ev, "extraBytes", strconv.Itoa(extra))
		if perr != "" {
			detail = perr
			eev = withEvidence(ev, "error", detail)
		}
		v.Add("envelope", false, detail)
		a.report(res, RuleEnvelope, txSubject(tx, ""), fmt.Sprintf("%s: envelope carries %s", desc, detail), eev)
	}
	if tx.Fabric.DecodeError != "" {
		v.Add("decode", false, tx.Fabric.DecodeError)
		if !judged {
			a.report(res, RuleEnvelope, txSubject(tx, "decode"), fmt.Sprintf("%s does not decode: %s", desc, tx.Fabric.DecodeError),
				withEvidence(ev, "error", tx.Fabric.DecodeError))
		}
	}

	var endorsers, updaters []party
	var creator, submitter *party
	endorsement := 0
	if tx.Creator == nil && tx.Fabric.DecodeError == "" {
		if b.Height == 0 && tx.Type == typeConfig {
			v.Add("creator", true, "genesis config transaction, unsigned by design")
		} else {
			v.Add("creator", false, "no creator signature")
			a.report(res, RuleCreatorSig, txSubject(tx, "creator"), desc+": envelope has no creator signature",
				withEvidence(ev, "problem", "no creator signature"))
		}
	}
	for j, m := range p.msgs {
		if m.Tx != i {
			continue
		}
		res.Signatures++
		ps := p.sigs[j]
		c := sigCheck{res: res, v: v, at: tx.Time, ev: ev}
		var rule *ledger.RuleInfo
		var want []string
		switch m.Role {
		case fabric.RoleCreator:
			rule, c.name, c.report = RuleCreatorSig, "creator", true
			c.subj, c.desc = txSubject(tx, "creator"), desc+": creator signature"
			switch tx.Type {
			case typeEndorser:
				want = []string{roleClient, roleAdmin}
			case typeConfig:
				want = []string{roleOrderer, roleAdmin}
			}
			a.checkTxID(res, v, tx, m.Identity, desc, ev, judged)
		case fabric.RoleEndorser:
			rule, want, c.report = RuleEndorserSig, []string{rolePeer}, !judged
			c.name = "endorsement-" + strconv.Itoa(endorsement)
			c.subj, c.desc = txSubject(tx, c.name), fmt.Sprintf("%s: endorsement %d", desc, endorsement)
			endorsement++
		case fabric.RoleConfigSubmitter:
			rule, c.name, c.report = RuleConfigSig, "config-submitter", !judged
			c.subj, c.desc = txSubject(tx, c.name), desc+": config update envelope signature (its submitter's)"
		default:
			rule, c.report = RuleConfigSig, !judged
			c.name = fmt.Sprintf("%s-%d", m.Role, m.Sig)
			c.subj, c.desc = txSubject(tx, c.name), fmt.Sprintf("%s: %s signature %d", desc, m.Role, m.Sig)
		}
		if !a.checkSig(c, ps.res, ps.s, rule) {
			continue
		}
		pt, ok := a.checkSigner(c, t, ps.s, want)
		switch {
		case ok && m.Role == fabric.RoleEndorser:
			endorsers = addParty(endorsers, pt)
		case ok && m.Role == fabric.RoleConfigUpdate:
			updaters = addParty(updaters, pt)
		case ok && m.Role == fabric.RoleCreator:
			creator = &pt
		case ok && m.Role == fabric.RoleConfigSubmitter:
			submitter = &pt
		}
	}
	switch tx.Type {
	case typeEndorser:
		a.checkCreatorPolicies(res, v, t, tx, creator, endorsers, desc, ev, judged)
	case typeConfig:
		a.checkSubmitter(res, v, p, tx, i, desc, ev, judged)
		a.checkSubmitterPolicies(res, v, t, tx, creator, submitter, desc, ev, judged)
	}
	switch {
	case tx.Type != typeConfig || b.Height == 0 || tx.Fabric.DecodeError != "":
	case a.priorUnknown:
		v.Add("mod-policy", true, "not evaluated: the config in force before this update is not known for sure (the audit starts at this block, or blocks are missing)")
	default:
		a.checkModPolicies(res, v, t, tx, updaters, desc, ev)
	}
	if tx.Type == typeEndorser && tx.Valid && tx.Fabric.DecodeError == "" {
		a.checkEndorsement(res, v, t, tx, i, endorsers, desc, ev)
	}
	if !a.frozen && (tx.Type == typeEndorser || tx.Fabric.DecodeError != "") {
		a.endorse.record(tx, i)
	}
	return tv
}

// checkTxID recomputes an endorser transaction's id from nonce and
// creator under the channel's hashing algorithm.
func (a *fabricChecks) checkTxID(res *BlockResult, v *ledger.Verdict, tx *ledger.Tx, creator []byte, desc string, ev map[string]string, judged bool) {
	if tx.Type != typeEndorser {
		return
	}
	h := a.newHash()
	h.Write(tx.Fabric.Nonce)
	h.Write(creator)
	want := hex.EncodeToString(h.Sum(nil))
	ok := want == tx.ID
	v.Add("txid", ok, "")
	if !ok && !judged {
		ev = withEvidence(ev, "want", want, "hashingAlgorithm", a.hashAlgo())
		a.report(res, RuleTxID, txSubject(tx, "txid"), fmt.Sprintf("%s: transaction id is not %s(nonce ‖ creator) = %s", desc, a.hashAlgo(), want), ev)
	}
}

// checkEndorsement evaluates the endorsement policies of every namespace
// Fabric's validator would: the invoked chaincode and each namespace the
// transaction writes, with key-level and collection policies as Fabric
// applies them.
func (a *fabricChecks) checkEndorsement(res *BlockResult, v *ledger.Verdict, t *trust, tx *ledger.Tx, index int, endorsers []party, desc string, ev map[string]string) {
	for _, ns := range validatedNamespaces(tx) {
		name := "endorsement-policy:" + ns.Namespace
		for _, pc := range a.evaluateNamespace(t, ns, index, tx.Height, endorsers) {
			switch {
			case pc.ok:
				v.Add(name, true, pc.what+": "+pc.policy)
				continue
			case pc.err != nil && pc.policy == "":
				// No definition seen (the audit started after it) or an
				// unreadable one: nothing to hold the peer to.
				v.Add(name, true, "not evaluated: "+pc.what+": "+pc.err.Error())
				continue
			case !a.endorse.complete && pc.fallback:
				// A key written may have a key-level policy set before
				// the audit's first block, which would govern it instead.
				v.Add(name, true, "not evaluated: "+pc.what+": "+pc.policy+" is not satisfied, but key-level policies set before the first audited block are unknown")
				continue
			}
			v.Add(name, false, pc.what+": "+pc.policy+errSuffix(pc.err))
			pev := withEvidence(ev, "namespace", ns.Namespace, "governs", pc.what, "policy", pc.policy, "endorsers", partyNames(endorsers))
			if pc.err != nil {
				pev["error"] = pc.err.Error()
			}
			a.report(res, RuleEndorsementPolicy, txSubject(tx, "policy:"+ns.Namespace),
				fmt.Sprintf("%s is marked VALID but its valid endorsements (%s) do not satisfy the endorsement policy %s of %s in %s%s: the committing peer lied or was compromised",
					desc, partyNames(endorsers), pc.policy, pc.what, ns.Namespace, errSuffix(pc.err)),
				pev)
		}
	}
}

// validatedNamespaces returns the namespaces whose endorsement policy
// applies: the invoked chaincode, then every other namespace written.
func validatedNamespaces(tx *ledger.Tx) []ledger.NsRWSet {
	var out []ledger.NsRWSet
	invoked := tx.Fabric.Chaincode
	found := false
	for _, ns := range tx.Fabric.RWSets {
		if ns.Namespace == invoked {
			found = true
			out = append(out, ns)
		}
	}
	for _, ns := range tx.Fabric.RWSets {
		if ns.Namespace != invoked && writes(ns) {
			out = append(out, ns)
		}
	}
	if !found && invoked != "" {
		out = append([]ledger.NsRWSet{{Namespace: invoked}}, out...)
	}
	return out
}

// writes reports whether a namespace read/write set changes state.
func writes(ns ledger.NsRWSet) bool {
	if len(ns.Writes) > 0 || len(ns.MetaWrites) > 0 {
		return true
	}
	for _, c := range ns.Collections {
		if len(c.WriteHashes) > 0 || len(c.HashedWrites) > 0 || len(c.MetaWrites) > 0 {
			return true
		}
	}
	return false
}

// withEvidence returns a copy of m with the key/value pairs kv added.
func withEvidence(m map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// checkModPolicies checks a config update the way the orderer must have
// before applying it: every element it modifies at the version after the
// current one, its read set current, and the mod_policy of every modified
// element, in the config in force, satisfied by the update's valid
// signatures.
func (a *fabricChecks) checkModPolicies(res *BlockResult, v *ledger.Verdict, t *trust, tx *ledger.Tx, signers []party, desc string, ev map[string]string) {
	if t.cfg == nil || len(t.cfg.Raw) == 0 {
		v.Add("mod-policy", true, "not evaluated: the config in force was not kept")
		return
	}
	changes, stale, err := fabric.ConfigUpdateChanges(tx.Raw, t.cfg.Raw)
	if err != nil {
		v.Add("mod-policy", true, "not evaluated: "+err.Error())
		return
	}
	subj := txSubject(tx, "config-update")
	fail := func(check, detail string, kv ...string) {
		v.Add(check, false, detail)
		a.report(res, RuleModPolicy, subj, fmt.Sprintf("%s: config update applied although %s", desc, detail), withEvidence(ev, kv...))
	}
	for _, s := range stale {
		fail("read-set", "its read set is stale: "+s, "stale", s)
	}
	for _, ch := range changes {
		name := "mod-policy:" + ch.Path
		if ch.Problem != "" {
			fail(name, fmt.Sprintf("%s %s: %s", ch.Kind, ch.Path, ch.Problem), "element", ch.Path, "elementKind", ch.Kind, "problem", ch.Problem)
			continue
		}
		if ch.Policy == "" {
			v.Add(name, true, "new "+ch.Kind)
			continue
		}
		ok, err := t.satisfies(ch.Policy, signers)
		if ok {
			v.Add(name, true, ch.Policy)
			continue
		}
		kv := []string{"element", ch.Path, "elementKind", ch.Kind, "policy", ch.Policy, "signers", partyNames(signers)}
		if err != nil {
			kv = append(kv, "error", err.Error())
		}
		fail(name, fmt.Sprintf("its signatures (%s) do not satisfy %s, the mod_policy of %s %s%s",
			partyNames(signers), ch.Policy, ch.Kind, ch.Path, errSuffix(err)), kv...)
	}
}
