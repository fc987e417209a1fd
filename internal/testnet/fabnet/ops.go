package fabnet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"
)

// opsTimeout bounds one request of fabnet to an operations endpoint.
const opsTimeout = 5 * time.Second

// opsScheme is the operations endpoints' URL scheme.
func (n *Network) opsScheme() string {
	if n.opts.TLS.OperationsClientAuth {
		return "https"
	}
	return "http"
}

// opsClient returns the HTTP client fabnet itself uses on an operations
// endpoint of a node of org (a peer org or OrdererOrg) whose TLS server
// certificate chains to caFile. With OperationsClientAuth it verifies the
// server and presents the org admin's TLS client certificate, which the
// node's clientRootCAs accept.
func (n *Network) opsClient(org, caFile string) (*http.Client, error) {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	if n.opts.TLS.OperationsClientAuth {
		id := n.admin(org)
		cert, err := tls.LoadX509KeyPair(id.TLSCert, id.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load operations client certificate: %w", err)
		}
		ca, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read operations TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("%w: no certificate in %s", ErrCommand, caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: opsTimeout}, nil
}

// opsGet returns the body of a 200 answer to GET path on the operations
// endpoint at port of a node of org.
func (n *Network) opsGet(ctx context.Context, org, caFile string, port int, path string) (string, error) {
	c, err := n.opsClient(org, caFile)
	if err != nil {
		return "", err
	}
	return httpGet(ctx, c, n.opsScheme()+"://"+addr(port)+path)
}

// healthz checks a node's operations endpoint /healthz.
func (n *Network) healthz(org, caFile string, port int) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := n.opsGet(ctx, org, caFile, port, "/healthz")
		return err
	}
}
