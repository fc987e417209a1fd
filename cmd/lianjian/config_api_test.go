package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAPIConfig(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "hook.secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef-hmac\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := writeConfig(t, `
data_dir: `+dir+`
api:
  listen: "127.0.0.1:8443"
  tls: {dev: true}
  rate_limit: 20
  max_body_bytes: 4096
  alerts:
    backoff: 2s
    hooks:
      - {name: soc, url: "https://soc.example/hook", secret_file: `+secret+`, min_severity: critical}
      - {name: org1, url: "https://org1.example/hook", secret_env: ORG1_SECRET, orgs: [Org1MSP]}
`)
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.API.serverConfig()
	if sc.RateLimit != 20 || sc.MaxBodyBytes != 4096 || sc.Addr != "127.0.0.1:8443" {
		t.Errorf("serverConfig = %+v", sc)
	}
	ac, err := cfg.API.alertConfig(func(k string) string {
		if k == "ORG1_SECRET" {
			return "fedcba9876543210"
		}
		return ""
	})
	if err != nil || len(ac.Hooks) != 2 || ac.Hooks[0].Secret != "0123456789abcdef-hmac" || ac.Hooks[1].Orgs[0] != "Org1MSP" {
		t.Fatalf("alertConfig = %+v, %v", ac, err)
	}
	if _, err := cfg.API.alertConfig(func(string) string { return "" }); err == nil {
		t.Error("a hook without its secret was accepted")
	}
	tc, err := cfg.API.transport(dir)
	if err != nil || !tc.GM || !strings.HasPrefix(tc.Cert, filepath.Join(dir, "tls")) {
		t.Fatalf("transport = %+v, %v", tc, err)
	}
	again, err := cfg.API.transport(dir)
	if err != nil || again != tc {
		t.Errorf("second transport = %+v, %v; want the same files reused", again, err)
	}
	for _, bad := range []TLSConfig{
		{Dev: true, GM: true},
		{Cert: "a"},
		{GM: true, SignCert: "a"},
	} {
		a := APIConfig{TLS: bad}
		var ce *ConfigError
		if _, err := a.transport(dir); !errors.As(err, &ce) {
			t.Errorf("transport(%+v) = %v, want a ConfigError", bad, err)
		}
	}
}
