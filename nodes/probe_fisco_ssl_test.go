package nodes

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
)

// fiscoCA issues certificates with smx509, SM2 or ECDSA P-256 alike.
type fiscoCA struct {
	cert *smx509.Certificate
	key  any
	pem  string
}

func newFiscoCA(t *testing.T, gm bool) *fiscoCA {
	t.Helper()
	key := newKey(t, gm)
	tmpl := &smx509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chain", Organization: []string{"fisco-bcos"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: smx509.KeyUsageCertSign | smx509.KeyUsageDigitalSignature}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, publicOf(key), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := smx509.ParseCertificate(der)
	return &fiscoCA{cert: c, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

func newKey(t *testing.T, gm bool) any {
	t.Helper()
	if gm {
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func publicOf(k any) any {
	switch k := k.(type) {
	case *sm2.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	}
	return nil
}

// issue makes a node certificate; usage tells a GM signing certificate
// (digitalSignature) from an encryption one (keyEncipherment).
func (ca *fiscoCA) issue(t *testing.T, gm bool, name string, usage smx509.KeyUsage, notAfter time.Time) ([]byte, any) {
	t.Helper()
	key := newKey(t, gm)
	tmpl := &smx509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name, Organization: []string{"fisco-bcos"}},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: notAfter, KeyUsage: usage,
		ExtKeyUsage: []smx509.ExtKeyUsage{smx509.ExtKeyUsageServerAuth, smx509.ExtKeyUsageClientAuth}}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.cert, publicOf(key), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

// flightServer answers a ClientHello of version with a first flight
// (ServerHello, Certificate, [CertificateRequest], ServerHelloDone), the
// way a TASSL GM SSL node or an OpenSSL node with a secp256k1 certificate
// does, and any other hello with a handshake_failure alert. Go's
// crypto/tls speaks neither, hence the hand-written records.
func flightServer(t *testing.T, version, suite uint16, certs [][]byte, certReq bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	rec := func(typ byte, body []byte) []byte {
		out := []byte{typ, byte(version >> 8), byte(version), byte(len(body) >> 8), byte(len(body))}
		return append(out, body...)
	}
	hs := func(typ byte, body []byte) []byte {
		return rec(recordHandshake, append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...))
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				var hdr [5]byte
				if _, err := io.ReadFull(c, hdr[:]); err != nil {
					return
				}
				body := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
				if _, err := io.ReadFull(c, body); err != nil || len(body) < 6 {
					return
				}
				if binary.BigEndian.Uint16(body[4:]) != version {
					_, _ = c.Write(rec(recordAlert, []byte{2, 40}))
					return
				}
				hello := binary.BigEndian.AppendUint16(nil, version)
				hello = append(hello, make([]byte, 32)...)
				hello = append(hello, 0)
				hello = binary.BigEndian.AppendUint16(hello, suite)
				hello = append(hello, 0)
				var list []byte
				for _, der := range certs {
					list = append(list, byte(len(der)>>16), byte(len(der)>>8), byte(len(der)))
					list = append(list, der...)
				}
				flight := hs(hsServerHello, hello)
				flight = append(flight, hs(hsCertificate, append([]byte{byte(len(list) >> 16), byte(len(list) >> 8), byte(len(list))}, list...))...)
				if certReq {
					flight = append(flight, hs(hsCertRequest, []byte{1, 64, 0, 0})...)
				}
				flight = append(flight, hs(hsServerHelloDone, nil)...)
				_, _ = c.Write(flight)
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return l.Addr().String()
}

// tlsServer is a real crypto/tls server with an ECDSA P-256 certificate.
func tlsServer(t *testing.T, ca *fiscoCA, auth tls.ClientAuthType) string {
	t.Helper()
	der, key := ca.issue(t, false, "node0", smx509.KeyUsageDigitalSignature, time.Now().Add(365*24*time.Hour))
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{ClientAuth: auth,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return l.Addr().String()
}

// secp256k1Cert builds a 2.x style node certificate: a secp256k1 key
// (the node id, 04-prefixed, is the key) signed by an RSA CA with
// SHA256-RSA, which crypto/x509 and smx509 cannot parse.
func secp256k1Cert(t *testing.T, nodeID string, caKey *rsa.PrivateKey, ca *x509.Certificate) []byte {
	t.Helper()
	pub, _ := hex.DecodeString("04" + nodeID)
	curve, _ := asn1.Marshal(oidSecp256k1)
	type algID struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	tbs := struct {
		Version  int `asn1:"explicit,tag:0"`
		Serial   *big.Int
		SigAlg   algID
		Issuer   asn1.RawValue
		Validity struct{ NotBefore, NotAfter time.Time }
		Subject  asn1.RawValue
		SPKI     struct {
			Algorithm algID
			PublicKey asn1.BitString
		}
	}{Version: 2, Serial: big.NewInt(7), SigAlg: algID{Algorithm: oidSigRSA256, Parameters: asn1.NullRawValue}}
	tbs.Issuer.FullBytes = ca.RawSubject
	tbs.Subject.FullBytes, _ = asn1.Marshal(pkix.Name{CommonName: "node0", Organization: []string{"agency"}}.ToRDNSequence())
	tbs.Validity.NotBefore, tbs.Validity.NotAfter = time.Now().Add(-time.Hour).UTC().Truncate(time.Second), time.Now().Add(365*24*time.Hour).UTC().Truncate(time.Second)
	tbs.SPKI.Algorithm = algID{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: curve}}
	tbs.SPKI.PublicKey = asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tbsDER)
	sig, err := rsa.SignPKCS1v15(rand.Reader, caKey, 5 /* crypto.SHA256 */, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS    asn1.RawValue
		SigAlg algID
		Sig    asn1.BitString
	}{asn1.RawValue{FullBytes: tbsDER}, algID{Algorithm: oidSigRSA256, Parameters: asn1.NullRawValue}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func rsaCA(t *testing.T) (*rsa.PrivateKey, *x509.Certificate, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chain"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return key, c, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestProbeFiscoSSL checks the P2P SSL port of a node on GM and
// international chains: clean, and each certificate finding.
func TestProbeFiscoSSL(t *testing.T) {
	gmCA, otherGM, intlCA := newFiscoCA(t, true), newFiscoCA(t, true), newFiscoCA(t, false)
	year := time.Now().Add(365 * 24 * time.Hour)
	sign, _ := gmCA.issue(t, true, "node0", smx509.KeyUsageDigitalSignature, year)
	enc, _ := gmCA.issue(t, true, "node0", smx509.KeyUsageKeyEncipherment|smx509.KeyUsageDataEncipherment, year)
	oldEnc, _ := gmCA.issue(t, true, "node0", smx509.KeyUsageKeyEncipherment, time.Now().Add(-time.Minute))
	rsaKey, rsaCert, rsaPEM := rsaCA(t)
	k1 := secp256k1Cert(t, fiscoID0, rsaKey, rsaCert)

	gm := ledger.Chain{ID: "fisco", Kind: ledger.KindFisco, Crypto: ledger.CryptoGM}
	intl := ledger.Chain{ID: "fisco", Kind: ledger.KindFisco, Crypto: ledger.CryptoIntl}
	cases := []struct {
		name  string
		chain ledger.Chain
		rpc   func() *fakeFisco
		p2p   string
		ca    string
		id    string
		want  []string
		certs int // certificate evidence records
	}{
		{"gm tlcp clean", gm, healthy3, flightServer(t, versionTLCP, 0xe013, [][]byte{sign, enc}, true), gmCA.pem, fiscoID0, nil, 2},
		{"gm tlcp expired enc", gm, healthy3, flightServer(t, versionTLCP, 0xe011, [][]byte{sign, oldEnc}, true), gmCA.pem, fiscoID0,
			[]string{"NODE-TLS-EXPIRED"}, 2},
		{"gm tlcp other ca", gm, healthy3, flightServer(t, versionTLCP, 0xe013, [][]byte{sign, enc}, true), otherGM.pem, fiscoID0,
			[]string{"NODE-TLS-UNTRUSTED", "NODE-TLS-UNTRUSTED"}, 2},
		{"gm chain, standard tls", gm, healthy3, tlsServer(t, intlCA, tls.RequireAnyClientCert), intlCA.pem, fiscoID0,
			[]string{"NODE-FISCO-SSL-NOT-SM", "NODE-TLS-NOT-SM2"}, 1},
		{"intl tls without client auth", intl, healthy3, tlsServer(t, intlCA, tls.NoClientCert), intlCA.pem, fiscoID0,
			[]string{"NODE-FISCO-SSL-NO-CLIENT-AUTH"}, 1},
		{"2.x secp256k1 node cert", intl, healthy2, flightServer(t, versionTLS12, 0xc02b, [][]byte{k1}, true), rsaPEM, fiscoID0, nil, 1},
		{"2.x secp256k1 cert of another node", intl, func() *fakeFisco { f := healthy2(); f.nodeID = fiscoID1; return f },
			flightServer(t, versionTLS12, 0xc02b, [][]byte{k1}, true), rsaPEM, fiscoID1, []string{"NODE-FISCO-NODE-ID"}, 1},
		{"2.x secp256k1 cert, other ca", intl, healthy2, flightServer(t, versionTLS12, 0xc02b, [][]byte{k1}, true), intlCA.pem, fiscoID0,
			[]string{"NODE-TLS-UNTRUSTED"}, 1},
	}
	p := fiscoProber(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.rpc())
			defer srv.Close()
			n := Node{ID: "n0", Chain: "fisco", Org: "Org1", Kind: FiscoSealer, Endpoint: srv.URL, NodeID: c.id, P2P: c.p2p, TLSCA: c.ca}
			if err := n.Validate(); err != nil {
				t.Fatal(err)
			}
			res := p.Probe(context.Background(), Target{Node: n, Chain: c.chain})
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Rule)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("Probe(%s) rules = %v, want %v\nfindings %+v", c.name, got, c.want, res.Findings)
			}
			certs := 0
			for _, e := range res.Evidence {
				if e.Check == "p2p-cert" || e.Check == "p2p-sign-cert" || e.Check == "p2p-enc-cert" {
					certs++
				}
			}
			if certs != c.certs {
				t.Errorf("Probe(%s) read %d certificates, want %d; evidence %+v", c.name, certs, c.certs, res.Evidence)
			}
		})
	}
}

// TestProbeFiscoNotSSL: a P2P port that does not speak SSL is recorded,
// not mistaken for a certificate.
func TestProbeFiscoNotSSL(t *testing.T) {
	plain := httptest.NewServer(healthy3())
	defer plain.Close()
	srv := httptest.NewServer(healthy3())
	defer srv.Close()
	n := Node{ID: "n0", Chain: "fisco", Org: "Org1", Kind: FiscoSealer, Endpoint: srv.URL, NodeID: fiscoID0, P2P: plain.Listener.Addr().String()}
	res := fiscoProber(t).Probe(context.Background(), Target{Node: n, Chain: ledger.Chain{ID: "fisco", Kind: ledger.KindFisco}})
	if got := rulesOf(res.Findings); len(got) != 1 || got["NODE-TLS-HANDSHAKE"] != 1 {
		t.Errorf("Probe(plain p2p) rules = %s, want NODE-TLS-HANDSHAKE", rulesList(res.Findings))
	}
}

// FuzzReadFlight: the server flight parser takes untrusted bytes.
func FuzzReadFlight(f *testing.F) {
	f.Add([]byte{22, 3, 3, 0, 4, 14, 0, 0, 0})
	f.Add([]byte{21, 1, 1, 0, 2, 2, 40})
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := readFlight(bytes.NewReader(b))
		if err == nil && h == nil {
			t.Fatal("readFlight returned neither a hello nor an error")
		}
		if h != nil {
			for _, der := range h.certs {
				_, _ = readCert(der)
			}
		}
	})
}

// TestProbeFiscoHTTPS: a 3.x RPC with SSL on. Without client
// authentication the probe reads JSON-RPC and flags the port; with it
// (the 3.x default) it checks the certificate and skips the status checks.
func TestProbeFiscoHTTPS(t *testing.T) {
	chain := ledger.Chain{ID: "fisco", Kind: ledger.KindFisco}
	for _, c := range []struct {
		name    string
		auth    tls.ClientAuthType
		want    []string
		version string
	}{
		{"ssl without client auth", tls.NoClientCert, []string{"NODE-FISCO-SSL-NO-CLIENT-AUTH"}, "3.6.0"},
		{"mutual ssl", tls.RequireAnyClientCert, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(healthy3())
			srv.TLS = &tls.Config{ClientAuth: c.auth}
			srv.StartTLS()
			defer srv.Close()
			n := Node{ID: "n0", Chain: "fisco", Org: "Org1", Kind: FiscoSealer, Endpoint: srv.URL, NodeID: fiscoID0}
			res := fiscoProber(t).Probe(context.Background(), Target{Node: n, Chain: chain})
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Rule)
			}
			if !slices.Equal(got, c.want) || !res.Reachable || res.Version != c.version {
				t.Errorf("Probe(%s) rules = %v reachable=%v version=%q, want %v, reachable, %q", c.name, got, res.Reachable, res.Version, c.want, c.version)
			}
		})
	}
}
