package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/lianjian/lianjian"

// owners maps an import path prefix to the package path prefixes allowed
// to import it (non-test code).
var owners = map[string][]string{
	"github.com/dgraph-io/badger":          {module + "/ledger/index"},
	"github.com/dgraph-io/ristretto":       {module + "/ledger/index"},
	"github.com/gin-gonic/gin":             {module + "/api"},
	"golang.org/x/time":                    {module + "/api"},
	"github.com/ethereum/go-ethereum":      {module + "/ledger/evm", module + "/ledger/fisco", module + "/contracts/evm", module + "/internal/testnet"},
	"github.com/TarsCloud/TarsGo":          {module + "/ledger/fisco"},
	"github.com/hyperledger/fabric-protos": {module + "/ledger/fabric", module + "/internal/testnet"},
	"github.com/hyperledger/fabric-sdk-go": {module + "/ledger/fabric", module + "/internal/testnet"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range p.Imports {
			for prefix, allowed := range owners {
				if strings.HasPrefix(imp, prefix) && !hasPrefix(p.ImportPath, allowed) {
					t.Errorf("%s imports %s; only %v may", p.ImportPath, imp, allowed)
				}
			}
			if (strings.HasPrefix(imp, module+"/api") && !strings.HasPrefix(p.ImportPath, module+"/api") && !strings.HasPrefix(p.ImportPath, module+"/cmd")) ||
				strings.HasPrefix(imp, module+"/cmd") {
				t.Errorf("%s imports %s: nothing imports api or cmd", p.ImportPath, imp)
			}
		}
	}
	if n < 10 {
		t.Fatalf("go list found only %d packages", n)
	}
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}
