package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lianjian/lianjian/api"
	"github.com/lianjian/lianjian/api/alert"
	"github.com/lianjian/lianjian/api/transport"
	"github.com/lianjian/lianjian/ledger"
)

// APIConfig configures the HTTP API (the api: section of the config).
type APIConfig struct {
	Listen         string       `yaml:"listen"`
	TLS            TLSConfig    `yaml:"tls"`
	RequestTimeout Duration     `yaml:"request_timeout"`
	MaxBodyBytes   int64        `yaml:"max_body_bytes"`
	MaxPageSize    int          `yaml:"max_page_size"`
	RateLimit      float64      `yaml:"rate_limit"` // requests per second per token; negative disables
	RateBurst      int          `yaml:"rate_burst"`
	UnauthRate     float64      `yaml:"unauth_rate"` // requests per second per address without a valid token; negative disables
	UnauthBurst    int          `yaml:"unauth_burst"`
	Alerts         AlertsConfig `yaml:"alerts"`
}

// TLSConfig configures the API's transport security.
type TLSConfig struct {
	// Dev generates (once) and serves development certificates from
	// DATA_DIR/tls: TLS and TLCP on the same port.
	Dev      bool   `yaml:"dev"`
	Cert     string `yaml:"cert"`
	Key      string `yaml:"key"`
	GM       bool   `yaml:"gm"` // TLCP (GM/T 0024) with SM2 certificates
	SignCert string `yaml:"sign_cert"`
	SignKey  string `yaml:"sign_key"`
	EncCert  string `yaml:"enc_cert"`
	EncKey   string `yaml:"enc_key"`
}

// AlertsConfig configures webhooks.
type AlertsConfig struct {
	Hooks    []HookConfig `yaml:"hooks"`
	Attempts int          `yaml:"attempts"`
	Backoff  Duration     `yaml:"backoff"`
	Poll     Duration     `yaml:"poll"`
}

// HookConfig is one webhook. The HMAC secret is read from a file (or an
// environment variable), never written in the config itself.
type HookConfig struct {
	Name        string   `yaml:"name"`
	URL         string   `yaml:"url"`
	SecretFile  string   `yaml:"secret_file"`
	SecretEnv   string   `yaml:"secret_env"`
	MinSeverity string   `yaml:"min_severity"` // default high
	Orgs        []string `yaml:"orgs"`         // empty: every org
}

// serverConfig turns the section into the API server's settings.
func (a *APIConfig) serverConfig() api.Config {
	return api.Config{
		Addr: a.Listen, RequestTimeout: time.Duration(a.RequestTimeout), MaxBodyBytes: a.MaxBodyBytes,
		MaxPageSize: a.MaxPageSize, RateLimit: a.RateLimit, RateBurst: a.RateBurst,
		UnauthRate: a.UnauthRate, UnauthBurst: a.UnauthBurst,
	}
}

// transport returns the listener security, generating dev certificates
// under dataDir when asked to.
func (a *APIConfig) transport(dataDir string) (transport.Config, error) {
	t := a.TLS
	if t.Dev {
		if t.Cert != "" || t.GM {
			return transport.Config{}, bad("api.tls.dev", "dev certificates exclude cert, key and gm")
		}
		dir := filepath.Join(dataDir, "tls")
		if _, err := os.Stat(filepath.Join(dir, transport.DevFiles.EncKey)); err == nil {
			return devConfig(dir), nil
		}
		return transport.DevCerts(dir, []string{"localhost", "127.0.0.1", "::1"})
	}
	c := transport.Config{
		Cert: t.Cert, Key: t.Key, GM: t.GM,
		SignCert: t.SignCert, SignKey: t.SignKey, EncCert: t.EncCert, EncKey: t.EncKey,
	}
	if err := c.Validate(); err != nil {
		return c, bad("api.tls", "%s", err)
	}
	return c, nil
}

func devConfig(dir string) transport.Config {
	p := func(f string) string { return filepath.Join(dir, f) }
	return transport.Config{
		Cert: p(transport.DevFiles.Cert), Key: p(transport.DevFiles.Key), GM: true,
		SignCert: p(transport.DevFiles.SignCert), SignKey: p(transport.DevFiles.SignKey),
		EncCert: p(transport.DevFiles.EncCert), EncKey: p(transport.DevFiles.EncKey),
	}
}

// alertConfig reads the hook secrets and builds the dispatcher settings.
func (a *APIConfig) alertConfig(getenv func(string) string) (alert.Config, error) {
	c := alert.Config{Attempts: a.Alerts.Attempts, Backoff: time.Duration(a.Alerts.Backoff), Poll: time.Duration(a.Alerts.Poll)}
	for i, h := range a.Alerts.Hooks {
		key := fmt.Sprintf("api.alerts.hooks[%d]", i)
		var secret string
		switch {
		case h.SecretFile != "":
			b, err := os.ReadFile(h.SecretFile)
			if err != nil {
				return c, bad(key+".secret_file", "%s", reason(err))
			}
			secret = strings.TrimSpace(string(b))
		case h.SecretEnv != "":
			secret = getenv(h.SecretEnv)
		}
		c.Hooks = append(c.Hooks, alert.Hook{
			Name: h.Name, URL: h.URL, Secret: secret, MinSeverity: ledger.Severity(h.MinSeverity), Orgs: h.Orgs,
		})
	}
	if err := c.Validate(); err != nil {
		return c, bad("api.alerts", "%s", err)
	}
	return c, nil
}
