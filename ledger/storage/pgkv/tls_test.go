package pgkv_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/ledger/storage/pgkv"
)

// selfSigned returns a self-signed certificate for 127.0.0.1 and its
// key, both PEM.
func selfSigned(t *testing.T) (cert, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
}

// TestTLS turns TLS on in a real server with a self-signed certificate
// and opens the store with sslmode=verify-full against it; a DSN
// trusting another certificate is refused.
func TestTLS(t *testing.T) {
	srv := pgtest.Start(t)
	cert, key := selfSigned(t)
	certFile, err := srv.WriteFile("server.crt", cert)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, err := srv.WriteFile("server.key", key)
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"ALTER SYSTEM SET ssl_cert_file = '" + certFile + "'",
		"ALTER SYSTEM SET ssl_key_file = '" + keyFile + "'",
		"ALTER SYSTEM SET ssl = on",
		"SELECT pg_reload_conf()",
	} {
		if _, err := srv.Exec("postgres", sql); err != nil {
			t.Fatal(err)
		}
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	name, err := srv.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	dsn := srv.DSN(name)
	dsn = dsn[:len(dsn)-len("sslmode=disable")]
	var s *pgkv.Store
	for range 50 { // the reload takes effect asynchronously
		if s, err = pgkv.Open(context.Background(), pgkv.Config{DSN: dsn + "sslmode=verify-full&sslrootcert=" + ca}); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Open with sslmode=verify-full = %v", err)
	}
	defer s.Close()
	if _, err := s.Has([]byte("k")); err != nil {
		t.Fatal(err)
	}
	out, err := srv.Exec("postgres", "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.datname = '"+name+"'")
	if err != nil || out == "0" {
		t.Errorf("TLS connections to %s = %q, %v; want at least one", name, out, err)
	}
	other, _ := selfSigned(t)
	wrong := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(wrong, other, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := pgkv.Open(context.Background(), pgkv.Config{DSN: dsn + "sslmode=verify-full&sslrootcert=" + wrong}); err == nil {
		s.Close()
		t.Error("Open trusting another certificate succeeded")
	}
}
