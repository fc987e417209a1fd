// Package fisconet builds and runs fiscochain, a FISCO BCOS JSON-RPC TEST
// CHAIN, on loopback for integration tests.
//
// fiscochain is a stand-in for a FISCO BCOS node, not a node: no FISCO
// BCOS node can run in this environment (FISCO ships C++ binaries and
// images), so the tests talk to this process instead. It serves the 2.x
// or 3.x JSON-RPC a node serves, for a chain whose transactions are
// encoded, hashed and signed with FISCO's reference Go code (go-sdk v3
// types and smcrypto, go-sdk v1 core/types), whose roots and header
// hashes follow FISCO's rules, and whose blocks carry sealer signatures by
// a quorum. It runs no consensus and no EVM: state roots, contract
// addresses and gas figures are stand-ins. Its node and account keys are
// TEST KEYS derived from a seed; they protect nothing.
//
// The binary lives in the separate tools module
// internal/testnet/tools/fisco, so the FISCO SDKs (and the old
// go-ethereum they pin) stay out of the main module; this package only
// builds and starts it.
package fisconet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lianjian/lianjian/internal/testnet/repo"
)

// Version is the release of FISCO's reference Go code the tools module
// builds with (go-sdk v3 for 3.x, go-sdk v1 for 2.x).
const Version = "go-sdk-v3.0.2+v1.0.0"

// toolsDir is the tools module, relative to the repository root.
var toolsDir = filepath.Join("internal", "testnet", "tools", "fisco")

// Build returns the path of the fiscochain binary, building it from the
// tools module on first use. The binary is cached under the repository's
// .cache/bin, keyed by Version and a hash of the tools module's sources,
// so an edited chain is rebuilt. LIANJIAN_FISCOCHAIN overrides the path.
func Build(ctx context.Context) (string, error) {
	if p := os.Getenv("LIANJIAN_FISCOCHAIN"); p != "" {
		return p, nil
	}
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	cache, err := repo.Cache()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, toolsDir)
	sum, err := sourceHash(dir)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(cache, "bin", "fiscochain-"+Version+"-"+sum)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", tmp, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build fiscochain: %w\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// sourceHash hashes the tools module's non-test sources and go.mod/go.sum.
func sourceHash(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && !strings.HasSuffix(n, "_test.go") &&
			(strings.HasSuffix(n, ".go") || strings.HasSuffix(n, ".hex") || n == "go.mod" || n == "go.sum") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}
