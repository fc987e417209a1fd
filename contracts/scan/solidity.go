package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/chaincode"
	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/contracts/solc"
)

// solidity compiles the .sol files (relative to root) in as few units as
// their pragmas allow and scans every contract's runtime code.
func (s *Scanner) solidity(ctx context.Context, root string, files []string, target string, rep *Report) error {
	srcs := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		srcs[f] = b
	}
	units, err := solc.Units(files, srcs)
	if err != nil {
		return fmt.Errorf("scan %s: %w", s.rel(target, target), err)
	}
	for _, unit := range units {
		start := time.Now()
		out, err := s.solc.Compile(ctx, root, unit)
		if err != nil {
			return fmt.Errorf("compile %s: %w", s.rel(filepath.Join(root, unit[0]), target), err)
		}
		compile := time.Since(start)
		var sources []evm.SourceFile
		for _, p := range out.Sources {
			abs := filepath.Join(root, filepath.FromSlash(p))
			text, err := os.ReadFile(abs)
			if err != nil {
				text = nil // a source solc resolved elsewhere: findings keep their pc
			}
			sources = append(sources, evm.SourceFile{Path: s.rel(abs, target), Text: text})
		}
		for _, c := range out.Contracts {
			if err := s.contract(c, out, sources, compile, root, target, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

// contract scans one compiled contract and maps its findings to source.
func (s *Scanner) contract(c solc.Contract, out *solc.Output, sources []evm.SourceFile, compile time.Duration, root, target string, rep *Report) error {
	path := s.rel(filepath.Join(root, filepath.FromSlash(c.File)), target)
	art := Artifact{Kind: KindSolidity, Path: path, Contract: c.Name, Compiler: out.Version.String(), Compile: compile}
	opts := evm.Options{Hash: s.cfg.Hash}
	if len(c.ABI) > 0 {
		if sigs, err := evm.ParseABI(c.ABI); err == nil {
			opts.Signatures = sigs
		}
	}
	start := time.Now()
	res, err := evm.Scan(c.Runtime, opts)
	if err != nil {
		return fmt.Errorf("scan %s:%s: %w", path, c.Name, err)
	}
	smap, err := evm.ParseSourceMap(c.SourceMap)
	if err != nil {
		return fmt.Errorf("scan %s:%s: %w", path, c.Name, err)
	}
	evm.Locate(res.Findings, res.Program, smap, sources)
	if len(c.Creation) > 0 {
		// The constructor runs once, from the creation code.
		opts.Constructor = true
		cres, err := evm.Scan(c.Creation, opts)
		if err != nil {
			return fmt.Errorf("scan %s:%s constructor: %w", path, c.Name, err)
		}
		cmap, err := evm.ParseSourceMap(c.CreationSourceMap)
		if err != nil {
			return fmt.Errorf("scan %s:%s constructor: %w", path, c.Name, err)
		}
		evm.Locate(cres.Findings, cres.Program, cmap, sources)
		res.Findings = append(res.Findings, cres.Findings...)
		res.Complete = res.Complete && cres.Complete
	}
	art.Analyze, art.Complete = time.Since(start), res.Complete
	for i := range res.Findings {
		l := &res.Findings[i].Location
		l.Contract = c.Name
		if l.Path == "" {
			l.Path = path
		}
	}
	art.Findings = len(res.Findings)
	rep.Findings = append(rep.Findings, res.Findings...)
	rep.Artifacts = append(rep.Artifacts, art)
	return nil
}

// bytecode scans a file of hex runtime bytecode, or a binary WebAssembly
// module, which is reported as not analysed.
func (s *Scanner) bytecode(abs, target string, rep *Report) error {
	path := s.rel(abs, target)
	code, err := os.ReadFile(abs)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if !evm.IsWASM(code) {
		code, err = evm.DecodeHex(strings.Join(strings.Fields(string(code)), ""))
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadBytecode, path, err)
		}
	}
	start := time.Now()
	res, err := evm.Scan(code, evm.Options{Hash: s.cfg.Hash})
	if err != nil {
		return fmt.Errorf("scan %s: %w", path, err)
	}
	for i := range res.Findings {
		res.Findings[i].Location.Path = path
	}
	kind := KindBytecode
	if res.WASM {
		kind = KindWASM
		s.log.Warn("wasm contract not analysed", "path", path)
	}
	rep.Findings = append(rep.Findings, res.Findings...)
	rep.Artifacts = append(rep.Artifacts, Artifact{
		Kind: kind, Path: path, Analyze: time.Since(start), Findings: len(res.Findings), Complete: res.Complete,
	})
	return nil
}

// chaincode analyses the Go module or package in dir, or one Go file. The
// artifact is complete when every declaration type-checked.
func (s *Scanner) chaincode(ctx context.Context, path, target string, rep *Report) error {
	start := time.Now()
	res, err := chaincode.Check(ctx, path)
	if err != nil {
		return fmt.Errorf("scan %s: %w", s.rel(path, target), err)
	}
	fs := res.Findings
	for _, g := range res.Gaps {
		fs = append(fs, g.Finding())
	}
	dir := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		dir = filepath.Dir(path)
	}
	for _, f := range fs {
		rep.Findings = append(rep.Findings, FromChaincode(f, s.rel(filepath.Join(dir, filepath.FromSlash(f.File)), target)))
	}
	rep.Artifacts = append(rep.Artifacts, Artifact{
		Kind: KindChaincode, Path: s.rel(path, target), Analyze: time.Since(start), Findings: len(fs), Complete: len(res.Gaps) == 0,
	})
	return nil
}

// FromChaincode converts a chaincode analyzer finding into the shared
// contract finding, placed at path.
func FromChaincode(f chaincode.Finding, path string) contracts.Finding {
	return contracts.Finding{
		Rule:     f.Rule,
		Severity: f.Severity,
		Message:  f.Message,
		Location: contracts.Location{Path: path, Contract: f.Package, Line: f.Line, Column: f.Column},
	}
}
