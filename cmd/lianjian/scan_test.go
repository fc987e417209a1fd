package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/internal/testnet/repo"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// solcCache is the repository's solc-js cache, filled from npm on first
// use.
func solcCache(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs node and solc-js from npm")
	}
	cache, err := repo.Cache()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(cache, "solc")
}

func TestScanGolden(t *testing.T) {
	cache := solcCache(t)
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{"text", []string{"--format", "text"}, "scan-report.txt"}, // zh-CN, the default
		{"text-en", []string{"--format", "text", "--lang", "en"}, "scan-report.en.txt"},
		{"json", []string{"--format", "json"}, "scan-report.json"},
		{"sarif", []string{"--format", "sarif"}, "scan-report.sarif"},
		{"sarif-en", []string{"--format", "sarif", "--lang", "en"}, "scan-report.sarif"}, // machine formats are not translated
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"scan"}, tt.args...), "--solc-cache", cache, "testdata/scan")
			out, errOut, err := runCmd(t, args...)
			if err != nil {
				t.Fatalf("%v = %v (%s)", args, err, errOut)
			}
			golden := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestScanGolden -update)", err)
			}
			if out != string(want) {
				t.Errorf("%v differs from %s (run with -update to accept):\n%s", args, golden, out)
			}
		})
	}
}

func TestScanExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want error // nil, errFindings or errUsage
	}{
		{"clean below fail-on", []string{"--fail-on", "critical", "testdata/scan/chaincode"}, nil},
		{"findings at fail-on", []string{"--fail-on", "high", "testdata/scan/killable.hex"}, errFindings},
		{"no fail-on", []string{"testdata/scan/killable.hex"}, nil},
		{"flags after the path", []string{"testdata/scan/killable.hex", "--fail-on", "critical"}, errFindings},
		{"bad severity", []string{"--fail-on", "urgent", "testdata/scan/killable.hex"}, errUsage},
		{"bad format", []string{"--format", "xml", "testdata/scan/killable.hex"}, errUsage},
		{"sm3 hash", []string{"--hash", "sm3", "--fail-on", "critical", "testdata/scan/killable.hex"}, errFindings},
		{"bad hash", []string{"--hash", "md5", "testdata/scan/killable.hex"}, errUsage},
		{"no path", nil, errUsage},
		{"missing path", []string{"testdata/scan/absent.sol"}, errUsage},
		{"not bytecode", []string{"testdata/scan/chaincode/go.mod"}, errUsage},
		{"chain without store", []string{"--chain", "dev", "testdata/scan/killable.hex"}, errUsage},
		{"attach without sequence", []string{"--attach", "basic", "--chain", "dev", "--data-dir", "x", "testdata/scan/killable.hex"}, errUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && strings.Contains(strings.Join(tt.args, " "), "chaincode") {
				t.Skip("loads Go packages")
			}
			_, _, err := runCmd(t, append([]string{"scan"}, tt.args...)...)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("scan %v = %v, want %v", tt.args, err, tt.want)
			}
		})
	}
}

// TestScanHashRecorded checks that JSON and SARIF reports name the
// selector hash --hash chose.
func TestScanHashRecorded(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "keccak256"},
		{[]string{"--hash", "sm3"}, "sm3"},
		{[]string{"--hash", "GM"}, "sm3"},
	}
	for _, tt := range tests {
		for _, format := range []string{"json", "sarif"} {
			args := append([]string{"scan", "--format", format}, tt.args...)
			out, errOut, err := runCmd(t, append(args, "testdata/scan/killable.hex")...)
			if err != nil {
				t.Fatalf("%v = %v (%s)", args, err, errOut)
			}
			var rep struct {
				Properties map[string]any `json:"properties"`
				Runs       []struct {
					Properties map[string]any `json:"properties"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			props := rep.Properties
			if format == "sarif" && len(rep.Runs) == 1 {
				props = rep.Runs[0].Properties
			}
			if got := props["selectorHash"]; got != tt.want {
				t.Errorf("%v selectorHash = %v, want %s", args, got, tt.want)
			}
		}
	}
}

func TestScanCompileErrorExit(t *testing.T) {
	cache := solcCache(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Broken.sol"), []byte("pragma solidity 0.8.26;\ncontract B { function f() public { nope(); } }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "scan", "--solc-cache", cache, dir); !errors.Is(err, errUsage) {
		t.Errorf("scan Broken.sol = %v, want a usage error (exit 2)", err)
	}
}

func TestScanStoreDataDir(t *testing.T) {
	dir := t.TempDir()
	_, errOut, err := runCmd(t, "scan", "--chain", "audit", "--data-dir", dir, "--source", "killable", "testdata/scan/killable.hex")
	if err != nil {
		t.Fatalf("scan --data-dir = %v (%s)", err, errOut)
	}
	db, err := index.Open(dir, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fs, _, err := db.Findings(context.Background(), ledger.FindingFilter{Chain: "audit", Subject: "killable"}, ledger.Page{Limit: 10})
	if err != nil || len(fs) != 1 || fs[0].Rule != "EVM-SELFDESTRUCT" || fs[0].Evidence["path"] != "testdata/scan/killable.hex" {
		t.Fatalf("stored findings = %+v, %v", fs, err)
	}
}

func TestScanStoreServer(t *testing.T) {
	var got scanUpload
	var path, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	tests := []struct {
		name     string
		args     []string
		wantPath string
	}{
		{"source scan", []string{"--chain", "dev"}, "/api/v1/chains/dev/scans"},
		{"attached scan", []string{"--chain", "fab", "--attach", "basic", "--sequence", "2", "--cc-version", "1.1"}, "/api/v1/chains/fab/chaincodes/basic/scans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"scan", "--server", srv.URL, "--token", "tok"}, tt.args...)
			if _, _, err := runCmd(t, append(args, "testdata/scan/killable.hex")...); err != nil {
				t.Fatalf("scan --server = %v", err)
			}
			if path != tt.wantPath || auth != "Bearer tok" || len(got.Findings) != 1 || got.Source != "testdata/scan/killable.hex" {
				t.Errorf("POST %s auth %q body %+v", path, auth, got)
			}
		})
	}
	srv.Close()
	_, _, err := runCmd(t, "scan", "--server", srv.URL, "--chain", "dev", "testdata/scan/killable.hex")
	if !errors.Is(err, errUsage) {
		t.Errorf("scan to a closed server = %v, want an error", err)
	}
}

// TestScanChaincodeCoverage checks that scan says how much Go code it
// analysed and how to analyse the rest, in both languages, and keeps
// that out of JSON on stdout.
func TestScanChaincodeCoverage(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		// A lone chaincode file without go.mod importing a module no
		// cache holds: Audit uses it and is not analysed.
		"cc.go": `package main

import (
	"example.com/notcached/util"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

var calls int

func Touch(stub shim.ChaincodeStubInterface) error {
	calls++
	return stub.PutState("k", []byte("v"))
}

func Audit() string { return util.Stamp() }

func main() {}
`,
		"fake.go": "// Code generated by counterfeiter. DO NOT EDIT.\npackage main\n\nvar fakeCalls int\n\nfunc fake() { fakeCalls++ }\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--lang", "en"}, []string{"CC-GLOBAL-STATE", "CC-NOT-ANALYSED", "Go chaincode: 1 files analysed, 1 generated files skipped, 1 declarations not analysed", "add a go.mod"}},
		{nil, []string{"Go 链码：已分析 1 个文件，跳过 1 个生成文件，1 处声明未分析", "补全分析：添加 go.mod"}},
	}
	for _, tt := range tests {
		args := append(append([]string{"scan"}, tt.args...), dir)
		out, errOut, err := runCmd(t, args...)
		if err != nil {
			t.Fatalf("%v = %v (%s)", args, err, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v output lacks %q:\n%s", args, w, out)
			}
		}
		if strings.Contains(out, "fakeCalls") {
			t.Errorf("%v reports the generated fake:\n%s", args, out)
		}
	}
	out, errOut, err := runCmd(t, "scan", "--format", "json", "--lang", "en", dir)
	if err != nil {
		t.Fatalf("scan --format json = %v (%s)", err, errOut)
	}
	var rep any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Errorf("scan --format json stdout is not JSON: %v", err)
	}
	if !strings.Contains(errOut, "1 declarations not analysed") {
		t.Errorf("scan --format json stderr = %q, want the coverage summary", errOut)
	}
}
