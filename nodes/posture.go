package nodes

import (
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
)

// governing names the application policies whose capture by one org
// hands it the channel (Admins) or the ledger's contents (Endorsement,
// LifecycleEndorsement).
var governing = []string{
	"/Channel/Application/Admins",
	"/Channel/Application/Endorsement",
	"/Channel/Application/LifecycleEndorsement",
}

// Batch ranges judged sane.
const (
	minBatchTimeout   = 50 * time.Millisecond
	maxBatchTimeout   = 60 * time.Second
	maxBatchMessages  = 10000
	maxAbsoluteBytes  = 99 << 20 // below gRPC's 100 MiB default message limit
	defaultEndorseRef = "/Channel/Application/Endorsement"
)

// posture evaluates one channel config.
type posture struct {
	chain ledger.Chain
	cfg   *ledger.Config
	at    time.Time
	out   []ledger.Finding
}

// Posture judges one channel config version at time at: fault tolerance
// of the consenter set, governing and chaincode policies (ccs are the
// chaincode definitions in force), capabilities, CA expiry, NodeOUs,
// anchor peers, batch settings and, on GM chains, non-SM2 certificates.
// Findings are about the config (Subject.Kind "config", Height the
// config's height) and their ids do not depend on the height, so the same
// weakness seen in several versions is one finding.
func Posture(chain ledger.Chain, cfg *ledger.Config, ccs []ledger.Contract, at time.Time) []ledger.Finding {
	p := &posture{chain: chain, cfg: cfg, at: at}
	p.consenters()
	p.policies()
	p.chaincodes(ccs)
	p.capabilities()
	p.msps()
	p.batch()
	return p.out
}

func (p *posture) add(r *ledger.RuleInfo, ref, org, msg string, ev map[string]string) {
	if ev == nil {
		ev = map[string]string{}
	}
	ev["configHeight"] = strconv.FormatUint(p.cfg.Height, 10)
	ev["configSequence"] = strconv.FormatUint(p.cfg.Sequence, 10)
	s := ledger.Subject{Kind: "config", Ref: p.cfg.Channel + ":" + ref, Height: p.cfg.Height, Org: org}
	p.out = append(p.out, ledger.NewFinding(r, p.chain.ID, s, p.at, msg, ev))
}

// FaultTolerance returns how many consenters of a set of n can fail (crash
// for Raft, byzantine for BFT) while ordering continues.
func FaultTolerance(ordererType string, n int) int {
	switch {
	case n <= 0:
		return 0
	case strings.EqualFold(ordererType, "BFT"):
		return (n - 1) / 3
	case strings.EqualFold(ordererType, "etcdraft"):
		return (n - 1) / 2
	}
	return 0 // solo, kafka (whose brokers are outside the config)
}

func (p *posture) consenters() {
	t, n := p.cfg.OrdererType, len(p.cfg.Consenters)
	if t == "" {
		return
	}
	f := FaultTolerance(t, n)
	ev := map[string]string{"ordererType": t, "consenters": strconv.Itoa(n), "faultTolerance": strconv.Itoa(f)}
	if f == 0 {
		p.add(RuleNoFaultTolerance, "consenters", "", fmt.Sprintf("%s with %d consenter(s) tolerates no failure", t, n), ev)
	}
	if !strings.EqualFold(t, "BFT") {
		p.add(RuleCFTOnly, "orderer-type", "", fmt.Sprintf("ordering is %s: crash fault tolerant only (f=%d)", t, f), ev)
	}
	if strings.EqualFold(t, "etcdraft") && n > 0 && n%2 == 0 {
		p.add(RuleEvenConsenters, "consenters-even", "", fmt.Sprintf("%d Raft consenters tolerate %d failure(s), as %d would", n, f, n-1), ev)
	}
}

func (p *posture) appOrgs() []string {
	var out []string
	for _, m := range p.cfg.MSPs {
		if m.Group == "Application" {
			out = append(out, m.ID)
		}
	}
	slices.Sort(out)
	return out
}

func (p *posture) policy(path string) (ledger.Policy, bool) {
	for _, pol := range p.cfg.Policies {
		if pol.Path == path {
			return pol, true
		}
	}
	return ledger.Policy{}, false
}

// oneOrg reports whether one application org alone can satisfy the
// config policy at path, and which, with a reason.
func (p *posture) oneOrg(path string, orgs []string) (org, why string, ok bool) {
	pol, found := p.policy(path)
	if !found {
		return "", "", false
	}
	switch pol.Type {
	case "ImplicitMeta":
		kind, _, valid := implicitMeta(pol.Rule)
		if valid && orgsRequired(kind, len(orgs)) == 1 {
			return "", fmt.Sprintf("%s is %s over %d orgs", path, pol.Rule, len(orgs)), true
		}
	case "Signature":
		tree, err := parsePolicyText(pol.Rule)
		if err != nil {
			return "", "", false
		}
		if m := tree.singleOrg(orgs); m != "" {
			return m, fmt.Sprintf("%s (%s) is satisfied by %s alone", path, pol.Rule, m), true
		}
	}
	return "", "", false
}

func (p *posture) policies() {
	orgs := p.appOrgs()
	if len(orgs) == 0 {
		return
	}
	if len(orgs) == 1 {
		p.add(RuleSingleOrgChannel, "application-orgs", orgs[0], "the channel has one application org, "+orgs[0],
			map[string]string{"orgs": orgs[0]})
		return
	}
	for _, path := range governing {
		org, why, ok := p.oneOrg(path, orgs)
		if !ok {
			continue
		}
		pol, _ := p.policy(path)
		ev := map[string]string{"policy": path, "rule": pol.Rule, "orgs": strings.Join(orgs, ",")}
		if pol.Type == "ImplicitMeta" {
			p.add(RulePolicyAny, "policy:"+path, "", why, ev)
		} else {
			p.add(RulePolicySingleOrg, "policy:"+path, org, why, ev)
		}
	}
}

func (p *posture) chaincodes(ccs []ledger.Contract) {
	orgs := p.appOrgs()
	if len(orgs) < 2 {
		return
	}
	for _, cc := range ccs {
		ref := cc.Policy
		if ref == "" {
			ref = defaultEndorseRef
		}
		var org, why string
		var ok bool
		if strings.HasPrefix(ref, "/Channel/") {
			org, why, ok = p.oneOrg(ref, orgs)
		} else if tree, err := parsePolicyText(ref); err == nil {
			if org = tree.singleOrg(orgs); org != "" {
				why, ok = fmt.Sprintf("endorsement policy %s is satisfied by %s alone", ref, org), true
			}
		}
		if !ok {
			continue
		}
		s := ledger.Subject{Kind: "contract", Ref: cc.Address, Height: cc.Height, Org: org}
		ev := map[string]string{"chaincode": cc.Address, "sequence": strconv.FormatUint(cc.Sequence, 10), "policy": ref,
			"definitionHeight": strconv.FormatUint(cc.Height, 10), "configHeight": strconv.FormatUint(p.cfg.Height, 10),
			"orgs": strings.Join(orgs, ",")}
		if pol, found := p.policy(ref); found {
			ev["rule"] = pol.Rule
		}
		p.out = append(p.out, ledger.NewFinding(RuleCCSingleOrg, p.chain.ID, s, p.at, "chaincode "+cc.Address+": "+why, ev))
	}
}

// capabilityLevel reads "V2_5" as 205, "V1_4_3" as 104; 0 when unknown.
func capabilityLevel(name string) int {
	parts := strings.Split(strings.TrimPrefix(name, "V"), "_")
	if len(parts) < 2 {
		return 0
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return 0
	}
	return major*100 + minor
}

func (p *posture) capabilities() {
	for _, group := range []string{"Channel", "Orderer", "Application"} {
		names, ok := p.cfg.Capabilities[group]
		if !ok {
			continue
		}
		best := 0
		for _, n := range names {
			best = max(best, capabilityLevel(n))
		}
		if best < 200 {
			p.add(RuleCapabilities, "capabilities:"+group, "", fmt.Sprintf("%s capabilities %v are below V2_0", group, names),
				map[string]string{"group": group, "capabilities": strings.Join(names, ",")})
		}
	}
}

func (p *posture) msps() {
	gm := p.chain.Crypto == ledger.CryptoGM
	for _, m := range p.cfg.MSPs {
		for _, set := range []struct {
			kind  string
			certs [][]byte
		}{
			{"root", m.RootCerts}, {"intermediate", m.Intermediates},
			{"tlsroot", m.TLSRootCerts}, {"tlsintermediate", m.TLSIntermediates},
		} {
			for _, der := range set.certs {
				p.caCert(m.ID, set.kind, der, gm)
			}
		}
		if m.NodeOUs == nil || !m.NodeOUs.Enabled {
			p.add(RuleNodeOUs, "nodeous:"+m.ID, m.ID, m.ID+" does not enable NodeOUs", map[string]string{"msp": m.ID})
		}
		if m.Group == "Application" && len(m.AnchorPeers) == 0 {
			p.add(RuleNoAnchorPeers, "anchors:"+m.ID, m.ID, m.ID+" defines no anchor peer", map[string]string{"msp": m.ID})
		}
	}
	if !gm {
		return
	}
	for _, c := range p.cfg.Consenters {
		for _, pemBytes := range [][]byte{c.ServerTLS, c.ClientTLS} {
			cert := parsePEMOrDER(pemBytes)
			if cert == nil {
				continue
			}
			if algo := certKeyAlgorithm(cert); algo != "SM2" {
				ep := fmt.Sprintf("%s:%d", c.Host, c.Port)
				p.add(RuleNonGM, "consenter-tls:"+ep+":"+cert.SerialNumber.String(), c.MSPID,
					"consenter "+ep+" TLS certificate key is "+algo, map[string]string{"consenter": ep, "keyAlgorithm": algo})
			}
		}
	}
}

func (p *posture) caCert(msp, kind string, der []byte, gm bool) {
	c := parsePEMOrDER(der)
	if c == nil {
		return
	}
	ref := "ca:" + msp + ":" + kind + ":" + c.SerialNumber.String()
	// caKind repeats kind: {kind} in a message template names the
	// finding's subject kind, not the CA's.
	ev := map[string]string{"msp": msp, "kind": kind, "caKind": kind, "subject": c.Subject.String(), "serial": c.SerialNumber.String(),
		"notAfter": c.NotAfter.UTC().Format(time.RFC3339)}
	switch {
	case p.at.After(c.NotAfter):
		p.add(RuleCAExpired, ref, msp, fmt.Sprintf("%s %s CA %s expired %s", msp, kind, c.Subject, ev["notAfter"]), ev)
	case c.NotAfter.Sub(p.at) < caExpiryWindow:
		p.add(RuleCAExpiring, ref, msp, fmt.Sprintf("%s %s CA %s expires %s", msp, kind, c.Subject, ev["notAfter"]), ev)
	}
	if gm {
		if algo := certKeyAlgorithm(c); algo != "SM2" {
			ev := map[string]string{"msp": msp, "kind": kind, "caKind": kind, "keyAlgorithm": algo, "serial": c.SerialNumber.String()}
			p.add(RuleNonGM, "gm:"+msp+":"+kind+":"+c.SerialNumber.String(), msp, fmt.Sprintf("%s %s CA key is %s", msp, kind, algo), ev)
		}
	}
}

// parsePEMOrDER parses a certificate given as DER or PEM; nil when it
// does not parse.
func parsePEMOrDER(b []byte) *smx509.Certificate {
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	c, err := smx509.ParseCertificate(b)
	if err != nil {
		return nil
	}
	return c
}

func (p *posture) batch() {
	b := p.cfg.Batch
	if p.cfg.OrdererType == "" {
		return
	}
	var bad []string
	if d, err := time.ParseDuration(b.Timeout); err != nil || d < minBatchTimeout || d > maxBatchTimeout {
		bad = append(bad, "timeout "+b.Timeout)
	}
	if b.MaxMessageCount == 0 || b.MaxMessageCount > maxBatchMessages {
		bad = append(bad, fmt.Sprintf("maxMessageCount %d", b.MaxMessageCount))
	}
	if b.AbsoluteMaxBytes == 0 || b.AbsoluteMaxBytes > maxAbsoluteBytes {
		bad = append(bad, fmt.Sprintf("absoluteMaxBytes %d", b.AbsoluteMaxBytes))
	}
	if b.PreferredMaxBytes == 0 || b.PreferredMaxBytes > b.AbsoluteMaxBytes {
		bad = append(bad, fmt.Sprintf("preferredMaxBytes %d", b.PreferredMaxBytes))
	}
	if len(bad) > 0 {
		p.add(RuleBatch, "batch", "", "batch settings out of range: "+strings.Join(bad, ", "),
			map[string]string{"outOfRange": strings.Join(bad, ", "), "timeout": b.Timeout, "maxMessageCount": strconv.FormatUint(uint64(b.MaxMessageCount), 10),
				"absoluteMaxBytes": strconv.FormatUint(uint64(b.AbsoluteMaxBytes), 10), "preferredMaxBytes": strconv.FormatUint(uint64(b.PreferredMaxBytes), 10)})
	}
}

// PostureHistory judges every config version of a chain (oldest first).
// It returns the posture findings of the newest version at time now, and
// one CONS-POSTURE-WEAKENED finding per update that introduced findings
// its predecessor did not have (each version judged at its own time, so
// time passing alone never counts as a weakening). ccs are the chaincode
// definitions in force now.
func PostureHistory(chain ledger.Chain, cfgs []*ledger.Config, ccs []ledger.Contract, now time.Time) []ledger.Finding {
	if len(cfgs) == 0 {
		return nil
	}
	var out []ledger.Finding
	prev := postureKeys(Posture(chain, cfgs[0], nil, cfgs[0].Time))
	for i, cfg := range cfgs[1:] {
		cur := Posture(chain, cfg, nil, cfg.Time)
		var added []string
		seen := map[string]bool{}
		for _, f := range cur {
			k := f.Rule + " " + f.Subject.Ref
			if !prev[k] && !seen[k] {
				seen[k] = true
				added = append(added, f.Rule+": "+f.Message)
			}
		}
		if len(added) > 0 {
			out = append(out, weakened(chain, cfgs[i], cfg, added))
		}
		prev = postureKeys(cur)
	}
	return append(out, Posture(chain, cfgs[len(cfgs)-1], ccs, now)...)
}

func postureKeys(fs []ledger.Finding) map[string]bool {
	m := make(map[string]bool, len(fs))
	for _, f := range fs {
		m[f.Rule+" "+f.Subject.Ref] = true
	}
	return m
}

func weakened(chain ledger.Chain, from, to *ledger.Config, added []string) ledger.Finding {
	slices.Sort(added)
	s := ledger.Subject{Kind: "config", Ref: fmt.Sprintf("%s@%d..%d", to.Channel, from.Height, to.Height), Height: to.Height}
	ev := map[string]string{
		"fromHeight": strconv.FormatUint(from.Height, 10), "toHeight": strconv.FormatUint(to.Height, 10),
		"fromSequence": strconv.FormatUint(from.Sequence, 10), "toSequence": strconv.FormatUint(to.Sequence, 10),
		"diff":  fmt.Sprintf("/api/v1/chains/%s/config/diff?from=%d&to=%d", chain.ID, from.Height, to.Height),
		"added": strings.Join(added, "\n"), "addedCount": strconv.Itoa(len(added)),
	}
	msg := fmt.Sprintf("config update at height %d (sequence %d) introduced %d weakness(es) absent at height %d", to.Height, to.Sequence, len(added), from.Height)
	return ledger.NewFinding(RuleWeakened, chain.ID, s, to.Time, msg, ev)
}
