package scan

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/contracts/solc"
)

// Kind says which scanner handled an artifact.
type Kind string

// Artifact kinds.
const (
	KindSolidity  Kind = "solidity"
	KindBytecode  Kind = "bytecode"
	KindChaincode Kind = "chaincode"
	// KindWASM is WebAssembly code (a FISCO BCOS liquid contract), reported
	// with an evm.RuleWASM finding but not analysed.
	KindWASM Kind = "wasm"
)

// Config configures a Scanner.
type Config struct {
	// Solc chooses and locates Solidity compilers.
	Solc solc.Config
	// Base is the directory finding paths are made relative to; empty
	// means the current directory. Artifacts outside it are named
	// relative to the scanned path instead.
	Base string
	// Hash is the hash EVM code derives selectors and event topics with:
	// "" or evm.HashKeccak256, or evm.HashSM3 for code built by a FISCO
	// BCOS national-crypto (GM) solc. Solidity sources are compiled with
	// the configured solc, so SM3 needs Solc.Solc to name a GM compiler.
	Hash evm.Hash
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Hash.Validate(); err != nil {
		return err
	}
	return c.Solc.Validate()
}

// Scanner dispatches paths to the contract scanners.
type Scanner struct {
	cfg  Config
	solc *solc.Compiler
	log  *slog.Logger
}

// New returns a scanner; log may be nil.
func New(cfg Config, log *slog.Logger) (*Scanner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Base == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("scan base: %w", err)
		}
		cfg.Base = wd
	}
	base, err := filepath.Abs(cfg.Base)
	if err != nil {
		return nil, fmt.Errorf("scan base: %w", err)
	}
	cfg.Base = base
	c, err := solc.New(cfg.Solc, log)
	if err != nil {
		return nil, err
	}
	return &Scanner{cfg: cfg, solc: c, log: log}, nil
}

// Artifact is one scanned unit: a compiled contract, a bytecode file or a
// chaincode module.
type Artifact struct {
	Kind     Kind   `json:"kind"`
	Path     string `json:"path"`               // relative, slash-separated
	Contract string `json:"contract,omitempty"` // Solidity contract name
	Compiler string `json:"compiler,omitempty"` // solc version
	// Compile is the time spent compiling the artifact's unit (shared by
	// the contracts of one unit), Analyze the time spent scanning it.
	Compile  time.Duration `json:"compileNanos,omitempty"`
	Analyze  time.Duration `json:"analyzeNanos"`
	Findings int           `json:"findings"`
	// Complete is false when the EVM path explorer hit its step bound.
	Complete bool `json:"complete"`
}

// Report is the outcome of scanning paths.
type Report struct {
	Findings  []contracts.Finding
	Artifacts []Artifact
	// Hash is the selector hash EVM code was scanned with, never "".
	Hash evm.Hash
}

// Scan scans each path and merges the results. It stops at the first
// path that fails (unreadable, does not compile, nothing to scan).
func (s *Scanner) Scan(ctx context.Context, paths ...string) (*Report, error) {
	rep := &Report{Hash: evm.Hash(s.cfg.Hash.String())}
	for _, p := range paths {
		if err := s.scanPath(ctx, p, rep); err != nil {
			return rep, err
		}
	}
	contracts.Sort(rep.Findings)
	return rep, nil
}

func (s *Scanner) scanPath(ctx context.Context, p string, rep *Report) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return fmt.Errorf("scan %s: %w", p, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("scan %s: %w", p, err)
	}
	if !st.IsDir() {
		switch filepath.Ext(abs) {
		case ".sol":
			return s.solidity(ctx, filepath.Dir(abs), []string{filepath.Base(abs)}, abs, rep)
		case ".go":
			return s.chaincode(ctx, abs, abs, rep)
		}
		return s.bytecode(abs, abs, rep)
	}
	sols, code, goRoots, err := walk(abs)
	if err != nil {
		return fmt.Errorf("scan %s: %w", p, err)
	}
	if len(sols) == 0 && len(code) == 0 && len(goRoots) == 0 {
		return fmt.Errorf("%w: %s has no .sol, .go, .hex, .bin-runtime or .wasm files", ErrNothing, p)
	}
	if len(sols) > 0 {
		if err := s.solidity(ctx, abs, sols, abs, rep); err != nil {
			return err
		}
	}
	for _, f := range code {
		if err := s.bytecode(filepath.Join(abs, filepath.FromSlash(f)), abs, rep); err != nil {
			return err
		}
	}
	for _, r := range goRoots {
		if err := s.chaincode(ctx, filepath.Join(abs, filepath.FromSlash(r)), abs, rep); err != nil {
			return err
		}
	}
	return nil
}

// walk lists the .sol and bytecode files (hex, or binary WASM) under dir
// and the Go roots to analyse, as slash paths relative to dir: every
// directory with a go.mod, or dir itself when it holds Go files but no
// module. Hidden directories, node_modules, vendor and testdata are
// skipped.
func walk(dir string) (sols, code, goRoots []string, err error) {
	goCode := false
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "vendor" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasSuffix(name, ".sol"):
			sols = append(sols, rel)
		case strings.HasSuffix(name, ".hex"), strings.HasSuffix(name, ".bin-runtime"), strings.HasSuffix(name, ".wasm"):
			code = append(code, rel)
		case name == "go.mod":
			goRoots = append(goRoots, filepath.ToSlash(filepath.Dir(rel)))
		case strings.HasSuffix(name, ".go"):
			goCode = true
		}
		return nil
	})
	if goCode && len(goRoots) == 0 {
		goRoots = []string{"."}
	}
	slices.Sort(sols)
	slices.Sort(code)
	slices.Sort(goRoots)
	return sols, code, goRoots, err
}

// rel names an absolute path relative to the base directory, or to
// fallback (the scanned path) when it lies outside the base.
func (s *Scanner) rel(abs, fallback string) string {
	if r, err := filepath.Rel(s.cfg.Base, abs); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		return filepath.ToSlash(r)
	}
	if st, err := os.Stat(fallback); err == nil && !st.IsDir() {
		fallback = filepath.Dir(fallback)
	}
	if r, err := filepath.Rel(fallback, abs); err == nil && !strings.HasPrefix(r, "..") {
		if r == "." {
			return filepath.Base(abs)
		}
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(abs)
}
