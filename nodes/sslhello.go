package nodes

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
)

// SSL protocol versions a hello can speak.
const (
	versionTLS12 uint16 = 0x0303
	versionTLCP  uint16 = 0x0101 // GM/T 0024-2014 SSL VPN, GB/T 38636-2020 TLCP
)

// TLS record and handshake types (RFC 5246; TLCP uses the same).
const (
	recordAlert     = 21
	recordHandshake = 22

	hsServerHello     = 2
	hsCertificate     = 11
	hsCertRequest     = 13
	hsServerHelloDone = 14
)

// Hello limits: a server's first flight is a few KiB; anything much
// larger is not a hello.
const (
	maxRecord = 16384 + 2048
	maxFlight = 256 << 10
)

// errNotSSL means the server answered, but not with an SSL record.
var errNotSSL = errors.New("not an SSL/TLS server")

// sslHello is what a server's first handshake flight showed: FISCO BCOS
// SSL ports require a client certificate (as do TLCP ECDHE suites), so
// the probe reads the certificates the server sends in the clear before
// it asks for one, instead of completing a handshake it cannot finish.
type sslHello struct {
	version uint16   // the version the server hello chose
	suite   uint16   // the cipher suite it chose
	certs   [][]byte // DER certificates, in the order sent
	certReq bool     // the server sent a CertificateRequest
	alert   byte     // alert description when the server refused the hello
	refused bool     // the server answered with an alert
}

// String summarises h for evidence.
func (h *sslHello) String() string {
	if h.refused {
		return fmt.Sprintf("alert %d", h.alert)
	}
	name := "TLS 1.2"
	if h.version == versionTLCP {
		name = "GM SSL/TLCP 1.1"
	}
	return fmt.Sprintf("%s, cipher suite 0x%04x, %d certificate(s), client certificate requested: %v", name, h.suite, len(h.certs), h.certReq)
}

// Cipher suites offered.
var (
	// TLS 1.2 ECDHE/RSA suites, ECDSA first: FISCO BCOS non-GM nodes
	// present secp256k1 certificates.
	tls12Suites = []uint16{0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc00a, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	// TLCP suites (GB/T 38636-2020): ECC_SM4_CBC_SM3, ECDHE_SM4_CBC_SM3,
	// ECC_SM4_GCM_SM3, ECDHE_SM4_GCM_SM3.
	tlcpSuites = []uint16{0xe013, 0xe011, 0xe053, 0xe051}
)

// clientHello builds the record of a ClientHello for version.
func clientHello(version uint16, serverName string) []byte {
	var random [32]byte
	_, _ = rand.Read(random[:])
	binary.BigEndian.PutUint32(random[:4], uint32(time.Now().Unix()))
	suites := tls12Suites
	if version == versionTLCP {
		suites = tlcpSuites
	}
	body := binary.BigEndian.AppendUint16(nil, version)
	body = append(body, random[:]...)
	body = append(body, 0) // no session id
	body = binary.BigEndian.AppendUint16(body, uint16(2*len(suites)))
	for _, s := range suites {
		body = binary.BigEndian.AppendUint16(body, s)
	}
	body = append(body, 1, 0) // null compression
	if version == versionTLS12 {
		var ext []byte
		add := func(typ uint16, data []byte) {
			ext = binary.BigEndian.AppendUint16(ext, typ)
			ext = binary.BigEndian.AppendUint16(ext, uint16(len(data)))
			ext = append(ext, data...)
		}
		if serverName != "" && net.ParseIP(serverName) == nil {
			entry := append([]byte{0}, binary.BigEndian.AppendUint16(nil, uint16(len(serverName)))...)
			entry = append(entry, serverName...)
			add(0, append(binary.BigEndian.AppendUint16(nil, uint16(len(entry))), entry...))
		}
		// supported_groups: x25519, P-256, P-384, P-521, secp256k1, curveSM2.
		groups := []uint16{29, 23, 24, 25, 22, 41}
		g := binary.BigEndian.AppendUint16(nil, uint16(2*len(groups)))
		for _, x := range groups {
			g = binary.BigEndian.AppendUint16(g, x)
		}
		add(10, g)
		add(11, []byte{1, 0}) // ec_point_formats: uncompressed
		// signature_algorithms: ECDSA, RSA-PSS, RSA PKCS#1, SHA-1 last, SM2-SM3.
		algs := []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0708}
		a := binary.BigEndian.AppendUint16(nil, uint16(2*len(algs)))
		for _, x := range algs {
			a = binary.BigEndian.AppendUint16(a, x)
		}
		add(13, a)
		add(0xff01, []byte{0}) // renegotiation_info
		body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
		body = append(body, ext...)
	}
	hs := append([]byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	recVersion := uint16(0x0301) // the usual record version of a first hello
	if version == versionTLCP {
		recVersion = versionTLCP
	}
	rec := []byte{recordHandshake}
	rec = binary.BigEndian.AppendUint16(rec, recVersion)
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

// hello sends a ClientHello of version to addr and reads the server's
// first flight up to ServerHelloDone. A dial error is returned as is.
func (r *probeRun) hello(ctx context.Context, addr string, version uint16) (*sslHello, error) {
	c, err := r.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	dl := time.Now().Add(r.p.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	_ = c.SetDeadline(dl)
	if _, err := c.Write(clientHello(version, r.serverName(addr))); err != nil {
		return nil, fmt.Errorf("send hello: %w", err)
	}
	h, err := readFlight(c)
	if err == nil && !h.refused {
		// close_notify, so the server logs a clean abort.
		_, _ = c.Write([]byte{recordAlert, byte(h.version >> 8), byte(h.version), 0, 2, 1, 0})
	}
	return h, err
}

// readFlight reads handshake records until ServerHelloDone.
func readFlight(rd io.Reader) (*sslHello, error) {
	h := &sslHello{}
	var hs []byte // handshake bytes not yet parsed
	total := 0
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(rd, hdr[:]); err != nil {
			if total == 0 && errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: connection closed before any record", errNotSSL)
			}
			return nil, fmt.Errorf("read record: %w", err)
		}
		typ, n := hdr[0], int(binary.BigEndian.Uint16(hdr[3:]))
		if (typ != recordAlert && typ != recordHandshake) || hdr[1] > 3 || n > maxRecord {
			return nil, fmt.Errorf("%w: first bytes %s", errNotSSL, hex.EncodeToString(hdr[:]))
		}
		if total += 5 + n; total > maxFlight {
			return nil, fmt.Errorf("%w: server flight over %d bytes", errNotSSL, maxFlight)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(rd, payload); err != nil {
			return nil, fmt.Errorf("read record: %w", err)
		}
		if typ == recordAlert {
			if n < 2 {
				return nil, fmt.Errorf("%w: short alert", errNotSSL)
			}
			h.refused, h.alert = true, payload[1]
			return h, nil
		}
		hs = append(hs, payload...)
		for len(hs) >= 4 {
			mlen := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if len(hs) < 4+mlen {
				break
			}
			msg, typ := hs[4:4+mlen], hs[0]
			hs = hs[4+mlen:]
			switch typ {
			case hsServerHello:
				if len(msg) < 35 || len(msg) < 35+int(msg[34])+2 {
					return nil, fmt.Errorf("%w: short server hello", errNotSSL)
				}
				h.version = binary.BigEndian.Uint16(msg)
				h.suite = binary.BigEndian.Uint16(msg[35+int(msg[34]):])
			case hsCertificate:
				certs, err := parseCertificateMsg(msg)
				if err != nil {
					return nil, err
				}
				h.certs = certs
			case hsCertRequest:
				h.certReq = true
			case hsServerHelloDone:
				return h, nil
			}
		}
	}
}

// parseCertificateMsg splits a Certificate handshake message into DER
// certificates.
func parseCertificateMsg(msg []byte) ([][]byte, error) {
	if len(msg) < 3 {
		return nil, fmt.Errorf("%w: short certificate message", errNotSSL)
	}
	list := msg[3:]
	if int(msg[0])<<16|int(msg[1])<<8|int(msg[2]) != len(list) {
		return nil, fmt.Errorf("%w: certificate list length", errNotSSL)
	}
	var out [][]byte
	for len(list) > 0 {
		if len(list) < 3 {
			return nil, fmt.Errorf("%w: certificate length", errNotSSL)
		}
		n := int(list[0])<<16 | int(list[1])<<8 | int(list[2])
		if len(list) < 3+n {
			return nil, fmt.Errorf("%w: certificate length", errNotSSL)
		}
		out = append(out, list[3:3+n])
		list = list[3+n:]
	}
	return out, nil
}

// rawCert is the part of an X.509 certificate the probe reads without
// knowing the key's curve (FISCO BCOS non-GM certificates use secp256k1,
// which crypto/x509 and smx509 do not parse).
type rawCert struct {
	TBS    asn1.RawValue
	SigAlg struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	Sig asn1.BitString
}

type rawTBS struct {
	Version  int `asn1:"optional,explicit,default:0,tag:0"`
	Serial   asn1.RawValue
	SigAlg   asn1.RawValue
	Issuer   asn1.RawValue
	Validity struct{ NotBefore, NotAfter time.Time }
	Subject  asn1.RawValue
	SPKI     struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		PublicKey asn1.BitString
	}
	Rest []asn1.RawValue `asn1:"optional"` // unique ids, extensions
}

// Object identifiers named in certificate evidence.
var (
	oidECPublicKey  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSM2Key       = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}
	oidSecp256k1    = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	oidP256         = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384         = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidSigSM2SM3    = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
	oidSigECDSA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSigECDSA384  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidSigRSA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSigRSA384    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSigRSA512    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidSigRSASHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSigECDSASHA1 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
)

// keyAlgorithmOf names the key of a raw SubjectPublicKeyInfo: SM2,
// ECDSA-secp256k1, ECDSA-P256, RSA.
func keyAlgorithmOf(alg asn1.ObjectIdentifier, params asn1.RawValue) string {
	switch {
	case alg.Equal(oidRSA):
		return "RSA"
	case alg.Equal(oidSM2Key):
		return "SM2"
	case alg.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(params.FullBytes, &curve); err != nil {
			return "ECDSA"
		}
		switch {
		case curve.Equal(oidSM2Key):
			return "SM2"
		case curve.Equal(oidSecp256k1):
			return "ECDSA-secp256k1"
		case curve.Equal(oidP256):
			return "ECDSA-P256"
		case curve.Equal(oidP384):
			return "ECDSA-P384"
		}
		return "ECDSA-" + curve.String()
	}
	return alg.String()
}

// signatureAlgorithmOf names a certificate signature algorithm.
func signatureAlgorithmOf(oid asn1.ObjectIdentifier) string {
	for _, s := range []struct {
		oid  asn1.ObjectIdentifier
		name string
	}{
		{oidSigSM2SM3, "SM2-SM3"}, {oidSigECDSA256, "ECDSA-SHA256"}, {oidSigECDSA384, "ECDSA-SHA384"},
		{oidSigRSA256, "SHA256-RSA"}, {oidSigRSA384, "SHA384-RSA"}, {oidSigRSA512, "SHA512-RSA"},
		{oidSigRSASHA1, "SHA1-RSA"}, {oidSigECDSASHA1, "ECDSA-SHA1"},
	} {
		if oid.Equal(s.oid) {
			return s.name
		}
	}
	return oid.String()
}

// sslCert is a certificate the probe read off an SSL port.
type sslCert struct {
	der       []byte
	tbs       []byte
	sig       []byte
	sigOID    asn1.ObjectIdentifier
	rawIssuer []byte
	notBefore time.Time
	notAfter  time.Time
	subject   string
	issuer    string
	keyAlgo   string
	sigAlgo   string
	pub       []byte              // subjectPublicKey bits: 04||X||Y for EC keys
	parsed    *smx509.Certificate // nil when smx509 cannot parse it (secp256k1)
}

// readCert parses der far enough for the probe's checks.
func readCert(der []byte) (*sslCert, error) {
	var rc rawCert
	if rest, err := asn1.Unmarshal(der, &rc); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("certificate does not parse: %v", err)
	}
	var tbs rawTBS
	if _, err := asn1.Unmarshal(rc.TBS.FullBytes, &tbs); err != nil {
		return nil, fmt.Errorf("certificate body does not parse: %w", err)
	}
	c := &sslCert{
		der: der, tbs: rc.TBS.FullBytes, sig: rc.Sig.RightAlign(), sigOID: rc.SigAlg.Algorithm,
		rawIssuer: tbs.Issuer.FullBytes, notBefore: tbs.Validity.NotBefore, notAfter: tbs.Validity.NotAfter,
		keyAlgo: keyAlgorithmOf(tbs.SPKI.Algorithm.Algorithm, tbs.SPKI.Algorithm.Parameters),
		sigAlgo: signatureAlgorithmOf(rc.SigAlg.Algorithm), pub: tbs.SPKI.PublicKey.RightAlign(),
		subject: rdnString(tbs.Subject.FullBytes), issuer: rdnString(tbs.Issuer.FullBytes),
	}
	if p, err := smx509.ParseCertificate(der); err == nil {
		c.parsed = p
	}
	return c, nil
}

func rdnString(raw []byte) string {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return "?"
	}
	var n pkix.Name
	n.FillFromRDNSequence(&seq)
	return n.String()
}

// smSignatureAlgorithm maps a signature OID to smx509's constant.
func smSignatureAlgorithm(oid asn1.ObjectIdentifier) smx509.SignatureAlgorithm {
	switch {
	case oid.Equal(oidSigSM2SM3):
		return smx509.SM2WithSM3
	case oid.Equal(oidSigECDSA256):
		return smx509.ECDSAWithSHA256
	case oid.Equal(oidSigECDSA384):
		return smx509.ECDSAWithSHA384
	case oid.Equal(oidSigRSA256):
		return smx509.SHA256WithRSA
	case oid.Equal(oidSigRSA384):
		return smx509.SHA384WithRSA
	case oid.Equal(oidSigRSA512):
		return smx509.SHA512WithRSA
	case oid.Equal(oidSigRSASHA1):
		return smx509.SHA1WithRSA
	}
	return smx509.UnknownSignatureAlgorithm
}

// verifyTo checks that c chains to one of roots through the certificates
// the server sent. A leaf smx509 cannot parse (a secp256k1 key) is checked
// by its issuer's signature over its body, then the issuer onwards.
func (c *sslCert) verifyTo(chain [][]byte, roots []*smx509.Certificate) error {
	rootPool, inter := smx509.NewCertPool(), smx509.NewCertPool()
	for _, rt := range roots {
		rootPool.AddCert(rt)
	}
	var inters []*smx509.Certificate
	for _, der := range chain {
		if ic, err := smx509.ParseCertificate(der); err == nil {
			inter.AddCert(ic)
			inters = append(inters, ic)
		}
	}
	opts := func(at time.Time) smx509.VerifyOptions {
		// Expiry is its own finding: verify at a time the leaf was valid.
		return smx509.VerifyOptions{Roots: rootPool, Intermediates: inter, CurrentTime: at,
			KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny}}
	}
	// Verify now, or, for a certificate outside its validity, at the
	// nearest moment inside it.
	at := time.Now()
	if at.After(c.notAfter) {
		at = c.notAfter.Add(-time.Second)
	}
	if at.Before(c.notBefore) {
		at = c.notBefore.Add(time.Second)
	}
	if c.parsed != nil {
		_, err := c.parsed.Verify(opts(at))
		return err
	}
	algo := smSignatureAlgorithm(c.sigOID)
	if algo == smx509.UnknownSignatureAlgorithm {
		return fmt.Errorf("signature algorithm %s not supported", c.sigOID)
	}
	var last error = errors.New("no issuer certificate among the chain and the registered CAs")
	for _, p := range append(slices.Clone(roots), inters...) {
		if !bytes.Equal(p.RawSubject, c.rawIssuer) {
			continue
		}
		if err := p.CheckSignature(algo, c.tbs, c.sig); err != nil {
			last = fmt.Errorf("issuer %s: %w", p.Subject, err)
			continue
		}
		if slices.ContainsFunc(roots, func(rt *smx509.Certificate) bool { return rt.Equal(p) }) {
			return nil
		}
		if _, err := p.Verify(opts(at)); err != nil {
			last = fmt.Errorf("issuer %s: %w", p.Subject, err)
			continue
		}
		return nil
	}
	return last
}

// fiscoCert checks one certificate of an SSL port: validity, algorithms
// on GM chains, the chain to the registered CA and, for 2.x, that its key
// is the registered node id.
func (r *probeRun) fiscoCert(role, addr string, der []byte, chain [][]byte, nodeKey bool) {
	ev := Evidence{Check: role + "-cert", Target: addr}
	c, err := readCert(der)
	if err != nil {
		ev.Error = err.Error()
		r.evidence(ev)
		return
	}
	info := map[string]string{"address": addr, "role": role, "subject": c.subject, "issuer": c.issuer,
		"notAfter": c.notAfter.UTC().Format(time.RFC3339), "keyAlgorithm": c.keyAlgo, "signatureAlgorithm": c.sigAlgo}
	ev.Response = fmt.Sprintf("certificate %s, issuer %s, key %s, signature %s, not after %s",
		c.subject, c.issuer, c.keyAlgo, c.sigAlgo, info["notAfter"])
	ev.OK = true
	r.evidence(ev)
	clone := func() map[string]string { return maps.Clone(info) }
	now := r.res.Time
	switch {
	case now.After(c.notAfter) || now.Before(c.notBefore):
		r.finding(RuleTLSExpired, role, role+" certificate not valid now (not after "+info["notAfter"]+")", clone())
	case c.notAfter.Sub(now) < tlsExpiryWindow:
		r.finding(RuleTLSExpiring, role, role+" certificate expires "+info["notAfter"], clone())
	}
	if r.t.Chain.Crypto == ledger.CryptoGM && (c.keyAlgo != "SM2" || c.sigAlgo != "SM2-SM3") {
		r.finding(RuleTLSNotSM2, role, fmt.Sprintf("%s certificate uses key %s and signature %s on a national-crypto chain", role, c.keyAlgo, c.sigAlgo), clone())
	}
	if r.t.Node.TLSCA != "" {
		if cas, err := parseCAs(r.t.Node.TLSCA); err == nil {
			if err := c.verifyTo(chain, cas); err != nil {
				m := clone()
				m["error"] = err.Error()
				r.finding(RuleTLSUntrusted, role, role+" certificate does not chain to the registered CA", m)
			}
		}
	}
	// 2.x derives the node id from the key of the node's SSL certificate
	// (the signing certificate on GM). Only a certificate of the chain's
	// own algorithm is the node's: a 2.x GM node may serve SDKs with an
	// international certificate (sm_crypto_channel=false).
	want := normNodeID(r.t.Node.NodeID)
	ownAlgo := c.keyAlgo == "ECDSA-secp256k1"
	if r.t.Chain.Crypto == ledger.CryptoGM {
		ownAlgo = c.keyAlgo == "SM2"
	}
	if nodeKey && want != "" && ownAlgo && len(c.pub) == 65 && c.pub[0] == 4 {
		if got := hex.EncodeToString(c.pub[1:]); got != want {
			m := clone()
			m["registered"], m["certificateKey"] = want, got
			r.finding(RuleFiscoNodeID, role+"-cert", fmt.Sprintf("%s certificate key %s is not the registered node id %s", role, short(got), short(want)), m)
		}
	}
}
