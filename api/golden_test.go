package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/lianjian/lianjian/ledger/ledgertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden pins the wire format of representative responses. Run with
// -update after an intended change and review the diff.
func TestGolden(t *testing.T) {
	s := newTestServer(t, Config{}, openIndex(t, t.TempDir()), nil)
	v := Version
	for _, tc := range []struct{ name, path string }{
		{"chains", v + "/chains"},
		{"evm-block", v + "/chains/" + evmChain + "/blocks/1"},
		{"evm-blocks-page", v + "/chains/" + evmChain + "/blocks?limit=2"},
		{"evm-tx-raw", v + "/chains/" + evmChain + "/txs/" + fixTxID("new/3/0") + "?raw=1"},
		{"fabric-config-block", v + "/chains/" + fabChain + "/blocks/0"},
		{"fabric-tx", v + "/chains/" + fabChain + "/txs/" + fixTxID("fab/1/0")},
		{"findings-critical", v + "/findings?min_severity=critical"},
		{"reorgs", v + "/chains/" + evmChain + "/reorgs"},
		{"rules", v + "/rules"},
		{"error-bad-ref", v + "/chains/" + evmChain + "/blocks/abc"},
		{"error-not-found", v + "/chains/" + evmChain + "/blocks/99"},
		{"fisco-block", v + "/chains/" + fisChain + "/blocks/3"},
		{"fisco-tx-governance", v + "/chains/" + fisChain + "/txs/" + fiscoTxID(ledgertest.FiscoGovernanceHeight, 1)},
		{"fisco-governance", v + "/chains/" + fisChain + "/governance"},
		{"fisco-sealers", v + "/chains/" + fisChain + "/sealers"},
		{"fisco-search-sealer", v + "/search?q=0x" + ledgertest.FiscoNode(3)},
		{"error-sealers-of-evm", v + "/chains/" + evmChain + "/sealers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := do(t, s.Handler(), http.MethodGet, tc.path, nil)
			var buf bytes.Buffer
			if err := json.Indent(&buf, body, "", "  "); err != nil {
				t.Fatalf("GET %s body is not JSON: %v", tc.path, err)
			}
			buf.WriteByte('\n')
			file := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("GET %s differs from %s:\n%s", tc.path, file, buf.Bytes())
			}
		})
	}
}
