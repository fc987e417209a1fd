package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lianjian.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	p := writeConfig(t, `
data_dir: /tmp/x
api: {listen: "127.0.0.1:9999"}
chains:
  - id: dev
    kind: evm
    evm: {http: "http://127.0.0.1:8545", ws: "ws://127.0.0.1:8546", timeout: 5s}
    ingest: {from: 10, batch: 16, poll_interval: 500ms}
  - id: other
    evm: {http: "https://rpc.example"}
`)
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Chains) != 2 || cfg.Chains[1].Kind != "evm" || cfg.Chains[0].Ingest.From != 10 || cfg.Log.Level != "info" {
		t.Fatalf("LoadConfig = %+v", cfg)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, body, key string
	}{
		{"unknown key", "data_dri: x\n", "data_dri"},
		{"bad listen", "api: {listen: nonsense}\n", "api.listen"},
		{"bad level", "log: {level: loud}\n", "log.level"},
		{"bad chain id", "chains: [{id: 'Bad Id', evm: {http: 'http://x:1'}}]\n", "chains[0].id"},
		{"missing evm", "chains: [{id: a, kind: evm}]\n", "chains[0].evm"},
		{"bad url", "chains: [{id: a, evm: {http: 'ftp://x'}}]\n", "chains[0].evm"},
		{"bad ws", "chains: [{id: a, evm: {http: 'http://x:1', ws: 'http://x:2'}}]\n", "chains[0].evm"},
		{"bad kind", "chains: [{id: a, kind: bitcoin}]\n", "chains[0].kind"},
		{"bad crypto", "chains: [{id: a, crypto: rot13, evm: {http: 'http://x:1'}}]\n", "chains[0].crypto"},
		{"duplicate id", "chains: [{id: a, evm: {http: 'http://x:1'}}, {id: a, evm: {http: 'http://x:2'}}]\n", "chains[1].id"},
		{"bad batch", "chains: [{id: a, evm: {http: 'http://x:1'}, ingest: {batch: 5000}}]\n", "chains[0].ingest"},
		{"bad duration", "chains: [{id: a, evm: {http: 'http://x:1', timeout: soon}}]\n", "duration"},
		{"nested unknown", "chains: [{id: a, evm: {htp: 'http://x:1'}}]\n", "htp"},
		{"bad probe concurrency", "nodes: {concurrency: -1}\n", "nodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("LoadConfig(%q) = %v, want an error naming %q", tc.body, err, tc.key)
			}
			var ce *ConfigError
			if strings.Contains(tc.key, ".") && !errors.As(err, &ce) {
				t.Errorf("error %v is not a *ConfigError", err)
			}
		})
	}
}

func TestEmptyConfigIsValid(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, ""))
	if err != nil || cfg.DataDir == "" {
		t.Fatalf("LoadConfig(empty) = %+v, %v", cfg, err)
	}
}

func TestServeRejectsBadConfigBeforeStarting(t *testing.T) {
	p := writeConfig(t, "chains: [{id: a, kind: bitcoin}]\n")
	_, _, err := runCmd(t, "serve", "--config", p)
	if err == nil || !strings.Contains(err.Error(), "chains[0].kind") {
		t.Fatalf("serve with bad config = %v", err)
	}
}
