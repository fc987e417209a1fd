package audit

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// Identity roles in the sense of Fabric NodeOUs and MSP principals.
const (
	roleMember  = "member"
	roleAdmin   = "admin"
	roleClient  = "client"
	rolePeer    = "peer"
	roleOrderer = "orderer"
)

// Identity validation failures, each mapped to its rule.
var (
	errUnknownMSP = errors.New("MSP not defined in the channel config")
	errChain      = errors.New("certificate does not chain to the MSP's CAs")
	errRevoked    = errors.New("certificate is revoked by its MSP")
)

// trust holds the trust anchors and policies of one channel config, with
// caches of validated certificate chains. It is used by the sequential
// stage only.
type trust struct {
	cfg        *ledger.Config
	msps       map[string]*mspTrust
	appOrgs    map[string]string // MSP id -> application org group name
	policies   map[string]ledger.Policy
	parsed     map[string]policyEntry
	consenters map[uint32]ledger.Consenter
	validated  map[string]error // MSP id + certificate DER -> chain result
	// maintenance is set while the ordering service is in maintenance
	// mode, when it holds envelopes to /Channel/Orderer/Writers.
	maintenance bool
	authorised  map[authKey]authResult // single-signer policy results
}

// policyEntry is a parsed config policy or why it did not parse.
type policyEntry struct {
	rule fabric.PolicyRule
	err  error
}

// mspTrust is one MSP's roots, intermediates, revocations and admins.
type mspTrust struct {
	msp     *ledger.MSP
	roots   *smx509.CertPool
	inters  *smx509.CertPool
	revoked map[string]bool // issuer raw subject + serial
	admins  [][]byte
}

// newTrust indexes a channel config.
func newTrust(cfg *ledger.Config) *trust {
	t := &trust{
		cfg: cfg, msps: map[string]*mspTrust{}, appOrgs: map[string]string{}, policies: map[string]ledger.Policy{},
		parsed: map[string]policyEntry{}, consenters: map[uint32]ledger.Consenter{}, validated: map[string]error{},
		maintenance: fabric.Maintenance(cfg.Raw), authorised: map[authKey]authResult{},
	}
	for i := range cfg.MSPs {
		m := &cfg.MSPs[i]
		mt := &mspTrust{msp: m, roots: smx509.NewCertPool(), inters: smx509.NewCertPool(), revoked: map[string]bool{}, admins: m.Admins}
		var cas []*smx509.Certificate
		for _, der := range m.RootCerts {
			if c, err := smx509.ParseCertificate(der); err == nil {
				mt.roots.AddCert(c)
				cas = append(cas, c)
			}
		}
		for _, der := range m.Intermediates {
			if c, err := smx509.ParseCertificate(der); err == nil {
				mt.inters.AddCert(c)
				cas = append(cas, c)
			}
		}
		for _, der := range m.CRLs {
			mt.addCRL(der, cas)
		}
		t.msps[m.ID] = mt
		if m.Group == "Application" {
			t.appOrgs[m.ID] = m.Org
		}
	}
	for _, p := range cfg.Policies {
		t.policies[p.Path] = p
	}
	for _, c := range cfg.Consenters {
		if c.ID != 0 || len(c.Identity) > 0 {
			t.consenters[c.ID] = c
		}
	}
	return t
}

// addCRL records the revocations of a CRL signed by one of the MSP's CAs.
// CRLs that do not parse or are not signed by an MSP CA are ignored, as
// Fabric's MSP does.
func (mt *mspTrust) addCRL(der []byte, cas []*smx509.Certificate) {
	crl, err := smx509.ParseRevocationList(der)
	if err != nil {
		return
	}
	for _, ca := range cas {
		if !bytes.Equal(ca.RawSubject, crl.RawIssuer) || crl.CheckSignatureFrom(ca) != nil {
			continue
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber != nil {
				mt.revoked[string(crl.RawIssuer)+"/"+e.SerialNumber.String()] = true
			}
		}
		return
	}
}

// validate checks that cert chains to the CAs of mspID and is not revoked.
// Validity periods are checked separately against the signing time, as
// Fabric's MSP does, so results are cached per certificate.
func (t *trust) validate(mspID string, cert *smx509.Certificate) error {
	k := mspID + "\x00" + string(cert.Raw)
	if err, ok := t.validated[k]; ok {
		return err
	}
	err := t.validateUncached(mspID, cert)
	t.validated[k] = err
	return err
}

func (t *trust) validateUncached(mspID string, cert *smx509.Certificate) error {
	mt, ok := t.msps[mspID]
	if !ok {
		return fmt.Errorf("%w: %q", errUnknownMSP, mspID)
	}
	opts := smx509.VerifyOptions{
		Roots: mt.roots, Intermediates: mt.inters,
		CurrentTime: cert.NotBefore.Add(time.Second),
		KeyUsages:   []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny},
	}
	chains, err := cert.Verify(opts)
	if err != nil {
		return fmt.Errorf("%w %s: %w", errChain, mspID, err)
	}
	for _, chain := range chains {
		for _, c := range chain {
			if c.SerialNumber != nil && mt.revoked[string(c.RawIssuer)+"/"+c.SerialNumber.String()] {
				return fmt.Errorf("%w: serial %s issued by %s", errRevoked, c.SerialNumber.Text(16), c.Issuer)
			}
		}
	}
	return nil
}

// roles returns the roles an identity of mspID with cert holds: member
// always, then the NodeOU roles its OUs name and admin when it is listed
// among the MSP admins.
func (t *trust) roles(mspID string, cert *smx509.Certificate) []string {
	out := []string{roleMember}
	mt, ok := t.msps[mspID]
	if !ok {
		return out
	}
	if ou := mt.msp.NodeOUs; ou != nil && ou.Enabled {
		for _, u := range cert.Subject.OrganizationalUnit {
			switch u {
			case ou.Client:
				out = append(out, roleClient)
			case ou.Peer:
				out = append(out, rolePeer)
			case ou.Admin:
				out = append(out, roleAdmin)
			case ou.Orderer:
				out = append(out, roleOrderer)
			}
		}
	}
	for _, a := range mt.admins {
		if bytes.Equal(a, cert.Raw) && !slices.Contains(out, roleAdmin) {
			out = append(out, roleAdmin)
		}
	}
	return out
}

// classifies reports whether mspID classifies identities into any of
// roles by NodeOU. Roles whose OU identifier the MSP leaves empty are not
// enforced (older MSPs define client and peer only), except admin, which
// the admin certificate list also grants.
func (t *trust) classifies(mspID string, roles []string) bool {
	mt, ok := t.msps[mspID]
	if !ok || mt.msp.NodeOUs == nil || !mt.msp.NodeOUs.Enabled {
		return false
	}
	ou := mt.msp.NodeOUs
	for _, r := range roles {
		switch {
		case r == roleClient && ou.Client != "",
			r == rolePeer && ou.Peer != "",
			r == roleOrderer && ou.Orderer != "",
			r == roleAdmin:
			return true
		}
	}
	return false
}

// policy returns the parsed config policy at path.
func (t *trust) policy(path string) (fabric.PolicyRule, error) {
	if e, ok := t.parsed[path]; ok {
		return e.rule, e.err
	}
	p, ok := t.policies[path]
	var e policyEntry
	if ok {
		e.rule, e.err = fabric.ParsePolicy(p.Type, p.Raw)
	} else {
		e.err = fmt.Errorf("policy %s not in the channel config", path)
	}
	t.parsed[path] = e
	return e.rule, e.err
}

// children returns the names of the sub-groups of the config group at
// path, as seen from the policies defined in them.
func (t *trust) children(path string) []string {
	prefix := path + "/"
	var out []string
	for p := range t.policies {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i > 0 && !slices.Contains(out, rest[:i]) {
			out = append(out, rest[:i])
		}
	}
	slices.Sort(out)
	return out
}

// orgGroup returns the config group name of the application org with
// MSP id mspID.
func (t *trust) orgGroup(mspID string) (string, bool) {
	org, ok := t.appOrgs[mspID]
	return org, ok
}
