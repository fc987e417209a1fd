package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fisco"
)

// fiscoImportFlags are the options of ingest --fisco-dir.
type fiscoImportFlags struct {
	dir, chain, group string
	gm                bool
	lang              lang
}

// runFiscoImport verifies FISCO BCOS JSON-RPC results handed over as files
// and commits their blocks, in height order, to the index as one chain.
// Blocks already indexed are skipped when their hash matches; a gap in
// the heights stops the import there, since the index keeps a chain
// without holes.
func runFiscoImport(ctx context.Context, e *env, cfg *Config, f fiscoImportFlags) error {
	files, err := fisco.ListFiles(f.dir)
	if err != nil {
		return fmt.Errorf("ingest --fisco-dir: %w", err)
	}
	id := cmp.Or(f.chain, "fisco")
	if !ledger.ValidChainID(id) {
		return fmt.Errorf("%w: ingest: chain id %q must be 1-63 lower-case letters, digits, '.', '_' or '-'", errUsage, id)
	}
	vc := fisco.Config{Chain: id, Group: f.group}
	if f.gm {
		vc.Suite = fisco.SuiteGM
	}
	if ch := findChain(cfg, id); ch != nil && ch.Fisco != nil {
		vc = ch.fiscoConfig().Config
	}
	v, err := fisco.NewVerifier(vc)
	if err != nil {
		return fmt.Errorf("%w: ingest: %w", errUsage, err)
	}
	log := newLogger(e.stderr, cfg.Log)
	db, err := openIndexCLI(cfg, f.lang, log, createIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	// The start entry comes first, so that a killed import still leaves a
	// trace in the audit log.
	act, err := startAction(ctx, e, db, "cli ingest --fisco-dir", id, f.dir)
	if err != nil {
		return err
	}
	var (
		blocks, skipped, txs, standalone, findings int
		registered                                 bool
	)
	err = v.VerifyFiles(files, func(b *ledger.Block) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !registered {
			m := ledger.Chain{ID: id, Kind: ledger.KindFisco, Crypto: ledger.CryptoIntl, Group: f.group,
				Network: fmt.Sprintf("FISCO BCOS %d.x", v.Version())}
			if v.Suite() == fisco.SuiteGM {
				m.Crypto = ledger.CryptoGM
			}
			if old, err := db.Chain(ctx, id); err == nil && old.Kind != ledger.KindFisco {
				return fmt.Errorf("%w: chain %s is already a %s chain", errUsage, id, old.Kind)
			}
			if err := db.PutChain(ctx, m); err != nil {
				return err
			}
			registered = true
		}
		if stored, err := db.Block(ctx, id, b.Height); err == nil {
			if !bytes.Equal(stored.Hash, b.Hash) {
				return fmt.Errorf("block %d: the index holds hash %x, the file %x: import into another chain id", b.Height, stored.Hash, b.Hash)
			}
			skipped++
			return nil
		}
		if err := db.Commit(ctx, b); err != nil {
			if errors.Is(err, ledger.ErrGap) {
				return fmt.Errorf("block %d does not follow the indexed chain (a gap in the files): %w", b.Height, err)
			}
			return fmt.Errorf("commit block %d: %w", b.Height, err)
		}
		blocks++
		txs += len(b.Txs)
		findings += len(b.Findings)
		return nil
	}, func(c fisco.Checked) error {
		standalone++
		findings += len(c.Findings)
		return nil
	})
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted after %d blocks: %w", blocks, ctx.Err())
	}
	if err := act.end(ctx, err, fmt.Sprintf("%d blocks (%d txs) from %s, %d already indexed, %d findings", blocks, txs, f.dir, skipped, findings)); err != nil {
		return err
	}
	fmt.Fprint(e.stdout, f.lang.sprintf(ingestTexts[f.lang].Fisco,
		blocks, txs, id, f.lang.suite(v.Suite()), skipped, standalone, findings))
	return nil
}

// findChain returns the configured chain with id, or nil.
func findChain(cfg *Config, id string) *ChainConfig {
	for i := range cfg.Chains {
		if cfg.Chains[i].ID == id {
			return &cfg.Chains[i]
		}
	}
	return nil
}
