package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lianjian/lianjian/api/transport"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

// apiToken is the bearer token getJSON sends, when set.
var apiToken string

// createToken makes a regulator token in the config's data dir and
// returns its secret.
func createToken(t *testing.T, cfg string) string {
	t.Helper()
	out, _, err := runCmd(t, "users", "create", "--config", cfg, "--name", "test", "--role", "regulator")
	if err != nil {
		t.Fatalf("users create = %v", err)
	}
	return strings.TrimSpace(out)
}

// TestServeTLSAndTokens runs serve with dev certificates and no chains,
// and checks token authentication over TLS, the CLI's user management
// and the audit log of CLI and API actions.
func TestServeTLSAndTokens(t *testing.T) {
	port, err := geth.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\napi: {listen: \"127.0.0.1:%d\", tls: {dev: true}}\n", data, port))
	secret := createToken(t, cfg)
	if out, _, err := runCmd(t, "users", "list", "--config", cfg); err != nil || !strings.Contains(out, "regulator") || strings.Contains(out, secret) {
		t.Fatalf("users list = %q, %v", out, err)
	}
	if _, _, err := runCmd(t, "users", "create", "--config", cfg, "--name", "x", "--role", "operator"); err == nil {
		t.Fatal("users create of an operator without --org succeeded")
	}
	serve := startLianjian(t, "serve", "--config", cfg)
	defer func() { serve.Process.Kill(); serve.Wait() }()

	var client *http.Client
	waitFor(t, "dev certificates", 30*time.Second, func() bool {
		ca, err := os.ReadFile(filepath.Join(data, "tls", transport.DevFiles.CA))
		if err != nil {
			return false
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		return true
	})
	base := fmt.Sprintf("https://localhost:%d", port)
	get := func(path, token string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor(t, "the API over TLS", 30*time.Second, func() bool { return get("/healthz", "") == 200 })
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/api/v1/chains", "", 401},
		{"/api/v1/chains", secret, 200},
		{"/api/v1/auditlog", secret, 200},
		{"/metrics", "", 200},
	} {
		if got := get(tc.path, tc.token); got != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, got, tc.want)
		}
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/users", strings.NewReader(`{"name":"ops","role":"operator","org":"Org1MSP"}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Secret string `json:"secret"`
	}
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 200 || get("/api/v1/findings", created.Secret) != 200 || get("/api/v1/chains", created.Secret) != 403 {
		t.Fatalf("operator token from the API: create %d", resp.StatusCode)
	}
	serve.Process.Signal(os.Interrupt)
	serve.Wait()

	out, _, err := runCmd(t, "auditlog", "verify", "--config", cfg)
	if err != nil {
		t.Fatalf("auditlog verify = %q, %v", out, err)
	}
	// The GET without a token is counted, not logged alone: its summary
	// is written when serve stops.
	out, _, err = runCmd(t, "auditlog", "list", "--config", cfg)
	if n := strings.Count(out, "\n"); err != nil || n != 3 || !strings.Contains(out, "cli users create") || !strings.Contains(out, "POST /api/v1/users") ||
		!strings.Contains(out, "refused requests\tGET /api/v1/chains\t127.0.0.1\trefused 1 (401: 1, 429: 0)") {
		t.Fatalf("auditlog list = %q, %v; want 3 entries (CLI create, API create, refusal summary)", out, err)
	}
	out, _, err = runCmd(t, "report", "--config", cfg, "--format", "json", "--lang", "en")
	if err != nil || !strings.Contains(out, `"lang": "en"`) {
		t.Fatalf("report = %q, %v", out, err)
	}
}
