package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tjfoc/gmsm/gmtls"
	gmx509 "github.com/tjfoc/gmsm/x509"
	"go.uber.org/goleak"
)

// serve serves "ok" over l until the test ends.
func serve(t *testing.T, l net.Listener) {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
}

func listen(t *testing.T, c Config) string {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, scheme, err := Listen(raw, c)
	if err != nil {
		t.Fatal(err)
	}
	if scheme != "https" {
		t.Fatalf("scheme = %s", scheme)
	}
	serve(t, l)
	return raw.Addr().String()
}

// gmGet makes one HTTP request over a real TLCP connection.
func gmGet(dir, addr string) (int, uint16, error) {
	pem, err := os.ReadFile(filepath.Join(dir, DevFiles.SM2CA))
	if err != nil {
		return 0, 0, err
	}
	pool := gmx509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return 0, 0, errors.New("bad sm2 ca")
	}
	conn, err := gmtls.Dial("tcp", addr, &gmtls.Config{GMSupport: gmtls.NewGMSupport(), RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")); err != nil {
		return 0, 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, conn.ConnectionState().Version, nil
}

func stdGet(dir, addr string) (int, error) {
	pem, err := os.ReadFile(filepath.Join(dir, DevFiles.CA))
	if err != nil {
		return 0, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("https://" + addr + "/healthz")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestGMTLSAndTLS(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
	dir := t.TempDir()
	both, err := DevCerts(dir, []string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("mixed port", func(t *testing.T) {
		addr := listen(t, both)
		code, ver, err := gmGet(dir, addr)
		if err != nil || code != 200 || ver != gmtls.VersionGMSSL {
			t.Fatalf("TLCP GET = %d, version %#x, %v; want 200 over GMSSL", code, ver, err)
		}
		if code, err := stdGet(dir, addr); err != nil || code != 200 {
			t.Fatalf("TLS GET = %d, %v", code, err)
		}
	})
	t.Run("gm only", func(t *testing.T) {
		gm := both
		gm.Cert, gm.Key = "", ""
		addr := listen(t, gm)
		if code, _, err := gmGet(dir, addr); err != nil || code != 200 {
			t.Fatalf("TLCP GET = %d, %v", code, err)
		}
		if _, err := stdGet(dir, addr); err == nil {
			t.Fatal("a standard TLS client connected to a TLCP-only port")
		}
	})
	t.Run("tls only", func(t *testing.T) {
		std := Config{Cert: both.Cert, Key: both.Key}
		addr := listen(t, std)
		if code, err := stdGet(dir, addr); err != nil || code != 200 {
			t.Fatalf("TLS GET = %d, %v", code, err)
		}
		if _, _, err := gmGet(dir, addr); err == nil {
			t.Fatal("a TLCP client connected to a TLS-only port")
		}
	})
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Cert: "a"},
		{GM: true, SignCert: "a", SignKey: "b"},
		{SignCert: "a", SignKey: "b", EncCert: "c", EncKey: "d"},
	} {
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrConfig", c, err)
		}
	}
	if _, _, err := Listen(nil, Config{Cert: "/nonexistent", Key: "/nonexistent"}); err == nil {
		t.Error("Listen with missing files succeeded")
	}
}
