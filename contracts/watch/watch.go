package watch

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/lianjian/lianjian/contracts"
	"github.com/lianjian/lianjian/contracts/evm"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// Store is the part of the index the stage reads and writes.
type Store interface {
	Chains(ctx context.Context) ([]ledger.Chain, error)
	Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error)
	Reorgs(ctx context.Context, chain string) ([]ledger.Reorg, error)
	ContractScanCheckpoint(ctx context.Context, chain string) (ledger.Checkpoint, error)
	CommitContractScans(ctx context.Context, chain string, cp ledger.Checkpoint, scans []record.ContractScan, fs []ledger.Finding) error
}

// Config tunes the stage.
type Config struct {
	// Interval is how long the stage sleeps when it has caught up with
	// ingest; default 2s.
	Interval time.Duration
	// Batch bounds the blocks one pass reads per chain before moving
	// the checkpoint; default 512.
	Batch int
	// Chains limits the stage to these chains; empty means every chain.
	Chains []string
	// MaxSteps bounds EVM path exploration per contract; 0 uses
	// evm.DefaultMaxSteps.
	MaxSteps int
	// Tool names the scanner in scan records, e.g. "lianjian v1.2.0".
	Tool string
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	if c.Interval == 0 {
		c.Interval = 2 * time.Second
	}
	if c.Batch == 0 {
		c.Batch = 512
	}
	if c.Tool == "" {
		c.Tool = "lianjian"
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Interval < 0 || c.Batch < 0 || c.MaxSteps < 0 {
		return fmt.Errorf("%w: negative interval, batch or max steps", ErrConfig)
	}
	return nil
}

// Watcher scans the contracts of newly indexed blocks.
type Watcher struct {
	store Store
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
}

// New returns a watcher over store; log may be nil.
func New(store Store, cfg Config, log *slog.Logger) (*Watcher, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{store: store, cfg: cfg, log: log.With("stage", "contract-scan"), now: time.Now}, nil
}

// Run builds a watcher and runs it until ctx ends; it is what `lianjian
// serve` starts next to ingest.
func Run(ctx context.Context, store Store, cfg Config, log *slog.Logger) error {
	w, err := New(store, cfg, log)
	if err != nil {
		return err
	}
	return w.Run(ctx)
}

// Run follows the index until ctx ends, then returns nil. A failed pass is
// logged and retried after the interval.
func (w *Watcher) Run(ctx context.Context) error {
	for {
		n, err := w.Step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.log.Warn("contract scan pass failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.cfg.Interval):
		}
	}
}

// Step runs one pass over every chain: it scans up to Batch new blocks of
// each and returns how many blocks it processed.
func (w *Watcher) Step(ctx context.Context) (int, error) {
	chains, err := w.store.Chains(ctx)
	if err != nil {
		return 0, fmt.Errorf("list chains: %w", err)
	}
	total := 0
	var errs []error
	for _, c := range chains {
		if len(w.cfg.Chains) > 0 && !slices.Contains(w.cfg.Chains, c.ID) {
			continue
		}
		n, err := w.chain(ctx, c)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("chain %s: %w", c.ID, err))
		}
	}
	return total, errors.Join(errs...)
}

// chain scans the next blocks of one chain.
func (w *Watcher) chain(ctx context.Context, c ledger.Chain) (int, error) {
	head, err := w.store.Checkpoint(ctx, c.ID)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, nil // nothing ingested yet
	}
	if err != nil {
		return 0, err
	}
	next, err := w.next(ctx, c.ID, head)
	if err != nil {
		return 0, err
	}
	n := 0
	var scans []record.ContractScan
	var fs []ledger.Finding
	var cp ledger.Checkpoint
	for h := next; h <= head.Height && n < w.cfg.Batch; h++ {
		b, err := w.store.Block(ctx, c.ID, h)
		if errors.Is(err, ledger.ErrNotFound) {
			continue // below the height ingest started from
		}
		if err != nil {
			return n, err
		}
		n++
		cp = ledger.Checkpoint{Height: b.Height, Hash: b.Hash}
		s, f := w.block(c, b)
		scans, fs = append(scans, s...), append(fs, f...)
		if len(s) > 0 {
			// Commit blocks with contracts one by one, keeping each
			// transaction small.
			if err := w.store.CommitContractScans(ctx, c.ID, cp, scans, fs); err != nil {
				return n, fmt.Errorf("commit scans of block %d: %w", h, err)
			}
			scans, fs = nil, nil
		}
	}
	if n > 0 {
		if err := w.store.CommitContractScans(ctx, c.ID, cp, scans, fs); err != nil {
			return n, fmt.Errorf("commit checkpoint %d: %w", cp.Height, err)
		}
	}
	return n, nil
}

// next returns the first height to scan, rewinding past a reorg that
// replaced blocks the stage had already scanned.
func (w *Watcher) next(ctx context.Context, chain string, head ledger.Checkpoint) (uint64, error) {
	cp, err := w.store.ContractScanCheckpoint(ctx, chain)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if cp.Height <= head.Height {
		b, err := w.store.Block(ctx, chain, cp.Height)
		switch {
		case err == nil && bytes.Equal(b.Hash, cp.Hash):
			return cp.Height + 1, nil
		case err != nil && !errors.Is(err, ledger.ErrNotFound):
			return 0, err
		}
	}
	// The scanned block is gone: restart after the deepest reorg below it.
	reorgs, err := w.store.Reorgs(ctx, chain)
	if err != nil {
		return 0, err
	}
	from := min(cp.Height, head.Height)
	for _, r := range reorgs {
		if r.Ancestor < cp.Height {
			from = min(from, r.Ancestor)
		}
	}
	w.log.Info("contract scan rewinds after a reorg", "chain", chain, "from", from+1, "scanned", cp.Height)
	return from + 1, nil
}

// block scans the contracts one block created.
func (w *Watcher) block(c ledger.Chain, b *ledger.Block) ([]record.ContractScan, []ledger.Finding) {
	at := b.Time
	if at.IsZero() {
		at = w.now()
	}
	var scans []record.ContractScan
	var fs []ledger.Finding
	for i := range b.Contracts {
		k := &b.Contracts[i]
		switch {
		case k.Sequence > 0 || c.Kind == ledger.KindFabric:
			scans = append(scans, record.ContractScan{
				Chain: c.ID, Kind: record.ScanKindChaincode, Ref: k.Address, Version: k.Version, Sequence: k.Sequence,
				DeployTx: k.DeployTx, Deployer: k.Creator, Height: b.Height, Status: record.ScanPending,
				By: record.ScanByWatcher, Time: at,
			})
		default:
			s, f := w.contract(c, k, at)
			scans, fs = append(scans, s), append(fs, f...)
		}
	}
	return scans, fs
}

// contract scans one EVM contract's runtime code. On a FISCO BCOS
// national-crypto chain the compiler derives selectors and topics with
// SM3, so the scan does too.
func (w *Watcher) contract(c ledger.Chain, k *ledger.Contract, at time.Time) (record.ContractScan, []ledger.Finding) {
	chain := c.ID
	hash := evm.HashKeccak256
	if c.Kind == ledger.KindFisco && c.Crypto == ledger.CryptoGM {
		hash = evm.HashSM3
	}
	addr := strings.ToLower(k.Address)
	s := record.ContractScan{
		Chain: chain, Kind: record.ScanKindEVM, Ref: addr, DeployTx: k.DeployTx, Deployer: strings.ToLower(k.Creator),
		Height: k.Height, CodeHash: hex.EncodeToString(k.CodeHash), Status: record.ScanDone, By: record.ScanByWatcher,
		Tool: w.cfg.Tool, Time: at,
	}
	if len(k.Code) == 0 {
		// A constructor that returned no code leaves an account with
		// nothing to scan; record it so the gap is visible.
		s.Status, s.Error = record.ScanFailed, "no runtime code"
		return s, nil
	}
	start := time.Now()
	res, err := evm.Scan(k.Code, evm.Options{MaxSteps: w.cfg.MaxSteps, Hash: hash})
	if err != nil {
		s.Status, s.Error = record.ScanFailed, err.Error()
		w.log.Warn("contract scan failed", "chain", chain, "address", addr, "err", err)
		return s, nil
	}
	w.log.Debug("contract scanned", "chain", chain, "address", addr, "findings", len(res.Findings),
		"complete", res.Complete, "took", time.Since(start))
	subject := ledger.Subject{Kind: "contract", Ref: addr, Height: k.Height}
	fs := make([]ledger.Finding, 0, len(res.Findings))
	s.Counts = contracts.Counts(res.Findings)
	for i := range res.Findings {
		f := &res.Findings[i]
		f.Location.Contract = addr
		lf := f.Ledger(chain, subject, at)
		lf.Evidence["deployTx"] = k.DeployTx
		lf.Evidence["deployer"] = s.Deployer
		lf.Evidence["height"] = fmt.Sprint(k.Height)
		if s.CodeHash != "" {
			lf.Evidence["codeHash"] = s.CodeHash
		}
		if !res.Complete {
			lf.Evidence["partial"] = "path exploration hit its step bound"
		}
		fs = append(fs, lf)
		s.Findings = append(s.Findings, lf.ID)
	}
	return s, fs
}
