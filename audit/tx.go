package audit

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

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
func (a *Auditor) checkTx(res *BlockResult, p *prepared, t *trust, i int) TxVerdict {
	b := p.block
	tx := &b.Txs[i]
	tv := TxVerdict{Index: i, ID: tx.ID}
	v := &tv.Verdict
	// Findings for problems Fabric's own validation would have caught are
	// raised only when the peer still marked the transaction VALID, or
	// when no peer judged it (an orderer's copy).
	judged := tx.Fabric.ValidationCode != codeValid && tx.Fabric.ValidationCode != codeNotValidated
	desc := fmt.Sprintf("block %d tx %d (%s)", b.Height, i, tx.ID)
	ev := map[string]string{"block": strconv.FormatUint(b.Height, 10), "tx": strconv.Itoa(i), "txid": tx.ID}

	if extra, err := envelopeExtra(tx.Raw); err != nil || extra > 0 {
		detail := fmt.Sprintf("%d bytes outside payload and signature", extra)
		if err != nil {
			detail = err.Error()
		}
		v.Add("envelope", false, detail)
		a.report(res, RuleEnvelope, txSubject(tx, ""), fmt.Sprintf("%s: envelope carries %s", desc, detail), ev)
	}
	if tx.Fabric.DecodeError != "" {
		v.Add("decode", false, tx.Fabric.DecodeError)
		if !judged {
			a.report(res, RuleEnvelope, txSubject(tx, "decode"), fmt.Sprintf("%s does not decode: %s", desc, tx.Fabric.DecodeError), ev)
		}
	}

	var endorsers []party
	endorsement := 0
	if tx.Creator == nil && tx.Fabric.DecodeError == "" {
		if b.Height == 0 && tx.Type == typeConfig {
			v.Add("creator", true, "genesis config transaction, unsigned by design")
		} else {
			v.Add("creator", false, "no creator signature")
			a.report(res, RuleCreatorSig, txSubject(tx, "creator"), desc+": envelope has no creator signature", ev)
		}
	}
	for j, m := range p.msgs {
		if m.Tx != i {
			continue
		}
		res.Signatures++
		ps := p.sigs[j]
		c := sigCheck{res: res, v: v, at: tx.Time}
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
		default:
			rule, c.report = RuleConfigSig, !judged
			c.name = fmt.Sprintf("%s-%d", m.Role, m.Sig)
			c.subj, c.desc = txSubject(tx, c.name), fmt.Sprintf("%s: %s signature %d", desc, m.Role, m.Sig)
		}
		if !a.checkSig(c, ps.res, ps.s, rule) {
			continue
		}
		pt, ok := a.checkSigner(c, t, ps.s, want)
		if ok && m.Role == fabric.RoleEndorser {
			endorsers = addParty(endorsers, pt)
		}
	}
	if tx.Type == typeEndorser && tx.Valid && tx.Fabric.DecodeError == "" {
		a.checkEndorsement(res, v, t, tx, endorsers, desc, ev)
	}
	if tx.Valid || tx.Fabric.ValidationCode == codeNotValidated {
		for name, pe := range fabric.ChaincodePolicies(tx) {
			a.cc[name] = pe
		}
	}
	return tv
}

// checkTxID recomputes an endorser transaction's id from nonce and
// creator under the channel's hashing algorithm.
func (a *Auditor) checkTxID(res *BlockResult, v *ledger.Verdict, tx *ledger.Tx, creator []byte, desc string, ev map[string]string, judged bool) {
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
		ev = withEvidence(ev, "want", want)
		a.report(res, RuleTxID, txSubject(tx, "txid"), fmt.Sprintf("%s: transaction id is not %s(nonce ‖ creator) = %s", desc, a.hashAlgo(), want), ev)
	}
}

// checkEndorsement evaluates the endorsement policy of every namespace
// Fabric's validator would: the invoked chaincode and each namespace the
// transaction writes.
func (a *Auditor) checkEndorsement(res *BlockResult, v *ledger.Verdict, t *trust, tx *ledger.Tx, endorsers []party, desc string, ev map[string]string) {
	for _, ns := range validatedNamespaces(tx) {
		name := "endorsement-policy:" + ns.Namespace
		ok, policy, err := a.endorsementSatisfied(t, ns, endorsers)
		if err != nil && policy == "" {
			// No definition seen (the audit started after it) or an
			// unreadable one: nothing to hold the peer to.
			v.Add(name, true, "not evaluated: "+err.Error())
			continue
		}
		v.Add(name, ok, policy)
		if !ok {
			a.report(res, RuleEndorsementPolicy, txSubject(tx, "policy:"+ns.Namespace),
				fmt.Sprintf("%s is marked VALID but its valid endorsements (%s) do not satisfy the endorsement policy %s of %s%s: the committing peer lied or was compromised",
					desc, partyNames(endorsers), policy, ns.Namespace, errSuffix(err)),
				withEvidence(ev, "namespace", ns.Namespace, "policy", policy, "endorsers", partyNames(endorsers)))
		}
	}
}

// endorsementSatisfied evaluates the policy governing the writes of ns.
// It returns the policy it evaluated, empty when none is known.
func (a *Auditor) endorsementSatisfied(t *trust, ns ledger.NsRWSet, endorsers []party) (bool, string, error) {
	if ns.Namespace == lifecycleNS {
		orgs, public := implicitWrites(ns)
		if public || len(orgs) == 0 {
			ok, err := t.satisfies(lifecycleEndorsement, endorsers)
			return ok, lifecycleEndorsement, err
		}
		// Approvals write only to the approving org's implicit collection,
		// governed by that org's Endorsement policy.
		for _, msp := range orgs {
			group, found := t.orgGroup(msp)
			if !found {
				return false, implicitOrgPrefix + msp, fmt.Errorf("org %s not in the application config", msp)
			}
			path := "/Channel/Application/" + group + "/Endorsement"
			if ok, err := t.satisfies(path, endorsers); !ok {
				return false, path, err
			}
		}
		return true, "implicit collections of " + strings.Join(orgs, ", "), nil
	}
	pe, ok := a.cc[ns.Namespace]
	switch {
	case !ok:
		return false, "", fmt.Errorf("no chaincode definition of %s seen", ns.Namespace)
	case pe.Err != nil:
		return false, "", fmt.Errorf("definition of %s: %w", ns.Namespace, pe.Err)
	case pe.Policy.Signature != nil:
		return satisfiesSignature(pe.Policy.Signature, endorsers), "signature policy of " + ns.Namespace, nil
	}
	ok, err := t.satisfies(pe.Policy.Reference, endorsers)
	return ok, pe.Policy.Reference, err
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
		if len(c.WriteHashes) > 0 || len(c.HashedWrites) > 0 {
			return true
		}
	}
	return false
}

// implicitWrites returns the MSP ids whose implicit collections ns
// writes, and whether it also writes public state or other collections.
func implicitWrites(ns ledger.NsRWSet) (orgs []string, other bool) {
	other = len(ns.Writes) > 0 || len(ns.MetaWrites) > 0
	for _, c := range ns.Collections {
		if len(c.WriteHashes) == 0 && len(c.HashedWrites) == 0 {
			continue
		}
		msp, ok := strings.CutPrefix(c.Collection, implicitOrgPrefix)
		if !ok {
			other = true
			continue
		}
		if !slices.Contains(orgs, msp) {
			orgs = append(orgs, msp)
		}
	}
	return orgs, other
}

// envelopeExtra returns the number of bytes of a marshalled envelope
// outside its one payload (field 1) and one signature (field 2).
func envelopeExtra(raw []byte) (int, error) {
	extra := 0
	var seen [3]bool
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return extra + len(raw), fmt.Errorf("envelope: %w", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, raw[n:])
		if m < 0 {
			return extra + len(raw), fmt.Errorf("envelope: field %d: %w", num, protowire.ParseError(m))
		}
		if (num == 1 || num == 2) && typ == protowire.BytesType && !seen[num] {
			seen[num] = true
		} else {
			extra += n + m
		}
		raw = raw[n+m:]
	}
	return extra, nil
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
