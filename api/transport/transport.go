package transport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/tjfoc/gmsm/gmtls"
)

// ErrConfig means a Config is unusable.
var ErrConfig = errors.New("invalid tls config")

// Config names the certificate files. With none set the listener is plain
// TCP.
type Config struct {
	// Cert and Key are a PEM certificate (chain) and key for standard TLS.
	Cert, Key string
	// GM enables TLCP. SignCert/SignKey and EncCert/EncKey are the SM2
	// signing and encryption pairs. With Cert and Key also set, one port
	// serves both: TLCP to GM clients, TLS 1.2 to the others.
	GM                bool
	SignCert, SignKey string
	EncCert, EncKey   string
}

// Enabled reports whether the config asks for TLS of either kind.
func (c Config) Enabled() bool { return c.GM || c.Cert != "" || c.Key != "" }

// Validate checks that the needed files are named.
func (c Config) Validate() error {
	if (c.Cert == "") != (c.Key == "") {
		return fmt.Errorf("%w: cert and key go together", ErrConfig)
	}
	if c.GM && (c.SignCert == "" || c.SignKey == "" || c.EncCert == "" || c.EncKey == "") {
		return fmt.Errorf("%w: gm needs sign_cert, sign_key, enc_cert and enc_key", ErrConfig)
	}
	if !c.GM && (c.SignCert != "" || c.EncCert != "") {
		return fmt.Errorf("%w: SM2 certificates given without gm: true", ErrConfig)
	}
	return nil
}

// Listen wraps l according to c: unchanged, standard TLS, or TLCP
// (with or without standard TLS beside it). It returns the scheme to
// advertise ("http" or "https").
func Listen(l net.Listener, c Config) (net.Listener, string, error) {
	if err := c.Validate(); err != nil {
		return nil, "", err
	}
	switch {
	case !c.Enabled():
		return l, "http", nil
	case !c.GM:
		cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, "", fmt.Errorf("load tls key pair: %w", err)
		}
		return tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), "https", nil
	}
	cfg, err := gmConfig(c)
	if err != nil {
		return nil, "", err
	}
	return gmtls.NewListener(l, cfg), "https", nil
}

func gmConfig(c Config) (*gmtls.Config, error) {
	sign, err := gmtls.LoadX509KeyPair(c.SignCert, c.SignKey)
	if err != nil {
		return nil, fmt.Errorf("load sm2 signing pair: %w", err)
	}
	enc, err := gmtls.LoadX509KeyPair(c.EncCert, c.EncKey)
	if err != nil {
		return nil, fmt.Errorf("load sm2 encryption pair: %w", err)
	}
	if c.Cert == "" {
		return &gmtls.Config{GMSupport: gmtls.NewGMSupport(), Certificates: []gmtls.Certificate{sign, enc}}, nil
	}
	std, err := gmtls.LoadX509KeyPair(c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("load tls key pair: %w", err)
	}
	return gmtls.NewBasicAutoSwitchConfig(&sign, &enc, &std)
}
