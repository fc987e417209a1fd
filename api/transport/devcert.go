package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/tjfoc/gmsm/sm2"
	gmx509 "github.com/tjfoc/gmsm/x509"
)

// DevFiles are the files DevCerts writes, relative to its directory.
var DevFiles = struct {
	CA, Cert, Key, SM2CA, SignCert, SignKey, EncCert, EncKey string
}{
	CA: "ca.pem", Cert: "server.pem", Key: "server-key.pem",
	SM2CA: "sm2-ca.pem", SignCert: "sm2-sign.pem", SignKey: "sm2-sign-key.pem",
	EncCert: "sm2-enc.pem", EncKey: "sm2-enc-key.pem",
}

// DevCerts writes a development PKI to dir for hosts (names or IPs): an
// ECDSA P-256 CA and server certificate for standard TLS, and an SM2 CA
// with SM2 signing and encryption certificates for TLCP. The certificates
// are valid for one year. It returns the Config that serves them (GM on).
// Never use them outside development: the CA keys are discarded, but
// anyone with the directory holds the server keys.
func DevCerts(dir string, hosts []string) (Config, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Config{}, fmt.Errorf("dev certs: %w", err)
	}
	now := time.Now().Add(-time.Hour)
	if err := devECDSA(dir, hosts, now); err != nil {
		return Config{}, err
	}
	if err := devSM2(dir, hosts, now); err != nil {
		return Config{}, err
	}
	p := func(f string) string { return filepath.Join(dir, f) }
	return Config{
		Cert: p(DevFiles.Cert), Key: p(DevFiles.Key), GM: true,
		SignCert: p(DevFiles.SignCert), SignKey: p(DevFiles.SignKey),
		EncCert: p(DevFiles.EncCert), EncKey: p(DevFiles.EncKey),
	}, nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func split(hosts []string) (names []string, ips []net.IP) {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else {
			names = append(names, h)
		}
	}
	return names, ips
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return fmt.Errorf("dev certs: %w", err)
	}
	return nil
}

func devECDSA(dir string, hosts []string, now time.Time) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	sn, err := serial()
	if err != nil {
		return err
	}
	ca := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: "Lianjian dev CA", Organization: []string{"Lianjian"}},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("dev ca: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if sn, err = serial(); err != nil {
		return err
	}
	names, ips := split(hosts)
	leaf := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: "lianjian", Organization: []string{"Lianjian"}},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), DNSNames: names, IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("dev server cert: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, DevFiles.CA), "CERTIFICATE", caDER, 0o644); err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, DevFiles.Cert), "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, DevFiles.Key), "PRIVATE KEY", keyDER, 0o600)
}

func devSM2(dir string, hosts []string, now time.Time) error {
	caKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	sn, err := serial()
	if err != nil {
		return err
	}
	ca := &gmx509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: "Lianjian dev SM2 CA", Organization: []string{"Lianjian"}},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: gmx509.KeyUsageCertSign | gmx509.KeyUsageCRLSign, SignatureAlgorithm: gmx509.SM2WithSM3,
	}
	caDER, err := gmx509.CreateCertificate(ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("dev sm2 ca: %w", err)
	}
	if caParsed, err := gmx509.ParseCertificate(caDER); err == nil {
		ca = caParsed
	}
	if err := writePEM(filepath.Join(dir, DevFiles.SM2CA), "CERTIFICATE", caDER, 0o644); err != nil {
		return err
	}
	names, ips := split(hosts)
	for _, p := range []struct {
		cert, key, cn string
		usage         gmx509.KeyUsage
	}{
		{DevFiles.SignCert, DevFiles.SignKey, "lianjian sign", gmx509.KeyUsageDigitalSignature},
		{DevFiles.EncCert, DevFiles.EncKey, "lianjian enc", gmx509.KeyUsageKeyEncipherment | gmx509.KeyUsageDataEncipherment | gmx509.KeyUsageKeyAgreement},
	} {
		key, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		if sn, err = serial(); err != nil {
			return err
		}
		leaf := &gmx509.Certificate{
			SerialNumber: sn, Subject: pkix.Name{CommonName: p.cn, Organization: []string{"Lianjian"}},
			NotBefore: now, NotAfter: now.AddDate(1, 0, 0), DNSNames: names, IPAddresses: ips,
			KeyUsage: p.usage, ExtKeyUsage: []gmx509.ExtKeyUsage{gmx509.ExtKeyUsageServerAuth},
			SignatureAlgorithm: gmx509.SM2WithSM3,
		}
		der, err := gmx509.CreateCertificate(leaf, ca, &key.PublicKey, caKey)
		if err != nil {
			return fmt.Errorf("dev sm2 cert: %w", err)
		}
		keyPEM, err := gmx509.WritePrivateKeyToPem(key, nil)
		if err != nil {
			return err
		}
		if err := writePEM(filepath.Join(dir, p.cert), "CERTIFICATE", der, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, p.key), keyPEM, 0o600); err != nil {
			return fmt.Errorf("dev certs: %w", err)
		}
	}
	return nil
}
