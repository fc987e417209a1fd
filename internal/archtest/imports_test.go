package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/lianjian/lianjian"

// owners maps an import path prefix to the packages allowed to import it
// (non-test code). An owner ending in "/..." covers that package and the
// packages under it; any other owner is that one package.
var owners = map[string][]string{
	"github.com/dgraph-io/badger":    {module + "/ledger/index/..."},
	"github.com/dgraph-io/ristretto": {module + "/ledger/index/..."},
	"github.com/gin-gonic/gin":       {module + "/api/..."},
	// The PostgreSQL driver: only the PostgreSQL storage backend.
	"github.com/jackc/":                    {module + "/ledger/storage/pgkv"},
	"golang.org/x/time":                    {module + "/api/..."},
	"github.com/ethereum/go-ethereum":      {module + "/ledger/evm/...", module + "/ledger/fisco/...", module + "/internal/testnet/..."},
	"github.com/TarsCloud/TarsGo":          {module + "/ledger/fisco/..."},
	"github.com/hyperledger/fabric-protos": {module + "/ledger/fabric/...", module + "/internal/testnet/..."},
	"github.com/hyperledger/fabric-sdk-go": {module + "/ledger/fabric/...", module + "/internal/testnet/..."},

	// The fences below list today's importers exactly (see fenced).
	// SM2, SM3 and SM certificates: the adapters and the stages that
	// verify signatures or hash with SM3.
	"github.com/emmansun/gmsm": {
		module + "/audit", module + "/contracts/evm", module + "/ledger/fabric", module + "/ledger/fisco",
		module + "/ledger/fisco/gov", module + "/ledger/supervise", module + "/nodes",
	},
	// TLCP (GM TLS) for the API listener.
	"github.com/tjfoc/gmsm": {module + "/api/transport"},
	// Protobuf: the Fabric decoder, and the auditor that re-encodes what
	// Fabric hashes.
	"google.golang.org/protobuf": {module + "/audit", module + "/ledger/fabric"},
	"github.com/golang/protobuf": {},
	"github.com/prometheus/":     {module + "/api", module + "/internal/cluster"},
	// NATS: the client only in the cluster package, the server only in
	// the test harness that starts it.
	"github.com/nats-io/nats.go":     {module + "/internal/cluster"},
	"github.com/nats-io/nats-server": {module + "/internal/natstest"},
	// The chaincode scanner loads and analyses Go packages.
	"golang.org/x/tools": {module + "/contracts/chaincode"},
}

// fenced are the prefixes whose owners must each still import them, so
// that the list stays exactly today's importers and an owner that stops
// needing one leaves the list instead of holding a gap in the fence.
var fenced = []string{
	"github.com/emmansun/gmsm",
	"github.com/tjfoc/gmsm",
	"google.golang.org/protobuf",
	"github.com/golang/protobuf",
	"github.com/prometheus/",
	"golang.org/x/tools",
	"github.com/jackc/",
	"github.com/nats-io/nats.go",
	"github.com/nats-io/nats-server",
}

// badger is linked (imported directly or through other packages) only by
// the index and by the binaries that compose it with the stages: every
// other package reaches storage through interfaces and the record types
// of ledger/record.
const badger = "github.com/dgraph-io/badger"

var mayLinkBadger = []string{module + "/ledger/index/...", module + "/cmd/..."}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var ps []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) < 10 {
		t.Fatalf("go list found only %d packages", len(ps))
	}
	return ps
}

func TestImportRules(t *testing.T) {
	ps := listPackages(t)
	imported := map[string]map[string]bool{} // fenced prefix -> importers
	for _, p := range ps {
		for _, imp := range p.Imports {
			for prefix, allowed := range owners {
				if !strings.HasPrefix(imp, prefix) {
					continue
				}
				if !owns(allowed, p.ImportPath) {
					t.Errorf("%s imports %s; only %v may", p.ImportPath, imp, allowed)
				}
				if imported[prefix] == nil {
					imported[prefix] = map[string]bool{}
				}
				imported[prefix][p.ImportPath] = true
			}
			if (strings.HasPrefix(imp, module+"/api") && !strings.HasPrefix(p.ImportPath, module+"/api") && !strings.HasPrefix(p.ImportPath, module+"/cmd")) ||
				strings.HasPrefix(imp, module+"/cmd") {
				t.Errorf("%s imports %s: nothing imports api or cmd", p.ImportPath, imp)
			}
		}
	}
	for _, prefix := range fenced {
		for _, o := range owners[prefix] {
			if !imported[prefix][o] {
				t.Errorf("%s is listed as owner of %s but no longer imports it: drop it from the list", o, prefix)
			}
		}
	}
}

// TestBadgerOnlyInIndex checks the transitive rule: no package but the
// index and the binaries links badger, whatever the path to it.
func TestBadgerOnlyInIndex(t *testing.T) {
	ps := listPackages(t)
	links := map[string]bool{}
	for _, p := range ps {
		links[p.ImportPath] = slices.ContainsFunc(p.Deps, func(d string) bool { return strings.HasPrefix(d, badger) })
	}
	if !links[module+"/ledger/index"] {
		t.Fatalf("ledger/index does not link %s: the check below proves nothing", badger)
	}
	checked := 0
	for _, p := range ps {
		if owns(mayLinkBadger, p.ImportPath) {
			continue
		}
		checked++
		if !links[p.ImportPath] {
			continue
		}
		var via []string
		for _, imp := range p.Imports {
			if links[imp] || strings.HasPrefix(imp, badger) {
				via = append(via, imp)
			}
		}
		t.Errorf("%s links %s (through %v); only %v may: depend on an interface and ledger/record instead", p.ImportPath, badger, via, mayLinkBadger)
	}
	if checked < 10 {
		t.Fatalf("checked only %d packages", checked)
	}
}

// owns reports whether pkg is one of owners ("/..." covering the packages
// under an owner).
func owns(owners []string, pkg string) bool {
	for _, o := range owners {
		if base, ok := strings.CutSuffix(o, "/..."); ok {
			if pkg == base || strings.HasPrefix(pkg, base+"/") {
				return true
			}
		} else if pkg == o {
			return true
		}
	}
	return false
}
