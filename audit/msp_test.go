package audit

import (
	"crypto"
	"crypto/rand"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// issue makes a certificate for subject signed by parent (self-signed when
// parent is nil); CA certificates can sign further.
func issue(t testing.TB, cn string, serial int64, ca bool, parent *smx509.Certificate, parentKey crypto.Signer, ous ...string) (*smx509.Certificate, crypto.Signer) {
	t.Helper()
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, OrganizationalUnit: ous},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: ca, BasicConstraintsValid: true,
	}
	if ca {
		tmpl.KeyUsage = smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign
	}
	signer := crypto.Signer(priv)
	if parent == nil {
		parent = tmpl
	} else {
		signer = parentKey
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, parent, priv.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, priv
}

// TestTrustValidate checks chains through intermediates, CRLs, unknown
// MSPs and NodeOU roles.
func TestTrustValidate(t *testing.T) {
	root, rootKey := issue(t, "root", 1, true, nil, nil)
	inter, interKey := issue(t, "inter", 2, true, root, rootKey)
	good, _ := issue(t, "good", 10, false, inter, interKey, "peer")
	revoked, _ := issue(t, "revoked", 11, false, inter, interKey, "client")
	other, otherKey := issue(t, "other-root", 3, true, nil, nil)
	stranger, _ := issue(t, "stranger", 12, false, other, otherKey)
	crl, err := smx509.CreateRevocationList(rand.Reader, &smx509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), NextUpdate: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		RevokedCertificateEntries: []smx509.RevocationListEntry{{SerialNumber: big.NewInt(11), RevocationTime: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}},
	}, inter, interKey)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTrust(&ledger.Config{MSPs: []ledger.MSP{{
		ID: "Org1MSP", Group: "Application", Org: "Org1", RootCerts: [][]byte{root.Raw}, Intermediates: [][]byte{inter.Raw},
		CRLs: [][]byte{crl}, NodeOUs: &ledger.NodeOUs{Enabled: true, Client: "client", Peer: "peer", Admin: "admin", Orderer: "orderer"},
	}}})
	tests := []struct {
		name string
		msp  string
		cert *smx509.Certificate
		want error
	}{
		{"through intermediate", "Org1MSP", good, nil},
		{"revoked", "Org1MSP", revoked, errRevoked},
		{"other CA", "Org1MSP", stranger, errChain},
		{"unknown MSP", "Org9MSP", good, errUnknownMSP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second call is answered from the cache
				if err := tr.validate(tt.msp, tt.cert); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Errorf("validate(%s, %s) = %v, want %v", tt.msp, tt.cert.Subject.CommonName, err, tt.want)
				}
			}
		})
	}
	if roles := tr.roles("Org1MSP", good); len(roles) != 2 || roles[1] != rolePeer {
		t.Errorf("roles(good) = %v, want [member peer]", roles)
	}
	old := newTrust(&ledger.Config{MSPs: []ledger.MSP{{ID: "OldMSP", NodeOUs: &ledger.NodeOUs{Enabled: true, Client: "client", Peer: "peer"}}}})
	for _, c := range []struct {
		t     *trust
		msp   string
		roles []string
		want  bool
	}{
		{tr, "Org1MSP", []string{roleOrderer}, true},
		{old, "OldMSP", []string{roleOrderer}, false},
		{old, "OldMSP", []string{rolePeer}, true},
		{tr, "Org9MSP", []string{rolePeer}, false},
	} {
		if got := c.t.classifies(c.msp, c.roles); got != c.want {
			t.Errorf("classifies(%s, %v) = %v, want %v", c.msp, c.roles, got, c.want)
		}
	}
	if g, ok := tr.orgGroup("Org1MSP"); !ok || g != "Org1" {
		t.Errorf("orgGroup(Org1MSP) = %q, %v", g, ok)
	}
}

// TestExpiredSignerStillCounts checks that a signer whose certificate was
// not valid at the signing time is reported, but still counts for
// policies, as Fabric's MSP does not check validity periods.
func TestExpiredSignerStillCounts(t *testing.T) {
	nw := networks[0]
	genesis, err := fabric.DecodeBlock("test", readChain(t, nw.dir+"/peer", "mychannel_")[0])
	if err != nil {
		t.Fatal(err)
	}
	tr := newTrust(genesis.Config)
	a := newAuditor(t, nw.crypto)
	peer := loadKey(t, nw.dir, nw.orgDir+"/peers/peer0.org1.example.com")
	s := a.fab().v.signerOf(peer.identity("Org1MSP"))
	res := &BlockResult{}
	var v ledger.Verdict
	late := s.cert.NotAfter.Add(24 * time.Hour)
	c := sigCheck{res: res, v: &v, subj: ledger.Subject{Kind: "tx", Ref: "t"}, name: "endorsement-0", desc: "block 3 tx 0", report: true, at: late}
	pt, ok := a.fab().checkSigner(c, tr, s, []string{rolePeer})
	if !ok || pt.mspID != "Org1MSP" {
		t.Errorf("checkSigner(expired) = %+v, %v; want the party", pt, ok)
	}
	if len(res.Findings) != 1 || res.Findings[0].Rule != RuleCertTime.ID || res.Findings[0].Category == ledger.CatIntegrity {
		t.Errorf("findings = %+v, want one non-integrity %s", res.Findings, RuleCertTime.ID)
	}
}
