package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

func init() {
	commands["ingest"] = command{run: runIngest}
}

func runIngest(ctx context.Context, e *env, args []string) error {
	var c common
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	c.register(fs)
	chain := fs.String("chain", "", "chain id: one from the config, or the id to index under with --evm-http")
	evmHTTP := fs.String("evm-http", "", "EVM JSON-RPC endpoint, for ingest without a config file")
	fiscoRPC := fs.String("fisco-rpc", "", "FISCO BCOS JSON-RPC endpoint, for ingest without a config file (with --group)")
	from := fs.Uint64("from", 0, "first height, used when the chain has no checkpoint yet")
	to := fs.Uint64("to", 0, "last height (default: the node's head when ingest starts)")
	batch := fs.Int("batch", 0, "blocks per JSON-RPC batch (default 32)")
	progress := fs.String("progress", "auto", "progress bar: auto (on a terminal), always or never")
	fabricDir := fs.String("fabric-dir", "", "import Fabric ledger files: a directory of .block files or a peer's ledger directory")
	network := fs.String("network", "", "with --fabric-dir: the Fabric network name recorded for each channel")
	fiscoDir := fs.String("fisco-dir", "", "import FISCO BCOS data: a file or directory of JSON-RPC results (blocks with full transactions, receipts)")
	group := fs.String("group", "", "with --fisco-dir or --fisco-rpc: the FISCO BCOS group (3.x group0, 2.x 1)")
	gm := fs.Bool("gm", false, "with --fisco-dir or --fisco-rpc: the chain is national-crypto (SM2/SM3); by default the mode is detected")
	l := langFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load(e)
	if err != nil {
		return err
	}
	if *fiscoDir != "" {
		return runFiscoImport(ctx, e, cfg, fiscoImportFlags{dir: *fiscoDir, chain: *chain, group: *group, gm: *gm, lang: *l})
	}
	if *fabricDir != "" {
		return runFabricImport(ctx, e, cfg, fabricImportFlags{dir: *fabricDir, chain: *chain, network: *network, progress: *progress, lang: *l})
	}
	if *fiscoRPC != "" {
		id := *chain
		if id == "" {
			id = "fisco"
		}
		fc := &ChainConfig{ID: id, Kind: string(ledger.KindFisco), Crypto: string(ledger.CryptoIntl), Fisco: &FiscoConfig{RPC: *fiscoRPC, Group: *group}}
		if *gm {
			fc.Crypto = string(ledger.CryptoGM)
		}
		if err := fc.validate("--fisco-rpc"); err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
		cfg.Chains = append(cfg.Chains, *fc)
		*chain = id
	}
	ch, err := pickChain(cfg, *chain, *evmHTTP)
	if err != nil {
		return err
	}
	if isSet(fs, "from") {
		ch.Ingest.From = *from
	}
	if *batch != 0 {
		ch.Ingest.Batch = *batch
	}
	log := newLogger(e.stderr, cfg.Log)
	db, err := openIndexCLI(cfg, *l, log, createIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	// The start entry comes before anything else touches the chain, so
	// that a killed ingest still leaves a trace.
	act, err := startAction(ctx, e, db, "cli ingest", ch.ID, ingestRange(ch.Ingest.From, *to, isSet(fs, "from")))
	if err != nil {
		return err
	}
	var st ingestStats
	err = backfill(ctx, e, db, ch, backfillFlags{to: *to, progress: *progress, lang: *l}, log, &st)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted after %d blocks: %w", st.blocks, ctx.Err())
	}
	return act.end(ctx, err, st.String())
}

// ingestRange describes the heights an ingest was asked for.
func ingestRange(from, to uint64, fromSet bool) string {
	r := "from the checkpoint"
	if fromSet {
		r = fmt.Sprintf("from %d (unless checkpointed)", from)
	}
	if to != 0 {
		return fmt.Sprintf("%s to %d", r, to)
	}
	return r + " to the head"
}

// ingestStats is what one ingest did.
type ingestStats struct {
	start, target uint64
	blocks, txs   int
}

// String describes the stats for the audit log.
func (s *ingestStats) String() string {
	switch {
	case s.target == 0 && s.blocks == 0:
		return ""
	case s.start > s.target:
		return fmt.Sprintf("already ingested up to %d", s.start-1)
	}
	return fmt.Sprintf("heights %d-%d: %d blocks, %d txs", s.start, s.target, s.blocks, s.txs)
}

// backfillFlags are the flags of an ingest from a node.
type backfillFlags struct {
	to       uint64 // last height; 0: the node's head when ingest starts
	progress string
	lang     lang
}

// backfill ingests ch from its checkpoint (or configured start) to f.to,
// recording what it did in st.
func backfill(ctx context.Context, e *env, db *index.DB, ch *ChainConfig, f backfillFlags, log *slog.Logger, st *ingestStats) error {
	src, m, closeSrc, err := dialChain(ctx, ch)
	if err != nil {
		return err
	}
	defer closeSrc()
	if err := db.PutChain(ctx, m); err != nil {
		return err
	}
	if err := resume(ctx, src, db, ch.ID); err != nil {
		return err
	}
	target := f.to
	if target == 0 {
		if target, err = src.Head(ctx); err != nil {
			return err
		}
	}
	start := ch.Ingest.From
	if cp, err := db.Checkpoint(ctx, ch.ID); err == nil {
		start = cp.Height + 1
	}
	st.start, st.target = start, target
	t := ingestTexts[f.lang]
	if start > target {
		fmt.Fprintf(e.stderr, t.UpToDate, ch.ID, start-1)
		return nil
	}
	ic := ch.ingestConfig(false)
	ic.To = target
	var bar *progressBar
	if f.progress == "always" || (f.progress == "auto" && isTerminal(e.stderr)) {
		bar = newProgressBar(e.stderr, t.Bar, start, target)
	}
	ic.OnBlock = func(b *ledger.Block, _ uint64) {
		st.blocks++
		st.txs += len(b.Txs)
		if bar != nil {
			bar.set(b.Height)
		}
	}
	in, err := ledger.NewIngester(ch.ID, src, db, ic, log)
	if err != nil {
		return err
	}
	t0 := time.Now()
	err = in.Run(ctx)
	if bar != nil {
		bar.done()
	}
	if err != nil || ctx.Err() != nil {
		return err
	}
	el := time.Since(t0).Seconds()
	fmt.Fprint(e.stdout, f.lang.sprintf(t.Backfilled,
		st.blocks, st.txs, ch.ID, target, el, float64(st.blocks)/el, float64(st.txs)/el))
	return nil
}

// pickChain finds the chain to ingest: by id in the config, or built from
// --evm-http.
func pickChain(cfg *Config, id, evmHTTP string) (*ChainConfig, error) {
	if evmHTTP != "" {
		if id == "" {
			id = "evm"
		}
		ch := &ChainConfig{ID: id, Kind: string(ledger.KindEVM), Crypto: string(ledger.CryptoIntl), EVM: &EVMConfig{HTTP: evmHTTP}}
		if err := ch.validate("--evm-http"); err != nil {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		return ch, nil
	}
	if id == "" && len(cfg.Chains) == 1 {
		return &cfg.Chains[0], nil
	}
	for i := range cfg.Chains {
		if cfg.Chains[i].ID == id {
			return &cfg.Chains[i], nil
		}
	}
	if id == "" {
		return nil, fmt.Errorf("%w: ingest: name a chain with --chain, or give --evm-http", errUsage)
	}
	return nil, fmt.Errorf("%w: ingest: chain %q is not in the config", errUsage, id)
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
