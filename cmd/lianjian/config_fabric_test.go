package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtureUserMSP = sharedFixtures + "/fabric-2.5.9/crypto/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp"

// fabricConfig writes a config with one fabric chain whose fabric:
// section is body (indented by the caller), with @PROFILE@ and @MSP@
// replaced by real paths.
func fabricConfig(t *testing.T, body string) string {
	t.Helper()
	profile := filepath.Join(t.TempDir(), "connection.yaml")
	if err := os.WriteFile(profile, []byte("version: 1.0.0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	msp, err := filepath.Abs(fixtureUserMSP)
	if err != nil {
		t.Fatal(err)
	}
	body = strings.NewReplacer("@PROFILE@", profile, "@MSP@", msp).Replace(body)
	return writeConfig(t, "chains:\n  - id: fab\n    kind: fabric\n"+body)
}

func TestLoadFabricConfig(t *testing.T) {
	needFixtures(t)
	p := fabricConfig(t, `    fabric:
      network: consortium
      profile: @PROFILE@
      channels: [ch1, ch2]
      chain_ids: {ch2: second}
      user: {msp_id: Org1MSP, msp_dir: @MSP@}
`)
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	ch := cfg.Chains[0]
	ids := ch.chainIDs()
	if len(ids) != 2 || ids[0] != "fab-ch1" || ids[1] != "second" {
		t.Errorf("chainIDs = %v, want fab-ch1 and second", ids)
	}
	ms := ch.fabricModels()
	if len(ms) != 2 || ms[0].Network != "consortium" || ms[1].Channel != "ch2" || ms[1].ID != "second" {
		t.Errorf("fabricModels = %+v", ms)
	}
	lc, err := ch.liveConfig("fabric")
	if err != nil || len(lc.Cert) == 0 || len(lc.Key) == 0 || lc.MSPID != "Org1MSP" {
		t.Errorf("liveConfig = %+v, %v", lc, err)
	}
}

func TestFabricConfigErrors(t *testing.T) {
	needFixtures(t)
	tests := []struct {
		name, body, key string
	}{
		{"no section", "", "chains[0].fabric"},
		{"no profile", "    fabric: {channels: [ch], user: {msp_dir: @MSP@}}\n", "chains[0].fabric.profile"},
		{"missing profile", "    fabric: {profile: /nonexistent.yaml, channels: [ch], user: {msp_dir: @MSP@}}\n", "chains[0].fabric.profile"},
		{"no channels", "    fabric: {profile: @PROFILE@, user: {msp_dir: @MSP@}}\n", "chains[0].fabric.channels"},
		{"bad channel", "    fabric: {profile: @PROFILE@, channels: [Bad_Channel], user: {msp_dir: @MSP@}}\n", "chains[0].fabric.channels[0]"},
		{"stray chain id", "    fabric: {profile: @PROFILE@, channels: [ch], chain_ids: {other: x}, user: {msp_dir: @MSP@}}\n", "chains[0].fabric.chain_ids"},
		{"bad chain id", "    fabric: {profile: @PROFILE@, channels: [ch], chain_ids: {ch: Bad/Id}, user: {msp_dir: @MSP@}}\n", "chains[0].fabric.chain_ids"},
		{"no user", "    fabric: {profile: @PROFILE@, channels: [ch]}\n", "fabric.user"},
		{"both user forms", "    fabric: {profile: @PROFILE@, channels: [ch], user: {msp_dir: @MSP@, cert: x}}\n", "fabric.user"},
		{"missing msp dir", "    fabric: {profile: @PROFILE@, channels: [ch], user: {msp_dir: /nonexistent}}\n", "fabric.user.msp_dir"},
		{"missing cert", "    fabric: {profile: @PROFILE@, channels: [ch], user: {cert: /nonexistent, key: /nonexistent}}\n", "fabric.user.cert"},
		{"gm live", "    crypto: gm\n    fabric: {profile: @PROFILE@, channels: [ch], user: {msp_dir: @MSP@}}\n", "chains[0].crypto"},
		{"unknown key", "    fabric: {profile: @PROFILE@, channels: [ch], user: {msp_dir: @MSP@}, peers: [x]}\n", "peers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(fabricConfig(t, tc.body))
			if err == nil {
				t.Fatalf("LoadConfig accepted %q", tc.body)
			}
			var ce *ConfigError
			if errors.As(err, &ce) && !strings.HasPrefix(ce.Key, tc.key) && !strings.HasSuffix(ce.Key, tc.key) {
				t.Errorf("error key = %q, want %q (%v)", ce.Key, tc.key, err)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("LoadConfig error %q does not name %q", err, tc.key)
			}
		})
	}
}

func TestFabricChainIDsUnique(t *testing.T) {
	needFixtures(t)
	p := fabricConfig(t, `    fabric: {profile: @PROFILE@, channels: [ch], user: {msp_dir: @MSP@}}
  - id: fab-ch
    evm: {http: "http://127.0.0.1:8545"}
`)
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), `"fab-ch" is used by another chain`) {
		t.Errorf("LoadConfig with a clashing chain id = %v", err)
	}
}
