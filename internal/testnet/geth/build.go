// Package geth starts a real go-ethereum node on loopback, for
// integration tests, benchmarks and the demo: in developer mode (--dev,
// with its unlocked, pre-funded dev account) to drive realistic traffic
// into it, or as a private, non-dev node initialised from a small genesis
// (Options.Private) that holds no keys, for checks that must see a
// production-like configuration.
package geth

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/lianjian/lianjian/internal/testnet/repo"
)

// Version is the go-ethereum release the tools module builds; it must
// equal the version in the main go.mod (a test checks this).
const Version = "v1.17.10"

// Build returns the path of the geth binary, building it from the tools
// module on first use. The binary is cached under the repository's
// .cache folder, keyed by version; concurrent builders race safely
// because each writes a temporary file and renames it into place.
func Build(ctx context.Context) (string, error) {
	if p := os.Getenv("LIANJIAN_GETH"); p != "" {
		return p, nil
	}
	cache, err := repo.Cache()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(cache, "bin", "geth-"+Version)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", tmp, "github.com/ethereum/go-ethereum/cmd/geth")
	cmd.Dir = filepath.Join(root, "internal", "testnet", "tools", "geth")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build geth %s: %w\n%s", Version, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}
