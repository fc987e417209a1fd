package fabric

import (
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
)

const fixtureUser = fixtures + "/fabric-2.5.9/crypto/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp"

func TestReadMSPDir(t *testing.T) {
	cert, key, err := ReadMSPDir(fixtureUser)
	if err != nil || len(cert) == 0 || len(key) == 0 {
		t.Fatalf("ReadMSPDir = %d, %d bytes, %v", len(cert), len(key), err)
	}
	if _, _, err := ReadMSPDir(filepath.Join(fixtureUser, "cacerts")); err == nil {
		t.Error("ReadMSPDir of a directory without signcerts succeeded")
	}
}

func TestLiveConfigValidate(t *testing.T) {
	cert, key, err := ReadMSPDir(fixtureUser)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  LiveConfig
		ok   bool
	}{
		{"complete", LiveConfig{Profile: "p.yaml", Cert: cert, Key: key}, true},
		{"no profile", LiveConfig{Cert: cert, Key: key}, false},
		{"no key", LiveConfig{Profile: "p.yaml", Cert: cert}, false},
		{"bad cert", LiveConfig{Profile: "p.yaml", Cert: []byte("not a cert"), Key: key}, false},
		{"negative timeout", LiveConfig{Profile: "p.yaml", Cert: cert, Key: key, Timeout: -1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ledger.ErrInvalid) {
				t.Errorf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestSDKLogs(t *testing.T) {
	var buf strings.Builder
	l := sdkLogs{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))}.GetLogger("fabsdk/fab")
	l.Warnf("reconnect %d", 3)
	l.Debug("hidden")
	if got := buf.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, `text="reconnect 3"`) ||
		!strings.Contains(got, "sdk=fabsdk/fab") || strings.Contains(got, "hidden") {
		t.Errorf("SDK log output = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Fatal did not panic")
		}
	}()
	l.Fatal("boom")
}
