package audit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// testCert makes a throwaway certificate with the given OUs.
func testCert(t testing.TB, cn string, ous ...string) *smx509.Certificate {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &smx509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: ous},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rolePrincipal(msp, role string) fabric.Principal {
	return fabric.Principal{Kind: fabric.PrincipalRole, MSPID: msp, Role: role}
}

func leaf(i int) fabric.SignatureRule { return fabric.SignatureRule{SignedBy: i} }

func outOf(n int, rs ...fabric.SignatureRule) fabric.SignatureRule {
	return fabric.SignatureRule{SignedBy: -1, N: n, Rules: rs}
}

// TestPolicies evaluates signature and implicit meta policies over a
// three-org application group.
func TestPolicies(t *testing.T) {
	orgPolicy := func(msp string) fabric.PolicyRule {
		return fabric.PolicyRule{Signature: &fabric.SignaturePolicy{Rule: outOf(1, leaf(0)), Principals: []fabric.Principal{rolePrincipal(msp, rolePeer)}}}
	}
	tr := newTrust(&ledger.Config{})
	rules := map[string]fabric.PolicyRule{
		"/Channel/Application/Org1/Endorsement": orgPolicy("Org1MSP"),
		"/Channel/Application/Org2/Endorsement": orgPolicy("Org2MSP"),
		"/Channel/Application/Org3/Endorsement": orgPolicy("Org3MSP"),
		"/Channel/Application/Majority":         {Implicit: &fabric.ImplicitMeta{Rule: "MAJORITY", SubPolicy: "Endorsement"}},
		"/Channel/Application/Any":              {Implicit: &fabric.ImplicitMeta{Rule: "ANY", SubPolicy: "Endorsement"}},
		"/Channel/Application/All":              {Implicit: &fabric.ImplicitMeta{Rule: "ALL", SubPolicy: "Endorsement"}},
		"/Channel/Application/TwoPeersOfOrg1": {Signature: &fabric.SignaturePolicy{
			Rule: outOf(2, leaf(0), leaf(0)), Principals: []fabric.Principal{rolePrincipal("Org1MSP", rolePeer)}}},
		"/Channel/Application/Org1AndAdmin2": {Signature: &fabric.SignaturePolicy{
			Rule: outOf(2, leaf(0), outOf(1, leaf(1))), Principals: []fabric.Principal{rolePrincipal("Org1MSP", roleMember), rolePrincipal("Org2MSP", roleAdmin)}}},
	}
	for path, r := range rules {
		tr.policies[path] = ledger.Policy{Path: path}
		tr.parsed[path] = policyEntry{rule: r}
	}
	p1 := party{mspID: "Org1MSP", cert: testCert(t, "peer1", "peer"), roles: []string{roleMember, rolePeer}}
	p1b := party{mspID: "Org1MSP", cert: testCert(t, "peer1b", "peer"), roles: []string{roleMember, rolePeer}}
	p2 := party{mspID: "Org2MSP", cert: testCert(t, "peer2", "peer"), roles: []string{roleMember, rolePeer}}
	a2 := party{mspID: "Org2MSP", cert: testCert(t, "admin2", "admin"), roles: []string{roleMember, roleAdmin}}
	p3 := party{mspID: "Org3MSP", cert: testCert(t, "peer3", "peer"), roles: []string{roleMember, rolePeer}}
	tests := []struct {
		policy  string
		parties []party
		want    bool
	}{
		{"/Channel/Application/Majority", []party{p1, p2}, true},
		{"/Channel/Application/Majority", []party{p1}, false},
		{"/Channel/Application/Majority", []party{p1, p1b}, false},
		{"/Channel/Application/Any", []party{p3}, true},
		{"/Channel/Application/Any", nil, false},
		{"/Channel/Application/All", []party{p1, p2}, false},
		{"/Channel/Application/All", []party{p1, p2, p3}, true},
		{"/Channel/Application/All", []party{p1, a2, p3}, false},
		{"/Channel/Application/TwoPeersOfOrg1", []party{p1}, false},
		{"/Channel/Application/TwoPeersOfOrg1", []party{p1, p1b}, true},
		{"/Channel/Application/Org1AndAdmin2", []party{p1, p2}, false},
		{"/Channel/Application/Org1AndAdmin2", []party{a2, p1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			got, err := tr.satisfies(tt.policy, tt.parties)
			if err != nil || got != tt.want {
				t.Errorf("satisfies(%s, %s) = %v, %v, want %v", tt.policy, partyNames(tt.parties), got, err, tt.want)
			}
		})
	}
	if _, err := tr.satisfies("/Channel/Application/Missing", []party{p1}); err == nil {
		t.Error("satisfies(missing policy) error = nil")
	}
	if got := addParty([]party{p1}, p1); len(got) != 1 {
		t.Errorf("addParty(duplicate) = %d parties, want 1", len(got))
	}
}

// TestProposalAuth resolves the policies a creator is held to: channel
// ACL overrides (relative names qualified under /Channel/Application),
// `_lifecycle` resources, system chaincodes and maintenance mode.
func TestProposalAuth(t *testing.T) {
	tr := newTrust(&ledger.Config{ACLs: map[string]string{
		"peer/Propose":                         "ProposeWriters",
		"_lifecycle/CommitChaincodeDefinition": "/Channel/Application/Admins",
	}})
	plain := newTrust(&ledger.Config{})
	tx := func(cc, fn string) *ledger.Tx {
		return &ledger.Tx{Function: fn, Fabric: &ledger.FabricTx{Chaincode: cc}}
	}
	tests := []struct {
		name string
		tr   *trust
		tx   *ledger.Tx
		want proposalAuth
	}{
		{"application chaincode", plain, tx("kvcc", "put"), proposalAuth{resource: aclPropose, policy: applicationWriters}},
		{"peer/Propose overridden", tr, tx("kvcc", "put"), proposalAuth{resource: aclPropose, policy: "/Channel/Application/ProposeWriters"}},
		{"commit", plain, tx(lifecycleNS, "CommitChaincodeDefinition"),
			proposalAuth{resource: "_lifecycle/CommitChaincodeDefinition", policy: applicationWriters}},
		{"commit overridden", tr, tx(lifecycleNS, "CommitChaincodeDefinition"),
			proposalAuth{resource: "_lifecycle/CommitChaincodeDefinition", policy: "/Channel/Application/Admins"}},
		{"approve: the peer's local admins", tr, tx(lifecycleNS, "ApproveChaincodeDefinitionForMyOrg"),
			proposalAuth{resource: "_lifecycle/ApproveChaincodeDefinitionForMyOrg"}},
		{"qscc", plain, tx("qscc", "GetChainInfo"), proposalAuth{resource: "qscc", skip: "system chaincode qscc authorises its callers itself"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tr.proposalAuth(tt.tx); got != tt.want {
				t.Errorf("proposalAuth(%s %s) = %+v, want %+v", tt.tx.Fabric.Chaincode, tt.tx.Function, got, tt.want)
			}
		})
	}
	if got := plain.sigFilterPolicy(); got != channelWriters {
		t.Errorf("sigFilterPolicy() = %s, want %s", got, channelWriters)
	}
	plain.maintenance = true
	if got := plain.sigFilterPolicy(); got != ordererWriters {
		t.Errorf("sigFilterPolicy() in maintenance = %s, want %s", got, ordererWriters)
	}
}

// TestImplicitMetaNoGroups checks Fabric's rule that an implicit meta
// policy over no sub-groups (an Application group without orgs) is
// satisfied, and that authorises caches per signer.
func TestImplicitMetaNoGroups(t *testing.T) {
	tr := newTrust(&ledger.Config{})
	for _, rule := range []string{"ANY", "ALL", "MAJORITY"} {
		path := "/Channel/Application/" + rule
		tr.policies[path] = ledger.Policy{Path: path}
		tr.parsed[path] = policyEntry{rule: fabric.PolicyRule{Implicit: &fabric.ImplicitMeta{Rule: rule, SubPolicy: "Writers"}}}
		p := party{mspID: "Org1MSP", cert: testCert(t, "user1", "client"), roles: []string{roleMember, roleClient}}
		if ok, err := tr.authorises(path, p); !ok || err != nil {
			t.Errorf("authorises(%s over no groups) = %v, %v, want true", rule, ok, err)
		}
		if _, ok := tr.authorised[authKey{policy: path, mspID: p.mspID, cert: p.cert}]; !ok {
			t.Errorf("authorises(%s) result not cached", rule)
		}
	}
}
