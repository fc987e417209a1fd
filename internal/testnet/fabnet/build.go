package fabnet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/lianjian/lianjian/internal/testnet/repo"
)

// Supported Fabric versions.
const (
	V2_5_9 = "2.5.9" // Fabric v2.5.9, etcdraft
	V3_1_1 = "3.1.1" // Fabric v3.1.1, etcdraft or BFT
)

// fabricModule is the Go module the tools modules pin.
const fabricModule = "github.com/hyperledger/fabric"

// fabricTools are the Fabric commands Build produces.
var fabricTools = []string{"peer", "orderer", "configtxgen", "cryptogen", "osnadmin", "configtxlator"}

// ChaincodeBinary is the file name of the key/value chaincode in a bin dir.
const ChaincodeBinary = "kvcc"

// stampFile records the hash of the build inputs inside a bin dir.
const stampFile = ".inputs"

// Bin is a directory holding one Fabric version's binaries, the chaincode
// and Fabric's sampleconfig (in the sampleconfig subdirectory).
type Bin string

// Path returns the path of the named binary.
func (b Bin) Path(name string) string { return filepath.Join(string(b), name) }

// SampleConfig returns the directory holding core.yaml and orderer.yaml.
func (b Bin) SampleConfig() string { return filepath.Join(string(b), "sampleconfig") }

// Build returns the bin dir of the given Fabric version, building it into
// <cache>/fabric-<version>/bin first when it is missing or its inputs (the
// tools module and the chaincode sources) changed. Builds are serialised
// across processes by a lock file, and each build goes to a temporary
// directory renamed into place, so concurrent callers are safe. A cold build
// needs only the Go module proxy and takes several minutes.
func Build(ctx context.Context, version string, logger *slog.Logger) (Bin, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	toolsDir := filepath.Join(root, "internal", "testnet", "tools", "fabric-"+version)
	if _, err := os.Stat(filepath.Join(toolsDir, "go.mod")); err != nil {
		return "", fmt.Errorf("%w: %q", ErrUnknownVersion, version)
	}
	ccDir := filepath.Join(root, "internal", "testnet", "chaincode")
	cache, err := repo.Cache()
	if err != nil {
		return "", err
	}
	verDir := filepath.Join(cache, "fabric-"+version)
	bin := Bin(filepath.Join(verDir, "bin"))
	stamp, err := inputsHash(toolsDir, ccDir)
	if err != nil {
		return "", err
	}
	if fresh(bin, stamp) {
		return bin, nil
	}
	if err := os.MkdirAll(verDir, 0o755); err != nil {
		return "", fmt.Errorf("create cache dir: %w", err)
	}
	unlock, err := lock(filepath.Join(cache, "fabric-build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if fresh(bin, stamp) { // another process built it while we waited
		return bin, nil
	}
	removeStale(verDir)
	logger.Info("building fabric binaries", "version", version, "dir", string(bin))
	tmp, err := os.MkdirTemp(verDir, "bin.tmp-")
	if err != nil {
		return "", fmt.Errorf("create build dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := buildInto(ctx, tmp, toolsDir, ccDir); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, stampFile), []byte(stamp), 0o644); err != nil {
		return "", fmt.Errorf("write stamp: %w", err)
	}
	if _, err := os.Stat(string(bin)); err == nil {
		old := filepath.Join(verDir, fmt.Sprintf("bin.old-%d", os.Getpid()))
		if err := os.Rename(string(bin), old); err != nil {
			return "", fmt.Errorf("retire old bin dir: %w", err)
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, string(bin)); err != nil {
		return "", fmt.Errorf("install bin dir: %w", err)
	}
	logger.Info("built fabric binaries", "version", version)
	return bin, nil
}

// removeStale deletes leftovers of interrupted builds in verDir. It runs
// under the build lock, so no other build is using them.
func removeStale(verDir string) {
	for _, pattern := range []string{"bin.tmp-*", "bin.old-*"} {
		old, _ := filepath.Glob(filepath.Join(verDir, pattern))
		for _, d := range old {
			os.RemoveAll(d)
		}
	}
}

func fresh(bin Bin, stamp string) bool {
	b, err := os.ReadFile(bin.Path(stampFile))
	return err == nil && string(b) == stamp
}

// inputsHash hashes the files that determine the binaries.
func inputsHash(toolsDir, ccDir string) (string, error) {
	h := sha256.New()
	add := func(dir string, names []string) error {
		sort.Strings(names)
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				return fmt.Errorf("hash build inputs: %w", err)
			}
			fmt.Fprintf(h, "%s/%s %d\n", filepath.Base(dir), n, len(b))
			h.Write(b)
		}
		return nil
	}
	if err := add(toolsDir, []string{"go.mod", "go.sum", "tools.go"}); err != nil {
		return "", err
	}
	var cc []string
	err := filepath.WalkDir(ccDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if n := d.Name(); strings.HasSuffix(n, ".go") || n == "go.mod" || n == "go.sum" {
			rel, _ := filepath.Rel(ccDir, p)
			cc = append(cc, rel)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash build inputs: %w", err)
	}
	if err := add(ccDir, cc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func buildInto(ctx context.Context, out, toolsDir, ccDir string) error {
	pkgs := make([]string, len(fabricTools))
	for i, t := range fabricTools {
		pkgs[i] = fabricModule + "/cmd/" + t
	}
	args := append([]string{"build", "-o", out + string(filepath.Separator)}, pkgs...)
	if _, err := goCmd(ctx, toolsDir, args...); err != nil {
		return err
	}
	if _, err := goCmd(ctx, ccDir, "build", "-o", filepath.Join(out, ChaincodeBinary), "."); err != nil {
		return err
	}
	modDir, err := goCmd(ctx, toolsDir, "list", "-m", "-f", "{{.Dir}}", fabricModule)
	if err != nil {
		return err
	}
	src := filepath.Join(strings.TrimSpace(string(modDir)), "sampleconfig")
	dst := filepath.Join(out, "sampleconfig")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("copy sampleconfig: %w", err)
	}
	for _, f := range []string{"core.yaml", "orderer.yaml", "configtx.yaml"} {
		if err := copyFile(filepath.Join(src, f), filepath.Join(dst, f), 0o644); err != nil {
			return fmt.Errorf("copy sampleconfig: %w", err)
		}
	}
	return nil
}

// goCmd runs the go command in dir with module mode forced (the tools
// modules have no vendor dir and may need go.sum updates).
func goCmd(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: go %s in %s: %v: %s", ErrCommand, strings.Join(args, " "), dir, err, tail(stderr.Bytes()))
	}
	return out, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// lock takes an exclusive advisory lock on path, blocking until it is free.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open build lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("take build lock: %w", err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// tail returns the last few hundred bytes of command output for errors.
func tail(b []byte) string {
	const max = 1500
	b = bytes.TrimSpace(b)
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
