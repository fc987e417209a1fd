package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/lianjian/lianjian/audit"
	"github.com/lianjian/lianjian/ledger"
)

func init() {
	commands["audit"] = command{run: runAudit}
}

func runAudit(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var c common
	c.register(fs)
	chainID := fs.String("chain", "", "chain id in the index (required)")
	from := fs.Uint64("from", 0, "first height to audit")
	to := fs.Uint64("to", 0, "last height to audit (default: the ingest checkpoint)")
	preHash := fs.String("sm2-prehash", "", "impose the SM2 pre-hash convention (none, SM3, SHA256) instead of detecting it")
	workers := fs.Int("workers", 0, "verification goroutines (default: one per CPU)")
	l := langFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *chainID == "" {
		return fmt.Errorf("%w: audit: --chain is required", errUsage)
	}
	cfg, err := c.load(e)
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg.Log)
	db, err := openIndexCLI(cfg, *l, log, updateIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	chain, err := db.Chain(ctx, *chainID)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if chain.Kind != ledger.KindFabric && chain.Kind != ledger.KindEVM && chain.Kind != ledger.KindFisco {
		return fmt.Errorf("%w: audit: chain %s is %s; the auditor re-verifies Fabric, EVM and FISCO BCOS chains", errUsage, chain.ID, chain.Kind)
	}
	last := *to
	if !isSet(fs, "to") {
		cp, err := db.Checkpoint(ctx, chain.ID)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		last = cp.Height
	}
	act, err := startAction(ctx, e, db, "cli audit", chain.ID, fmt.Sprintf("heights %d-%d", *from, last))
	if err != nil {
		return err
	}
	start := time.Now()
	sum, err := audit.Reaudit(ctx, db, audit.Config{Chain: chain, Workers: *workers, SM2PreHash: *preHash, Logger: log}, *from, last)
	printSummary(e.stdout, *l, sum, time.Since(start), err)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	done := fmt.Sprintf("%d blocks, %d txs, %d signatures, %d integrity findings", sum.Blocks, sum.Txs, sum.Signatures, sum.Integrity)
	if err = act.end(ctx, err, done); err != nil {
		return fmt.Errorf("audit %s: %w", chain.ID, err)
	}
	// The audit ran (the action succeeded), but like verify the command
	// fails when the chain does not.
	if sum.Integrity > 0 {
		return fmt.Errorf("%w: audit %s: %d integrity findings", errIntegrity, chain.ID, sum.Integrity)
	}
	return nil
}
