package nodes

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/lianjian/lianjian/ledger"
)

// http2Preface is the client connection preface of HTTP/2 (RFC 9113
// section 3.4) followed by an empty SETTINGS frame: enough for a gRPC
// server to answer with its own SETTINGS, without sending any call.
var http2Preface = append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0)

// Certificate validity windows.
const (
	tlsExpiryWindow = 30 * 24 * time.Hour
	caExpiryWindow  = 90 * 24 * time.Hour
)

// handshake is what a TLS handshake attempt showed.
type handshake struct {
	conn          net.Conn // open on success; the caller closes it
	state         tls.ConnectionState
	certRequested bool
	err           error
}

func (r *probeRun) dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: r.p.cfg.Timeout}
	return d.DialContext(ctx, "tcp", addr)
}

// tlsHandshake tries a TLS handshake without a client certificate,
// noting whether the server asked for one.
func (r *probeRun) tlsHandshake(ctx context.Context, addr string, alpn []string) handshake {
	raw, err := r.dial(ctx, addr)
	if err != nil {
		return handshake{err: err}
	}
	var hs handshake
	cfg := &tls.Config{
		InsecureSkipVerify: true, // the probe inspects the certificate itself
		ServerName:         r.serverName(addr),
		NextProtos:         alpn,
		MinVersion:         tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			hs.certRequested = true
			return &tls.Certificate{}, nil
		},
	}
	c := tls.Client(raw, cfg)
	_ = c.SetDeadline(time.Now().Add(r.p.cfg.Timeout))
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		hs.err = err
		return hs
	}
	hs.conn, hs.state = c, c.ConnectionState()
	return hs
}

func (r *probeRun) serverName(addr string) string {
	if r.t.Node.ServerName != "" {
		return r.t.Node.ServerName
	}
	host, _, _ := net.SplitHostPort(addr)
	return host
}

// http2Hello sends the HTTP/2 preface and reports whether the server
// answered with a SETTINGS frame (it speaks HTTP/2 to this client).
func (r *probeRun) http2Hello(c net.Conn) (bool, string, error) {
	_ = c.SetDeadline(time.Now().Add(r.p.cfg.Timeout))
	if _, err := c.Write(http2Preface); err != nil {
		return false, "", err
	}
	var hdr [9]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return false, "", err
	}
	return hdr[3] == 0x4, hex.EncodeToString(hdr[:]), nil
}

// fabric runs the Fabric checks: the gRPC endpoint, its certificate, the
// operations endpoint and the orderer admin endpoint.
func (r *probeRun) fabric(ctx context.Context) {
	n := r.t.Node
	r.grpc(ctx, n.Endpoint)
	if n.Operations != "" {
		r.operations(ctx)
	}
	if n.Admin != "" {
		r.admin(ctx)
	}
}

func (r *probeRun) grpc(ctx context.Context, addr string) {
	start := time.Now()
	hs := r.tlsHandshake(ctx, addr, []string{"h2"})
	ev := Evidence{Check: "grpc-tls", Target: addr, Request: "TLS ClientHello (ALPN h2, no client certificate)"}
	var opErr *net.OpError
	var rec tls.RecordHeaderError
	switch {
	case hs.err != nil && errors.As(hs.err, &opErr) && opErr.Op == "dial":
		ev.Error, ev.Millis = hs.err.Error(), time.Since(start).Milliseconds()
		r.evidence(ev)
		r.finding(RuleUnreachable, "", "gRPC endpoint refuses connections: "+hs.err.Error(), map[string]string{"error": hs.err.Error()})
		return
	case hs.err != nil && errors.As(hs.err, &rec):
		ev.Error, ev.Millis = hs.err.Error(), time.Since(start).Milliseconds()
		r.evidence(ev)
		r.res.Reachable = true
		r.plaintext(ctx, addr)
		return
	case hs.err != nil && hs.certRequested:
		ev.Error, ev.OK = hs.err.Error(), true
		ev.Response = "server requested a client certificate and refused the handshake without one"
		ev.Millis = time.Since(start).Milliseconds()
		r.evidence(ev)
		r.res.Reachable = true
		return
	case hs.err != nil:
		ev.Error, ev.Millis = hs.err.Error(), time.Since(start).Milliseconds()
		r.evidence(ev)
		r.res.Reachable = !errors.Is(hs.err, context.DeadlineExceeded)
		msg := "TLS handshake failed: " + hs.err.Error()
		hev := map[string]string{"error": hs.err.Error()}
		if r.t.Chain.Crypto == ledger.CryptoGM {
			msg += " (" + gmHandshakeNote + ")"
			hev["note"] = gmHandshakeNote
		}
		r.finding(RuleTLSHandshake, "grpc", msg, hev)
		return
	}
	defer hs.conn.Close()
	r.res.Reachable = true
	ev.Response = fmt.Sprintf("TLS %s, ALPN %q, client certificate requested: %v", tls.VersionName(hs.state.Version), hs.state.NegotiatedProtocol, hs.certRequested)
	r.certificate(hs.state, addr, &ev)
	ok, frame, err := r.http2Hello(hs.conn)
	ev.Millis = time.Since(start).Milliseconds()
	switch {
	case err == nil && ok:
		ev.Response += "\nHTTP/2 SETTINGS frame " + frame + " received without a client certificate"
		r.evidence(ev)
		r.finding(RuleFabNoClientAuth, "", "gRPC endpoint accepts TLS clients without a certificate",
			map[string]string{"certRequested": fmt.Sprint(hs.certRequested), "tls": tls.VersionName(hs.state.Version)})
	case err != nil:
		ev.OK = true
		ev.Response += "\nHTTP/2 exchange refused without a client certificate: " + err.Error()
		r.evidence(ev)
	default:
		ev.Response += "\nunexpected first frame " + frame
		ev.OK = true
		r.evidence(ev)
	}
}

// plaintext checks whether the endpoint speaks HTTP/2 (gRPC) without TLS.
func (r *probeRun) plaintext(ctx context.Context, addr string) {
	start := time.Now()
	ev := Evidence{Check: "grpc-plaintext", Target: addr, Request: "HTTP/2 preface + SETTINGS over plain TCP"}
	c, err := r.dial(ctx, addr)
	if err != nil {
		ev.Error = err.Error()
		r.evidence(ev)
		return
	}
	defer c.Close()
	ok, frame, err := r.http2Hello(c)
	ev.Millis = time.Since(start).Milliseconds()
	if err != nil {
		ev.Error = err.Error()
		r.evidence(ev)
		return
	}
	ev.Response = "first frame " + frame
	r.evidence(ev)
	if ok {
		r.finding(RuleFabPlaintext, "", "gRPC endpoint speaks HTTP/2 without TLS", map[string]string{"frame": frame})
	}
}

// certificate checks the server certificate of a TLS handshake: expiry,
// key algorithm on GM chains, SANs and the chain to the registered CA.
func (r *probeRun) certificate(st tls.ConnectionState, addr string, ev *Evidence) {
	if len(st.PeerCertificates) == 0 {
		return
	}
	leaf, err := smx509.ParseCertificate(st.PeerCertificates[0].Raw)
	if err != nil {
		ev.Response += "\ncertificate does not parse: " + err.Error()
		return
	}
	now := r.res.Time
	algo := certKeyAlgorithm(leaf)
	info := map[string]string{
		"subject": leaf.Subject.String(), "issuer": leaf.Issuer.String(), "serial": leaf.SerialNumber.String(),
		"notAfter": leaf.NotAfter.UTC().Format(time.RFC3339), "keyAlgorithm": algo,
		"dnsNames": strings.Join(leaf.DNSNames, ","), "ips": joinIPs(leaf.IPAddresses),
	}
	ev.Response += fmt.Sprintf("\ncertificate %s, issuer %s, key %s, not after %s, SANs %s %s",
		info["subject"], info["issuer"], algo, info["notAfter"], info["dnsNames"], info["ips"])
	clone := func() map[string]string {
		m := make(map[string]string, len(info))
		for k, v := range info {
			m[k] = v
		}
		return m
	}
	switch {
	case now.After(leaf.NotAfter) || now.Before(leaf.NotBefore):
		r.finding(RuleTLSExpired, "", "TLS certificate not valid now (not after "+info["notAfter"]+")", clone())
	case leaf.NotAfter.Sub(now) < tlsExpiryWindow:
		r.finding(RuleTLSExpiring, "", "TLS certificate expires "+info["notAfter"], clone())
	}
	if r.t.Chain.Crypto == ledger.CryptoGM && algo != "SM2" {
		r.finding(RuleTLSNotSM2, "", "TLS certificate key is "+algo+" on a national-crypto chain", clone())
	}
	host := r.serverName(addr)
	if leaf.VerifyHostname(host) != nil {
		m := clone()
		m["host"] = host
		r.finding(RuleTLSSAN, "", "TLS certificate does not name "+host, m)
	}
	if r.t.Node.TLSCA != "" {
		cas, err := parseCAs(r.t.Node.TLSCA)
		if err == nil {
			pool := smx509.NewCertPool()
			for _, c := range cas {
				pool.AddCert(c)
			}
			inter := smx509.NewCertPool()
			for _, c := range st.PeerCertificates[1:] {
				if ic, err := smx509.ParseCertificate(c.Raw); err == nil {
					inter.AddCert(ic)
				}
			}
			opts := smx509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: leaf.NotBefore.Add(time.Second),
				KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny}}
			if _, err := leaf.Verify(opts); err != nil {
				m := clone()
				m["error"] = err.Error()
				r.finding(RuleTLSUntrusted, "", "TLS certificate does not chain to the registered TLS CA", m)
			}
		}
	}
}

func joinIPs(ips []net.IP) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ",")
}

// gmHandshakeNote explains a failed standard TLS handshake on a
// national-crypto chain (message and evidence "note").
const gmHandshakeNote = "a GM-TLS/TLCP endpoint is expected to fail a standard handshake"

// httpsOnlyAnswer is what Go's HTTP server (Fabric's operations server
// among them) answers a plain HTTP request on a TLS port with, under
// status 400.
const httpsOnlyAnswer = "Client sent an HTTP request to an HTTPS server"

// operations probes the operations endpoint without a client certificate.
func (r *probeRun) operations(ctx context.Context) {
	u, err := operationsURL(r.t.Node.Operations)
	if err != nil {
		return
	}
	schemes := []string{u.Scheme}
	if u.Scheme == "" {
		schemes = []string{"https", "http"}
	}
	// certAsked notes a server that requested a client certificate in a
	// handshake; the probe offers none.
	var certAsked atomic.Bool
	c := &http.Client{Timeout: r.p.cfg.Timeout, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, // access control is under test, not identity
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				certAsked.Store(true)
				return &tls.Certificate{}, nil
			}}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var tlsErr error // the last failure of an https attempt
	for _, scheme := range schemes {
		base := url.URL{Scheme: scheme, Host: u.Host, Path: strings.TrimSuffix(u.Path, "/")}
		open := map[string]bool{}
		answered := false
		tlsOnly := true // every answer said the port wants TLS
		for _, path := range []string{"/healthz", "/version", "/metrics", "/logspec"} {
			status, body, err := r.get(ctx, c, "operations", base.String()+path)
			if err != nil && scheme == "https" && certAsked.Load() {
				// The server asked for a client certificate and refused a
				// client without one at the TLS layer
				// (clientAuthRequired): the secure setting.
				r.res.Reachable = true
				r.evidence(Evidence{Check: "operations-mtls", Target: base.String(), OK: true,
					Response: "TLS handshake refused without a client certificate: " + err.Error()})
				return
			}
			// The refusal counts even when the server resets the
			// connection after it (it does not read the request).
			refused := status == http.StatusBadRequest && bytes.Contains(body, []byte(httpsOnlyAnswer))
			if err != nil && !refused {
				if scheme == "https" {
					tlsErr = err
				}
				continue
			}
			answered = true
			tlsOnly = tlsOnly && refused
			if status == http.StatusOK {
				open[path] = true
				if path == "/version" {
					var v struct {
						Version string `json:"Version"`
					}
					if json.Unmarshal(body, &v) == nil && v.Version != "" {
						r.res.Version = v.Version
					}
				}
			}
		}
		if !answered {
			continue
		}
		r.res.Reachable = true
		if scheme == "http" && tlsOnly {
			// Plain HTTP is refused: the port speaks TLS, but no standard
			// handshake completed above (a GM-TLS/TLCP endpoint, say).
			ev := map[string]string{"url": base.String(), "answer": httpsOnlyAnswer}
			msg := "operations endpoint speaks TLS only, but no standard TLS handshake completed"
			if tlsErr != nil {
				ev["error"] = tlsErr.Error()
				msg += ": " + tlsErr.Error()
			}
			if r.t.Chain.Crypto == ledger.CryptoGM {
				msg += " (" + gmHandshakeNote + ")"
				ev["note"] = gmHandshakeNote
			}
			r.finding(RuleTLSHandshake, "ops", msg, ev)
			return
		}
		ev := map[string]string{"url": base.String(), "open": strings.Join(slices.Sorted(mapKeysOf(open)), ",")}
		if scheme == "http" {
			r.finding(RuleOpsPlain, "ops", "operations endpoint answers over plain HTTP at "+base.String(), ev)
		}
		if open["/logspec"] || open["/metrics"] {
			r.finding(RuleOpsOpen, "ops", "operations endpoint serves "+ev["open"]+" without a client certificate", ev)
		}
		return
	}
	r.finding(RuleUnreachable, "ops", "operations endpoint does not answer", map[string]string{"operations": r.t.Node.Operations})
}

func (r *probeRun) get(ctx context.Context, c *http.Client, check, target string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.p.cfg.Timeout)
	defer cancel()
	start := time.Now()
	ev := Evidence{Check: check, Target: target, Request: "GET " + target}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		ev.Error, ev.Millis = err.Error(), time.Since(start).Milliseconds()
		r.evidence(ev)
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ev.Millis = time.Since(start).Milliseconds()
	ev.Response = fmt.Sprintf("HTTP %d\n%s", resp.StatusCode, body)
	ev.OK = resp.StatusCode != http.StatusOK
	if err != nil {
		ev.Error = err.Error()
	}
	r.evidence(ev)
	return resp.StatusCode, body, err
}

// admin probes the orderer's channel participation endpoint without a
// client certificate.
func (r *probeRun) admin(ctx context.Context) {
	addr := r.t.Node.Admin
	hs := r.tlsHandshake(ctx, addr, []string{"http/1.1"})
	ev := Evidence{Check: "admin-mtls", Target: addr, Request: "TLS handshake without client certificate, then GET /participation/v1/channels"}
	var rec tls.RecordHeaderError
	switch {
	case hs.err != nil && errors.As(hs.err, &rec):
		// Plain HTTP: try the API without TLS.
		c := &http.Client{Timeout: r.p.cfg.Timeout, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
		status, _, err := r.get(ctx, c, "admin-plain", "http://"+addr+"/participation/v1/channels")
		if err == nil && status < 500 {
			r.finding(RuleAdminOpen, "admin", fmt.Sprintf("admin endpoint answers plain HTTP (status %d)", status),
				map[string]string{"admin": addr, "status": fmt.Sprint(status)})
		}
		return
	case hs.err != nil:
		ev.Error, ev.OK = hs.err.Error(), hs.certRequested
		r.evidence(ev)
		return
	}
	defer hs.conn.Close()
	req := "GET /participation/v1/channels HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n\r\n"
	_ = hs.conn.SetDeadline(time.Now().Add(r.p.cfg.Timeout))
	_, err := hs.conn.Write([]byte(req))
	var buf bytes.Buffer
	if err == nil {
		_, err = io.Copy(&buf, io.LimitReader(hs.conn, int64(r.p.cfg.MaxEvidence)))
	}
	ev.Response = buf.String()
	if err != nil {
		ev.Error = err.Error()
	}
	if strings.HasPrefix(buf.String(), "HTTP/1.1 ") {
		r.evidence(ev)
		r.finding(RuleAdminOpen, "admin", "admin endpoint served a request without a client certificate",
			map[string]string{"admin": addr, "response": firstLine(buf.String())})
		return
	}
	ev.OK = true
	r.evidence(ev)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}
