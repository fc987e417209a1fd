package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/fisco"
)

// isFiscoPath reports whether path is not a Fabric ledger layout, so that
// verify reads it as FISCO BCOS JSON-RPC results or raw transactions.
func isFiscoPath(path string) bool {
	_, err := fabric.DetectLayout(path)
	return err != nil
}

// fiscoSummary totals one FISCO verification.
type fiscoSummary struct {
	blocks, txs, items, sealerSigs int
	first, last                    uint64
	findings                       map[string]int
	failing                        int // integrity findings at or above medium severity (posture excluded)
}

// verifyFisco re-verifies FISCO BCOS data handed over as files: every
// block, transaction and receipt, and consecutive blocks as a chain.
func verifyFisco(ctx context.Context, w io.Writer, f verifyFlags, paths []string) (int, error) {
	var files []string
	for _, p := range paths {
		fs, err := fisco.ListFiles(p)
		if err != nil {
			return 0, fmt.Errorf("verify %s: %w", p, err)
		}
		files = append(files, fs...)
	}
	cfg := fisco.Config{Chain: cmp.Or(f.chain, "fisco")}
	if f.gm {
		cfg.Suite = fisco.SuiteGM
	}
	v, err := fisco.NewVerifier(cfg)
	if err != nil {
		return 0, fmt.Errorf("%w: verify: %w", errUsage, err)
	}
	s := fiscoSummary{findings: map[string]int{}}
	start := time.Now()
	emit := func(fs []ledger.Finding) {
		for _, fd := range fs {
			s.findings[fd.Rule]++
			if fd.Severity.Rank() >= ledger.Medium.Rank() && !fisco.IsPosture(fd.Rule) {
				s.failing++
			}
			if f.findings {
				printFinding(w, f.lang, &fd, 28)
			}
		}
	}
	err = v.VerifyFiles(files, func(b *ledger.Block) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.blocks == 0 || b.Height < s.first {
			s.first = b.Height
		}
		s.last = max(s.last, b.Height)
		s.blocks++
		s.txs += len(b.Txs)
		s.sealerSigs += len(b.Signatures)
		emit(b.Findings)
		return nil
	}, func(c fisco.Checked) error {
		s.items++
		emit(c.Findings)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if s.blocks == 0 && s.items == 0 {
		return 0, fmt.Errorf("%w: verify: no FISCO BCOS block, transaction or receipt found in %v", errUsage, paths)
	}
	line := "FISCO BCOS"
	if v.Version() != 0 {
		line = fmt.Sprintf("FISCO BCOS %d.x", v.Version())
	}
	fmt.Fprintf(w, verifyTexts[f.lang].Fisco,
		cfg.Chain, line, f.lang.suite(v.Suite()), s.first, s.last, s.blocks, s.txs, s.sealerSigs, s.items, time.Since(start).Round(time.Millisecond))
	printFindingCounts(w, f.lang, s.findings, s.failing, false)
	return s.failing, nil
}
