package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureDir is the shared fixture directory, beside the repository.
const fixtureDir = "../../../shared/fixtures"

func TestVerify(t *testing.T) {
	dropped := t.TempDir()
	for _, n := range []string{"0", "1", "2", "3", "5", "6"} {
		raw, err := os.ReadFile(filepath.Join(fixtureDir, "fabric-2.5.9/peer/mychannel_"+n+".block"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dropped, "mychannel_"+n+".block"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		args    []string
		wantErr error
		want    []string
	}{
		{"upstream peer copy", []string{filepath.Join(fixtureDir, "fabric-2.5.9/peer")}, nil,
			[]string{"chain mychannel: blocks 0..12 (13), txs 15, signatures checked 41", "integrity OK"}},
		{"gm orderer copy with the system channel", []string{"--gm", filepath.Join(fixtureDir, "fabric-gm-sm2/orderer")}, nil,
			[]string{"chain mychannel: blocks 0..5 (6)", "SM2 pre-hash none", "GM-HASH-NOT-SM3", "chain system-channel: blocks 0..0 (1)", "integrity OK"}},
		{"block files", []string{"-q", filepath.Join(fixtureDir, "fabric-2.5.9/peer/mychannel_1.block"), filepath.Join(fixtureDir, "fabric-2.5.9/peer/mychannel_0.block")}, nil,
			[]string{"blocks 0..1 (2)", "integrity OK"}},
		{"dropped block", []string{dropped}, errIntegrity,
			[]string{"FAB-HEIGHT", "block 5 comes after block 3: 1 blocks missing", "integrity FAILED"}},
		{"no path", nil, errUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, append([]string{"verify", "--lang", "en"}, tt.args...)...)
			if !errors.Is(err, tt.wantErr) && !(tt.wantErr == nil && err == nil) {
				t.Fatalf("verify %v error = %v, want %v\n%s", tt.args, err, tt.wantErr, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("verify %v output lacks %q:\n%s", tt.args, w, out)
				}
			}
		})
	}
}

func TestAuditCommand(t *testing.T) {
	data := t.TempDir()
	if _, _, err := runCmd(t, "ingest", "--data-dir", data, "--progress", "never", "--chain", "net",
		"--fabric-dir", filepath.Join(fixtureDir, "fabric-2.5.9/peer")); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	out, _, err := runCmd(t, "audit", "--data-dir", data, "--chain", "net-mychannel", "--from", "0")
	if err != nil || !strings.Contains(out, "链 net-mychannel：区块 0..12（共 13 个）") || !strings.Contains(out, "完整性校验通过") {
		t.Fatalf("audit = %q, %v", out, err)
	}
	out, _, err = runCmd(t, "audit", "--data-dir", data, "--chain", "net-mychannel", "--from", "0", "--lang", "en")
	if err != nil || !strings.Contains(out, "chain net-mychannel: blocks 0..12 (13)") || !strings.Contains(out, "integrity OK") {
		t.Fatalf("audit --lang en = %q, %v", out, err)
	}
	if _, _, err := runCmd(t, "audit", "--data-dir", data); !errors.Is(err, errUsage) {
		t.Errorf("audit without --chain error = %v, want usage", err)
	}
}
