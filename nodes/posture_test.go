package nodes

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

const fixtures = "../../shared/fixtures"

// fixtureConfig decodes the channel config carried by a fixture block.
func fixtureConfig(t *testing.T, network, file string) *ledger.Config {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtures, network, "peer", file))
	if err != nil {
		t.Skipf("shared fixtures not present: %v", err)
	}
	b, err := fabric.DecodeBlock("fx", raw)
	if err != nil {
		t.Fatalf("DecodeBlock(%s) = %v", file, err)
	}
	if b.Config == nil {
		t.Fatalf("%s carries no config", file)
	}
	return b.Config
}

func rulesOf(fs []ledger.Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.Rule]++
	}
	return m
}

// TestPostureFixtures runs the posture rules on the real channel configs
// of the shared fixtures: one etcdraft consenter and one org.
func TestPostureFixtures(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		net, file string
		crypto    ledger.Crypto
		want      []string
	}{
		{"fabric-2.5.9", "mychannel_0.block", ledger.CryptoIntl, []string{"CONS-CFT-ONLY", "CONS-NO-FAULT-TOLERANCE", "CONS-SINGLE-ORG"}},
		{"fabric-2.5.9", "mychannel_11.block", ledger.CryptoIntl, []string{"CONS-CFT-ONLY", "CONS-NO-FAULT-TOLERANCE", "CONS-SINGLE-ORG"}},
		{"fabric-gm-sm2", "mychannel_0.block", ledger.CryptoGM, []string{"CONS-CFT-ONLY", "CONS-NO-ANCHOR-PEERS", "CONS-NO-FAULT-TOLERANCE", "CONS-SINGLE-ORG"}},
		// The same SM2 config judged as an international chain, and the
		// ECDSA config judged as a GM chain: only the latter is non-GM.
		{"fabric-2.5.9", "mychannel_0.block", ledger.CryptoGM, []string{"CONS-CFT-ONLY", "CONS-NO-FAULT-TOLERANCE", "CONS-NON-GM", "CONS-SINGLE-ORG"}},
	} {
		t.Run(c.net+"/"+c.file+"/"+string(c.crypto), func(t *testing.T) {
			cfg := fixtureConfig(t, c.net, c.file)
			got := slices.Sorted(maps.Keys(rulesOf(Posture(ledger.Chain{ID: "fx", Kind: ledger.KindFabric, Crypto: c.crypto}, cfg, nil, now))))
			if !slices.Equal(got, c.want) {
				t.Errorf("Posture(%s) rules = %v, want %v", c.file, got, c.want)
			}
		})
	}
}

// TestPostureHistoryFixture: block 11 only changes the batch timeout,
// which weakens nothing.
func TestPostureHistoryFixture(t *testing.T) {
	cfgs := []*ledger.Config{fixtureConfig(t, "fabric-2.5.9", "mychannel_0.block"), fixtureConfig(t, "fabric-2.5.9", "mychannel_11.block")}
	fs := PostureHistory(ledger.Chain{ID: "fx", Kind: ledger.KindFabric}, cfgs, nil, time.Now())
	if n := rulesOf(fs)[RuleWeakened.ID]; n != 0 {
		t.Errorf("PostureHistory(fixture) weakened findings = %d, want 0", n)
	}
}

func testCA(t *testing.T, cn string, notAfter time.Time) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.AddDate(-10, 0, 0), NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// goodConfig is a well-configured three-org channel: three Raft
// consenters... five, MAJORITY governing policies, NodeOUs, anchor peers,
// current capabilities, CAs valid for years, default batch settings.
func goodConfig(t *testing.T, now time.Time) *ledger.Config {
	ca := testCA(t, "ca", now.AddDate(5, 0, 0))
	cfg := &ledger.Config{
		Channel: "ch", Height: 0, Sequence: 1, Time: now, HashingAlgo: "SHA256", OrdererType: "BFT",
		Capabilities: map[string][]string{"Channel": {"V3_0"}, "Orderer": {"V2_0"}, "Application": {"V2_5"}},
		Batch:        ledger.BatchConfig{Timeout: "2s", MaxMessageCount: 500, AbsoluteMaxBytes: 10 << 20, PreferredMaxBytes: 2 << 20},
		Policies: []ledger.Policy{
			{Path: "/Channel/Application/Admins", Type: "ImplicitMeta", Rule: "MAJORITY Admins"},
			{Path: "/Channel/Application/Endorsement", Type: "ImplicitMeta", Rule: "MAJORITY Endorsement"},
			{Path: "/Channel/Application/LifecycleEndorsement", Type: "Signature", Rule: "OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')"},
		},
	}
	for i := range 4 {
		cfg.Consenters = append(cfg.Consenters, ledger.Consenter{ID: uint32(i + 1), Host: "orderer" + string(rune('0'+i)), Port: 7050})
	}
	ous := &ledger.NodeOUs{Enabled: true}
	cfg.MSPs = append(cfg.MSPs, ledger.MSP{ID: "OrdererMSP", Group: "Orderer", RootCerts: [][]byte{ca}, TLSRootCerts: [][]byte{ca}, NodeOUs: ous})
	for _, org := range []string{"Org1MSP", "Org2MSP", "Org3MSP"} {
		cfg.MSPs = append(cfg.MSPs, ledger.MSP{ID: org, Group: "Application", RootCerts: [][]byte{ca}, TLSRootCerts: [][]byte{ca},
			NodeOUs: ous, AnchorPeers: []string{"peer0." + strings.ToLower(org) + ":7051"}})
	}
	return cfg
}

// TestPostureWellConfigured is the false-positive check: a sound
// consortium config raises nothing high or critical (nothing at all here).
func TestPostureWellConfigured(t *testing.T) {
	now := time.Now()
	cfg := goodConfig(t, now)
	ccs := []ledger.Contract{
		{Address: "kvcc", Policy: "AND('Org1MSP.peer', 'Org2MSP.peer')"},
		{Address: "defaulted"}, // the channel's Endorsement policy
		{Address: "ref", Policy: "/Channel/Application/LifecycleEndorsement"},
	}
	for _, f := range Posture(ledger.Chain{ID: "good", Kind: ledger.KindFabric}, cfg, ccs, now) {
		t.Errorf("Posture(good config) raised %s (%s): %s", f.Rule, f.Severity, f.Message)
	}
}

// TestPostureWeak crafts one weakness per rule into the good config.
func TestPostureWeak(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name string
		edit func(c *ledger.Config)
		gm   bool
		ccs  []ledger.Contract
		want string
		sev  ledger.Severity
	}{
		{"one raft consenter", func(c *ledger.Config) { c.OrdererType, c.Consenters = "etcdraft", c.Consenters[:1] }, false, nil, "CONS-NO-FAULT-TOLERANCE", ledger.High},
		{"three BFT consenters", func(c *ledger.Config) { c.Consenters = c.Consenters[:3] }, false, nil, "CONS-NO-FAULT-TOLERANCE", ledger.High},
		{"raft is CFT", func(c *ledger.Config) { c.OrdererType = "etcdraft"; c.Consenters = c.Consenters[:3] }, false, nil, "CONS-CFT-ONLY", ledger.Low},
		{"even raft", func(c *ledger.Config) { c.OrdererType = "etcdraft" }, false, nil, "CONS-EVEN-CONSENTERS", ledger.Low},
		{"ANY admins", func(c *ledger.Config) { c.Policies[0].Rule = "ANY Admins" }, false, nil, "CONS-POLICY-ANY", ledger.High},
		{"single-org lifecycle", func(c *ledger.Config) {
			c.Policies[2].Rule = "OR(AND('Org1MSP.peer', 'Org1MSP.admin'), AND('Org2MSP.peer', 'Org3MSP.peer'))"
		}, false, nil, "CONS-POLICY-SINGLE-ORG", ledger.High},
		{"chaincode OR", nil, false, []ledger.Contract{{Address: "cc", Policy: "OR('Org1MSP.peer', 'Org2MSP.peer')"}}, "CONS-CC-SINGLE-ORG", ledger.High},
		{"chaincode ref ANY", func(c *ledger.Config) { c.Policies[1].Rule = "ANY Endorsement" }, false, []ledger.Contract{{Address: "cc"}}, "CONS-CC-SINGLE-ORG", ledger.High},
		{"v1.4 capabilities", func(c *ledger.Config) { c.Capabilities["Application"] = []string{"V1_4_2"} }, false, nil, "CONS-CAPABILITY-OUTDATED", ledger.Medium},
		{"expired CA", func(c *ledger.Config) { c.MSPs[1].RootCerts = [][]byte{testCA(t, "old", now.AddDate(0, -1, 0))} }, false, nil, "CONS-CA-EXPIRED", ledger.Critical},
		{"expiring TLS CA", func(c *ledger.Config) { c.MSPs[2].TLSRootCerts = [][]byte{testCA(t, "soon", now.AddDate(0, 1, 0))} }, false, nil, "CONS-CA-EXPIRING", ledger.Medium},
		{"NodeOUs off", func(c *ledger.Config) { c.MSPs[3].NodeOUs = nil }, false, nil, "CONS-NODEOUS-DISABLED", ledger.Medium},
		{"no anchors", func(c *ledger.Config) { c.MSPs[1].AnchorPeers = nil }, false, nil, "CONS-NO-ANCHOR-PEERS", ledger.Low},
		{"batch timeout", func(c *ledger.Config) { c.Batch.Timeout = "10ms" }, false, nil, "CONS-BATCH-RANGE", ledger.Low},
		{"preferred above absolute", func(c *ledger.Config) { c.Batch.PreferredMaxBytes = c.Batch.AbsoluteMaxBytes + 1 }, false, nil, "CONS-BATCH-RANGE", ledger.Low},
		{"ECDSA on GM", nil, true, nil, "CONS-NON-GM", ledger.High},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := goodConfig(t, now)
			if c.edit != nil {
				c.edit(cfg)
			}
			chain := ledger.Chain{ID: "weak", Kind: ledger.KindFabric, Crypto: ledger.CryptoIntl}
			if c.gm {
				chain.Crypto = ledger.CryptoGM
			}
			var hit *ledger.Finding
			fs := Posture(chain, cfg, c.ccs, now)
			for i := range fs {
				if fs[i].Rule == c.want {
					hit = &fs[i]
				}
			}
			if hit == nil {
				t.Fatalf("Posture(%s) rules = %v, want %s", c.name, rulesOf(fs), c.want)
			}
			if hit.Severity != c.sev {
				t.Errorf("Posture(%s) %s severity = %s, want %s", c.name, c.want, hit.Severity, c.sev)
			}
		})
	}
}

// TestPostureWeakenedUpdate: an update that turns Admins into ANY is a
// finding naming both heights and the diff route.
func TestPostureWeakenedUpdate(t *testing.T) {
	now := time.Now()
	v0 := goodConfig(t, now.Add(-time.Hour))
	v1 := goodConfig(t, now)
	v1.Height, v1.Sequence = 7, 2
	v1.Policies[0].Rule = "ANY Admins"
	v2 := goodConfig(t, now)
	v2.Height, v2.Sequence = 9, 3
	v2.Policies[0].Rule = "ANY Admins"
	v2.Batch.Timeout = "3s" // no new weakness
	fs := PostureHistory(ledger.Chain{ID: "c1", Kind: ledger.KindFabric}, []*ledger.Config{v0, v1, v2}, nil, now)
	var weak []ledger.Finding
	for _, f := range fs {
		if f.Rule == RuleWeakened.ID {
			weak = append(weak, f)
		}
	}
	if len(weak) != 1 {
		t.Fatalf("PostureHistory weakened findings = %d, want 1: %v", len(weak), rulesOf(fs))
	}
	ev := weak[0].Evidence
	if ev["fromHeight"] != "0" || ev["toHeight"] != "7" || ev["diff"] != "/api/v1/chains/c1/config/diff?from=0&to=7" ||
		!strings.Contains(ev["added"], "CONS-POLICY-ANY") {
		t.Errorf("weakened evidence = %v", ev)
	}
	if rulesOf(fs)[RulePolicyAny.ID] != 1 {
		t.Errorf("current posture lacks CONS-POLICY-ANY: %v", rulesOf(fs))
	}
}

func TestFaultTolerance(t *testing.T) {
	for _, c := range []struct {
		typ  string
		n, f int
	}{{"etcdraft", 1, 0}, {"etcdraft", 3, 1}, {"etcdraft", 4, 1}, {"etcdraft", 5, 2}, {"BFT", 3, 0}, {"BFT", 4, 1}, {"BFT", 7, 2}, {"solo", 1, 0}} {
		if got := FaultTolerance(c.typ, c.n); got != c.f {
			t.Errorf("FaultTolerance(%s, %d) = %d, want %d", c.typ, c.n, got, c.f)
		}
	}
}
