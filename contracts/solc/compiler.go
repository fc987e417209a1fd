package solc

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

//go:embed wrapper.js
var wrapperJS []byte

// Config chooses and locates compilers. The zero value finds solc and node
// on PATH and never installs anything.
type Config struct {
	// Solc is a solc binary to use for every source, whatever its pragma.
	Solc string
	// Version forces a solc-js version (e.g. "0.8.26") instead of the one
	// chosen from the pragmas.
	Version string
	// CacheDir holds solc-js installs, one per version, in
	// CACHEDIR/VERSION/node_modules/solc. Empty disables solc-js.
	CacheDir string
	// Install lets the compiler run `npm install` into CacheDir for a
	// version that is not installed yet.
	Install bool
	// Node and NPM name the node and npm binaries; default "node" and
	// "npm" on PATH.
	Node, NPM string
	// Optimize compiles with the optimizer on (200 runs).
	Optimize bool
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Version != "" {
		if _, err := ParseVersion(c.Version); err != nil {
			return fmt.Errorf("%w: version %q", ErrConfig, c.Version)
		}
	}
	if c.Install && c.CacheDir == "" {
		return fmt.Errorf("%w: install needs a cache dir", ErrConfig)
	}
	return nil
}

// Compiler compiles Solidity sources. It is safe for concurrent use.
type Compiler struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	native  *Version // version of the solc binary on PATH, when probed
	probed  bool
	install sync.Mutex // serialises npm installs
}

// New returns a compiler for cfg; log may be nil.
func New(cfg Config, log *slog.Logger) (*Compiler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CacheDir != "" {
		abs, err := filepath.Abs(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("%w: cache dir: %w", ErrConfig, err)
		}
		cfg.CacheDir = abs
	}
	if cfg.Node == "" {
		cfg.Node = "node"
	}
	if cfg.NPM == "" {
		cfg.NPM = "npm"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Compiler{cfg: cfg, log: log}, nil
}

// Contract is one compiled contract.
type Contract struct {
	File string // source path as given to Compile
	Name string
	// Runtime is the deployed bytecode, with unlinked library addresses
	// zeroed.
	Runtime []byte
	// SourceMap is the runtime code's compressed source map.
	SourceMap string
	// Creation is the creation bytecode (constructor code followed by
	// the runtime code as data), with unlinked addresses zeroed, and
	// CreationSourceMap its source map; empty when the compiler gave none.
	Creation          []byte
	CreationSourceMap string
	ABI               json.RawMessage
}

// Output is the result of compiling one unit.
type Output struct {
	Version Version
	// Sources lists the unit's source paths by the compiler's source
	// index, the File field of source-map entries.
	Sources   []string
	Contracts []Contract
	// Warnings are the compiler's non-fatal messages.
	Warnings []string
}

// Compile compiles the .sol files (paths relative to root, slash-separated)
// as one unit with a compiler chosen from their pragmas. Imports resolve
// relative to root.
func (c *Compiler) Compile(ctx context.Context, root string, files []string) (*Output, error) {
	sources := map[string]map[string]string{}
	var want Constraint
	for _, f := range files {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, fmt.Errorf("read source: %w", err)
		}
		p, err := Pragma(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		want = want.And(p)
		sources[f] = map[string]string{"content": string(src)}
	}
	input := map[string]any{
		"language": "Solidity",
		"sources":  sources,
		"settings": map[string]any{
			"optimizer": map[string]any{"enabled": c.cfg.Optimize, "runs": 200},
			"outputSelection": map[string]any{"*": map[string]any{
				"*": []string{"abi", "evm.deployedBytecode.object", "evm.deployedBytecode.sourceMap", "evm.bytecode.object", "evm.bytecode.sourceMap"},
			}},
		},
	}
	in, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("encode compiler input: %w", err)
	}
	plan, err := c.plan(ctx, want)
	if err != nil {
		return nil, err
	}
	var first error
	var others []string
	for i, v := range plan {
		out, err := c.compileWith(ctx, v, root, in)
		if err == nil {
			if first != nil {
				c.log.Info("compiled with a later candidate", "pragma", want.String(), "version", v.String(),
					"failed", plan[0].String())
			}
			return out, nil
		}
		if first == nil {
			first = err
		} else {
			others = append(others, v.String())
		}
		if !retryable(err) || ctx.Err() != nil || i == len(plan)-1 {
			break
		}
	}
	if len(others) > 0 {
		return nil, fmt.Errorf("%w (also failed with solc %s)", first, strings.Join(others, ", "))
	}
	return nil, first
}

// compileWith compiles standard JSON input with version v of a plan.
func (c *Compiler) compileWith(ctx context.Context, v Version, root string, in []byte) (*Output, error) {
	run, err := c.runner(ctx, v, root)
	if err != nil {
		return nil, err
	}
	raw, err := run(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("solc %s: %w", v, err)
	}
	out, err := decodeOutput(raw)
	if err != nil {
		return nil, fmt.Errorf("solc %s: %w", v, err)
	}
	out.Version = v
	return out, nil
}

// runner compiles standard JSON input to standard JSON output.
type runner func(ctx context.Context, input []byte) ([]byte, error)

// plan lists the compiler versions to try, in order, for a unit whose
// pragmas require want:
//
//   - Config.Solc, or Config.Version, alone when set;
//   - without a cache dir, the solc binary on PATH when it matches;
//   - with installs on, Candidates(want), whatever is cached;
//   - with installs off, the candidates that are cached or are the solc
//     binary on PATH, else the newest cached matching patch of each
//     series, oldest series first.
func (c *Compiler) plan(ctx context.Context, want Constraint) ([]Version, error) {
	if c.cfg.Solc != "" {
		v, err := c.binaryVersion(ctx, c.cfg.Solc)
		if err != nil {
			return nil, err
		}
		return []Version{v}, nil
	}
	if c.cfg.Version != "" {
		v, _ := ParseVersion(c.cfg.Version)
		return []Version{v}, nil
	}
	native, hasNative := c.nativeVersion(ctx)
	if c.cfg.CacheDir == "" {
		if hasNative && want.Match(native) {
			return []Version{native}, nil
		}
		return nil, fmt.Errorf("%w: pragma %q, no matching solc binary and solc-js installs are off", ErrNoCompiler, want)
	}
	cands := Candidates(want)
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoVersion, want)
	}
	if c.cfg.Install {
		return cands, nil
	}
	available := func(v Version) bool { return c.hasSolcJS(v) || hasNative && v == native }
	var plan []Version
	for _, v := range cands {
		if available(v) {
			plan = append(plan, v)
		}
	}
	if len(plan) == 0 {
		have := c.installedMatching(want)
		if hasNative && want.Match(native) {
			have = append(have, native)
		}
		plan = candidates(want, have)
	}
	if len(plan) == 0 {
		return nil, fmt.Errorf("%w: pragma %q, solc %s not installed in %s and installs are off",
			ErrNoCompiler, want, cands[0], c.cfg.CacheDir)
	}
	return plan, nil
}

// runner returns a runner for version v: the solc binary given in
// Config.Solc or found on PATH when it is v, else solc-js.
func (c *Compiler) runner(ctx context.Context, v Version, root string) (runner, error) {
	if c.cfg.Solc != "" {
		return c.binary(c.cfg.Solc, root), nil
	}
	if native, ok := c.nativeVersion(ctx); ok && native == v {
		return c.binary("solc", root), nil
	}
	return c.solcJS(ctx, v, root)
}

// installedMatching returns the solc-js versions in the cache that satisfy
// want.
func (c *Compiler) installedMatching(want Constraint) []Version {
	ents, err := os.ReadDir(c.cfg.CacheDir)
	if err != nil {
		return nil
	}
	var out []Version
	for _, e := range ents {
		v, err := ParseVersion(e.Name())
		if err != nil || v.String() != e.Name() || !want.Match(v) || !c.hasSolcJS(v) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func (c *Compiler) versionDir(v Version) string { return filepath.Join(c.cfg.CacheDir, v.String()) }

func (c *Compiler) hasSolcJS(v Version) bool {
	_, err := os.Stat(filepath.Join(c.versionDir(v), "node_modules", "solc", "soljson.js"))
	return err == nil
}

// solcJS returns a runner for solc-js version v, installing it first when
// allowed.
func (c *Compiler) solcJS(ctx context.Context, v Version, root string) (runner, error) {
	if c.cfg.CacheDir == "" {
		return nil, fmt.Errorf("%w: solc-js %s needs a cache dir", ErrNoCompiler, v)
	}
	if err := c.ensure(ctx, v); err != nil {
		return nil, err
	}
	dir := c.versionDir(v)
	script := filepath.Join(dir, "lianjian-solc.js")
	if old, err := os.ReadFile(script); err != nil || !bytes.Equal(old, wrapperJS) {
		if err := writeAtomic(script, wrapperJS); err != nil {
			return nil, fmt.Errorf("write solc-js wrapper: %w", err)
		}
	}
	run := func(ctx context.Context, input []byte) ([]byte, error) {
		return c.exec(ctx, input, "", c.cfg.Node, script, dir, root)
	}
	return run, nil
}

// ensure installs solc-js v into the cache unless it is there.
func (c *Compiler) ensure(ctx context.Context, v Version) error {
	c.install.Lock()
	defer c.install.Unlock()
	if c.hasSolcJS(v) {
		return nil
	}
	if !c.cfg.Install {
		return fmt.Errorf("%w: solc-js %s is not installed in %s", ErrNoCompiler, v, c.cfg.CacheDir)
	}
	dir := c.versionDir(v)
	c.log.Info("installing solc-js", "version", v.String(), "dir", dir)
	if err := os.MkdirAll(c.cfg.CacheDir, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrNoCompiler, err)
	}
	// Install into a private directory and rename it into place, so that
	// concurrent processes (parallel test binaries) never share a
	// half-installed tree.
	tmp, err := os.MkdirTemp(c.cfg.CacheDir, ".install-"+v.String()+"-")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoCompiler, err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, c.cfg.NPM, "install", "--prefix", tmp, "--no-audit", "--no-fund",
		"--loglevel=error", "solc@"+v.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: npm install solc@%s: %w: %s", ErrNoCompiler, v, err, firstLines(stderr.String(), 5))
	}
	if err := os.Rename(tmp, dir); err != nil && !c.hasSolcJS(v) {
		return fmt.Errorf("%w: install solc@%s: %w", ErrNoCompiler, v, err)
	}
	if !c.hasSolcJS(v) {
		return fmt.Errorf("%w: npm install solc@%s left no soljson.js", ErrNoCompiler, v)
	}
	return nil
}

// binary returns a runner for a solc executable.
func (c *Compiler) binary(path, root string) runner {
	return func(ctx context.Context, input []byte) ([]byte, error) {
		return c.exec(ctx, input, root, path, "--standard-json", "--allow-paths", ".")
	}
}

// binaryVersion asks a solc executable for its version.
func (c *Compiler) binaryVersion(ctx context.Context, path string) (Version, error) {
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return Version{}, fmt.Errorf("%w: %s --version: %w", ErrNoCompiler, path, err)
	}
	// The last line reads "Version: 0.8.26+commit.8a97fa7a.Linux.g++".
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return ParseVersion(lines[len(lines)-1])
}

// nativeVersion probes a solc binary on PATH once.
func (c *Compiler) nativeVersion(ctx context.Context) (Version, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.probed {
		c.probed = true
		if _, err := exec.LookPath("solc"); err == nil {
			if v, err := c.binaryVersion(ctx, "solc"); err == nil {
				c.native = &v
			}
		}
	}
	if c.native == nil {
		return Version{}, false
	}
	return *c.native, true
}

// exec runs name with args in dir ("" for the current directory), feeding
// input on stdin.
func (c *Compiler) exec(ctx context.Context, input []byte, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", ErrNoCompiler, err)
		}
		return nil, fmt.Errorf("%w: %s: %w: %s", ErrRun, filepath.Base(name), err, readable(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// readable trims a compiler's stderr to a short message: a crashing
// solc-js makes Node print the offending line of soljson.js, megabytes of
// minified JavaScript, so long lines are cut and at most five kept.
func readable(s string) string {
	const maxLine = 200
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.Trim(l, "^ ") == "" {
			continue
		}
		if len(l) > maxLine {
			l = l[:maxLine] + "…"
		}
		keep = append(keep, l)
		if len(keep) == 5 {
			break
		}
	}
	return strings.Join(keep, " | ")
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], " | ")
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".wrapper-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
