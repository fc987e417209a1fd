package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// Policies Fabric holds the submitters of transactions to.
const (
	// channelWriters is what the orderer's signature filter applies to
	// every envelope it is sent (msgprocessor.SigFilter).
	channelWriters = "/Channel/Writers"
	// ordererWriters replaces it while the ordering service is in
	// maintenance mode.
	ordererWriters = "/Channel/Orderer/Writers"
	// applicationWriters is the default ACL of peer/Propose and of the
	// `_lifecycle` resources an endorsing peer checks a proposal against.
	applicationWriters = "/Channel/Application/Writers"
	// aclPropose is the ACL resource of proposals to application
	// chaincodes.
	aclPropose = "peer/Propose"
)

// Who holds a submitter to a policy.
const (
	byOrderer = "checked by the orderer"
	byPeers   = "checked by the endorsing peers"
)

// authKey names a single-signer policy evaluation.
type authKey struct {
	policy, mspID string
	cert          *smx509.Certificate
}

// authResult caches a single-signer policy evaluation.
type authResult struct {
	ok  bool
	err error
}

// authorises evaluates the config policy at path against one signer,
// cached per config: creators repeat from transaction to transaction.
func (t *trust) authorises(path string, p party) (bool, error) {
	k := authKey{policy: path, mspID: p.mspID, cert: p.cert}
	if r, ok := t.authorised[k]; ok {
		return r.ok, r.err
	}
	ok, err := t.satisfies(path, []party{p})
	t.authorised[k] = authResult{ok: ok, err: err}
	return ok, err
}

// sigFilterPolicy is the policy the orderer applies to the envelopes it
// is sent under this config.
func (t *trust) sigFilterPolicy() string {
	if t.maintenance {
		return ordererWriters
	}
	return channelWriters
}

// aclPolicy returns the policy the channel's ACLs give resource,
// qualified under /Channel/Application as Fabric does, or def.
func (t *trust) aclPolicy(resource, def string) string {
	ref := t.cfg.ACLs[resource]
	switch {
	case ref == "":
		return def
	case strings.HasPrefix(ref, "/"):
		return ref
	}
	return "/Channel/Application/" + ref
}

// proposalAuth is the check an endorsing peer made on the creator of the
// proposal a transaction carries.
type proposalAuth struct {
	resource string // ACL resource
	policy   string // channel config policy; empty for a local admin check
	skip     string // why it is not evaluated, when set
}

// proposalAuth returns the ACL Fabric's endorser applied to the proposal
// of tx: peer/Propose for application chaincodes (core/endorser), and the
// function's own resource for `_lifecycle`, which checks its callers
// itself (core/chaincode/lifecycle/scc.go). Resources the peer keeps to
// its local MSP admins cannot be overridden by channel ACLs.
func (t *trust) proposalAuth(tx *ledger.Tx) proposalAuth {
	switch cc := tx.Fabric.Chaincode; cc {
	case lifecycleNS:
		res := lifecycleNS + "/" + tx.Function
		switch tx.Function {
		case "CommitChaincodeDefinition", "CheckCommitReadiness", "QueryChaincodeDefinition", "QueryChaincodeDefinitions":
			return proposalAuth{resource: res, policy: t.aclPolicy(res, applicationWriters)}
		}
		return proposalAuth{resource: res} // ApproveChaincodeDefinitionForMyOrg and the peer-local functions
	case "cscc", "qscc", "lscc":
		return proposalAuth{resource: cc, skip: "system chaincode " + cc + " authorises its callers itself"}
	}
	return proposalAuth{resource: aclPropose, policy: t.aclPolicy(aclPropose, applicationWriters)}
}

// authFailure is a policy a submitter does not satisfy.
type authFailure struct {
	by, policy string
	err        error
}

func (f authFailure) String() string {
	return fmt.Sprintf("%s (%s)%s", f.policy, f.by, errSuffix(f.err))
}

// checkCreatorPolicies checks that the creator of an endorser transaction
// satisfied the policies Fabric holds it to in the config in force: the
// endorsing peers' ACL for its proposal (peer/Propose, by default
// /Channel/Application/Writers) and the orderer's signature filter
// (/Channel/Writers). creator is nil when its signature or certificate
// failed, which is reported already; endorsers are the valid endorsers.
func (a *fabricChecks) checkCreatorPolicies(res *BlockResult, v *ledger.Verdict, t *trust, tx *ledger.Tx, creator *party, endorsers []party,
	desc string, ev map[string]string, judged bool,
) {
	if creator == nil || tx.Fabric.DecodeError != "" {
		return
	}
	var fails []authFailure
	// The orderer rejects what fails its filter whatever the peers later
	// decide; the endorsing peers' ACL is reported, like endorsements, on
	// transactions the peer marked VALID or that no peer judged.
	report := false
	sf := t.sigFilterPolicy()
	if ok, err := t.authorises(sf, *creator); ok {
		v.Add("creator-writers", true, sf)
	} else {
		f := authFailure{by: byOrderer, policy: sf, err: err}
		fails = append(fails, f)
		a.authFailed(v, "creator-writers", f.String())
		report = true
	}
	pa := t.proposalAuth(tx)
	switch {
	case pa.skip != "":
		v.Add("creator-acl", true, "not evaluated: "+pa.skip)
	case pa.policy == "":
		// The Admins of the endorsing peer's local MSP: an admin of an
		// application org whose peer endorsed.
		_, app := t.orgGroup(creator.mspID)
		sameOrg := len(endorsers) == 0 || slices.ContainsFunc(endorsers, func(e party) bool { return e.mspID == creator.mspID })
		if app && sameOrg && slices.Contains(creator.roles, roleAdmin) {
			v.Add("creator-acl", true, "ACL "+pa.resource+": an admin of the endorsing peer's org")
			break
		}
		f := authFailure{by: "ACL " + pa.resource + ", " + byPeers, policy: "the Admins of the endorsing peer's own MSP"}
		fails = append(fails, f)
		a.authFailed(v, "creator-acl", f.String())
		report = report || !judged
	default:
		ok, err := t.authorises(pa.policy, *creator)
		if ok {
			v.Add("creator-acl", true, "ACL "+pa.resource+": "+pa.policy)
			break
		}
		f := authFailure{by: "ACL " + pa.resource + ", " + byPeers, policy: pa.policy, err: err}
		fails = append(fails, f)
		a.authFailed(v, "creator-acl", f.String())
		report = report || !judged
	}
	if report {
		a.reportAuth(res, tx, "creator", *creator, fails, desc, ev)
	}
}

// checkSubmitterPolicies checks the envelopes of a CONFIG transaction the
// way the orderer's signature filter did: the config update envelope
// (last_update) by its submitter and the CONFIG envelope the orderer
// made from it must each satisfy /Channel/Writers
// (msgprocessor.StandardChannel.ProcessConfigUpdateMsg applies the
// filters to both). A channel's first config block was authorised by
// the system channel's consortium, which the ledger does not carry.
func (a *fabricChecks) checkSubmitterPolicies(res *BlockResult, v *ledger.Verdict, t *trust, tx *ledger.Tx, creator, submitter *party, desc string, ev map[string]string, judged bool) {
	if tx.Height == 0 || tx.Fabric.DecodeError != "" {
		return
	}
	sf := t.sigFilterPolicy()
	for _, s := range []struct {
		who string
		p   *party
	}{{"submitter", submitter}, {"creator", creator}} {
		if s.p == nil {
			continue
		}
		ok, err := t.authorises(sf, *s.p)
		if ok {
			v.Add(s.who+"-writers", true, sf)
			continue
		}
		f := authFailure{by: byOrderer, policy: sf, err: err}
		a.authFailed(v, s.who+"-writers", f.String())
		if !judged {
			a.reportAuth(res, tx, s.who, *s.p, []authFailure{f}, desc, ev)
		}
	}
}

// notKnown prefixes checks that cannot be judged because the config in
// force before the block may not be the one seen.
const notKnown = "not evaluated: the config in force may not be known (the audit starts at this block, or blocks are missing): "

// authFailed records a failed policy check, as not evaluated when the
// config in force is not known for sure.
func (a *fabricChecks) authFailed(v *ledger.Verdict, name, detail string) {
	if a.priorUnknown {
		v.Add(name, true, notKnown+"not satisfied: "+detail)
		return
	}
	v.Add(name, false, detail)
}

// reportAuth reports a submitter that does not satisfy policies, unless
// the config in force is not known for sure.
func (a *fabricChecks) reportAuth(res *BlockResult, tx *ledger.Tx, who string, p party, fails []authFailure, desc string, ev map[string]string) {
	if a.priorUnknown || len(fails) == 0 {
		return
	}
	names := make([]string, len(fails))
	policies := make([]string, len(fails))
	var errs []string
	for i, f := range fails {
		names[i], policies[i] = f.String(), f.policy
		if f.err != nil {
			errs = append(errs, f.err.Error())
		}
	}
	aev := withEvidence(ev, "signer", p.cert.Subject.String(), "msp", p.mspID, "roles", strings.Join(p.roles, ","), "policies", strings.Join(policies, ","),
		"signerRole", who)
	if len(errs) > 0 {
		aev["error"] = strings.Join(errs, "; ")
	}
	a.report(res, RuleCreatorPolicy, txSubject(tx, who+"-policy"),
		fmt.Sprintf("%s: %s %s:%s (roles %s) does not satisfy %s in the config in force", desc, who, p.mspID, p.cert.Subject.CommonName,
			strings.Join(p.roles, ", "), strings.Join(names, "; ")), aev)
}

// checkSubmitter reports a CONFIG transaction above the genesis block
// whose config update has no envelope signature: the orderer accepts
// config updates only in envelopes whose creator passes its signature
// filter, so one without was not submitted through it.
func (a *fabricChecks) checkSubmitter(res *BlockResult, v *ledger.Verdict, p *prepared, tx *ledger.Tx, i int, desc string, ev map[string]string, judged bool) {
	if tx.Height == 0 || tx.Fabric.DecodeError != "" {
		return
	}
	for _, m := range p.msgs {
		if m.Tx == i && m.Role == fabric.RoleConfigSubmitter {
			return
		}
	}
	v.Add("config-submitter", false, "no submitter signature")
	if !judged {
		a.report(res, RuleConfigSig, txSubject(tx, "config-submitter"), desc+": the config update it applied has no envelope signature by a submitter",
			withEvidence(ev, "problem", "no submitter signature"))
	}
}
