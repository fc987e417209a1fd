package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
	"github.com/lianjian/lianjian/ledger/index"
)

// fabricImport imports Fabric ledger files offline: a directory of .block
// files or a peer's (or orderer's) raw ledger directory. Each channel
// becomes one chain, PREFIX-CHANNEL.
type fabricImport struct {
	db         *index.DB
	prefix     string // chain id prefix
	network    string
	networkSet bool              // network given explicitly; otherwise a re-import keeps the stored one
	ids        map[string]string // channel -> configured chain id
	log        *slog.Logger
	progress   io.Writer // nil: no progress bar
	text       ingestText
}

// importStats counts what an import committed.
type importStats struct {
	chains, blocks, txs int
	skipped             int // blocks already in the index
	stops               []importStop
}

// importStop is where the import of a chain stopped at a break.
type importStop struct {
	chain string
	brk   *ledger.Break
	last  uint64 // the chain's checkpoint after the import
	held  bool   // whether the index holds any block of the chain
}

// run imports every channel found at path. A broken channel does not stop
// the others; their errors are joined.
func (fi *fabricImport) run(ctx context.Context, path string) (importStats, error) {
	var st importStats
	led, err := fabric.Scan(ctx, path)
	if err != nil {
		return st, fmt.Errorf("--fabric-dir: %w", err)
	}
	var errs []error
	for _, files := range led.Channels {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if err := fi.channel(ctx, files, &st); err != nil {
			fi.log.Error("fabric import failed", "channel", files.Channel, "err", err)
			errs = append(errs, fmt.Errorf("channel %s: %w", files.Channel, err))
		}
	}
	if led.Unplaced != nil {
		// The files that decode are imported; the broken ones fail the run.
		errs = append(errs, led.Unplaced)
	}
	return st, errors.Join(errs...)
}

// chainID names the chain of a channel.
func (fi *fabricImport) chainID(channel string) (string, error) {
	if id, ok := fi.ids[channel]; ok {
		return id, nil
	}
	id := fi.prefix + "-" + strings.ToLower(channel)
	if !ledger.ValidChainID(id) {
		return "", fmt.Errorf("%w: chain id %q for channel %q is not valid; choose another --chain prefix", ledger.ErrInvalid, id, channel)
	}
	return id, nil
}

// channel imports one channel from its checkpoint on, through the same
// ingester as a live chain: one atomic commit per block, breaks stored as
// findings on the chain. It stops at the first break: a block that cannot
// be read or decoded, an envelope that does not decode, a gap, a header
// that does not link to the block before, a file whose name says another
// number, a second, different block with one number. Everything before
// the break stays committed and consistent; the break is returned.
//
// The import does not go on past a break: the index holds one linked
// chain per channel, and the blocks after a break could not be linked to
// the blocks before it. Importing again after the ledger files are
// repaired resumes from the checkpoint.
func (fi *fabricImport) channel(ctx context.Context, files *fabric.Files, st *importStats) error {
	id, err := fi.chainID(files.Channel)
	if err != nil {
		return err
	}
	store := &importStore{DB: fi.db, chain: ledger.Chain{ID: id, Kind: ledger.KindFabric, Name: files.Channel, Network: fi.network, Channel: files.Channel, Crypto: ledger.CryptoIntl}}
	if old, err := fi.db.Chain(ctx, id); err == nil {
		store.chain.Crypto = old.Crypto
		if !fi.networkSet {
			store.chain.Network = old.Network
		}
	}
	if err := fi.db.PutChain(ctx, store.chain); err != nil {
		return err
	}
	from := files.First
	switch cp, err := fi.db.Checkpoint(ctx, id); {
	case err == nil:
		from = cp.Height + 1
	case !errors.Is(err, ledger.ErrNotFound):
		return err
	}
	src, err := fabric.NewFileSource(files, fabric.FileConfig{Chain: id, From: from,
		Indexed: func(ctx context.Context, h uint64) ([]byte, error) { return fi.db.RawBlock(ctx, id, h) },
		Config: func(ctx context.Context, h uint64) (*ledger.Config, error) {
			c, err := fi.db.ChannelConfig(ctx, id, h)
			if errors.Is(err, ledger.ErrNotFound) {
				return nil, nil
			}
			return c, err
		}})
	if err != nil {
		return err
	}
	defer src.Close()
	head, err := src.Head(ctx)
	if err != nil {
		return cmp.Or(files.Err, err)
	}
	bar := newByteBar(fi.progress, fi.text.ByteBar, id, int64(head)-int64(from)+1)
	defer bar.done()
	ic := ledger.IngestConfig{From: files.First, MaxRetries: 1, OnBlock: func(b *ledger.Block, _ uint64) {
		st.blocks++
		st.txs += len(b.Txs)
		bar.set(int64(b.Height)-int64(from)+1, b.Height, st.txs)
	}}
	in, err := ledger.NewIngester(id, src, store, ic, fi.log)
	if err != nil {
		return err
	}
	err = cmp.Or(in.Run(ctx), ctx.Err())
	st.skipped += files.Below(from) + src.Skipped()
	if brk := (*ledger.Break)(nil); errors.As(err, &brk) {
		stop := importStop{chain: id, brk: brk}
		if cp, err := fi.db.Checkpoint(ctx, id); err == nil {
			stop.last, stop.held = cp.Height, true
		}
		st.stops = append(st.stops, stop)
	}
	if err != nil {
		return err
	}
	if files.Err != nil {
		// The files stop being readable after the blocks imported, in a way
		// that is no break in the chain (an emptied blockfile, I/O).
		return files.Err
	}
	bar.finish()
	st.chains++
	return nil
}

// importStore is the index as an import's ingester writes to it: it also
// marks the chain national-crypto when a config block declares SM2 or SM3.
type importStore struct {
	*index.DB
	chain ledger.Chain
}

// Commit commits b and updates the chain's crypto from its config.
func (s *importStore) Commit(ctx context.Context, b *ledger.Block) error {
	if err := s.DB.Commit(ctx, b); err != nil {
		return err
	}
	return s.noteCrypto(ctx, b)
}

// CommitBatch commits bs in one write, as the ingester does with runs
// of blocks, and updates the chain's crypto from their configs.
func (s *importStore) CommitBatch(ctx context.Context, bs []*ledger.Block) error {
	if err := s.DB.CommitBatch(ctx, bs); err != nil {
		return err
	}
	for _, b := range bs {
		if err := s.noteCrypto(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// noteCrypto marks the chain national-crypto when b's config declares it.
func (s *importStore) noteCrypto(ctx context.Context, b *ledger.Block) error {
	if b.Config != nil && isGM(b.Config) && s.chain.Crypto != ledger.CryptoGM {
		s.chain.Crypto = ledger.CryptoGM
		return s.DB.PutChain(ctx, s.chain)
	}
	return nil
}

// isGM reports whether a channel config declares national-crypto MSPs.
func isGM(c *ledger.Config) bool {
	for _, m := range c.MSPs {
		if m.SigningAlgo == fabric.KeySM2 {
			return true
		}
	}
	return fabric.SM3 == c.HashingAlgo
}

// byteBar draws a one-line progress bar over the blocks a scan of a
// channel's files found, with the height and the rate in transactions.
type byteBar struct {
	w            io.Writer
	format       string // ingestText.ByteBar
	chain        string
	total        int64
	start, last  time.Time
	height, txs  uint64
	drawn, ended bool
}

// newByteBar returns a bar over total blocks of chain, its figures
// written with format (an ingestText.ByteBar).
func newByteBar(w io.Writer, format, chain string, total int64) *byteBar {
	return &byteBar{w: w, format: format, chain: chain, total: max(total, 1), start: time.Now()}
}

// set redraws the bar at most ten times a second.
func (p *byteBar) set(pos int64, height uint64, txs int) {
	if p.w == nil {
		return
	}
	p.height, p.txs = height, uint64(txs)
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.drawn = now, true
	p.draw(min(float64(pos)/float64(p.total), 1))
}

func (p *byteBar) draw(frac float64) {
	const width = 30
	fill := int(frac * width)
	rate := float64(p.txs) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%s [%s%s] "+p.format, p.chain, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, p.height, rate)
}

// finish draws the bar full.
func (p *byteBar) finish() {
	if p.w != nil {
		p.drawn = true
		p.draw(1)
	}
}

func (p *byteBar) done() {
	if p.w == nil || !p.drawn || p.ended {
		return
	}
	p.ended = true
	fmt.Fprintln(p.w)
}

// fabricImportFlags are the flags of "ingest --fabric-dir".
type fabricImportFlags struct {
	dir, chain, network, progress string
	lang                          lang
}

// runFabricImport is "lianjian ingest --fabric-dir PATH". --chain is the
// chain id prefix (each channel becomes PREFIX-CHANNEL), or the id of a
// fabric chain in the config whose channels then keep their configured ids.
func runFabricImport(ctx context.Context, e *env, cfg *Config, f fabricImportFlags) error {
	fi := &fabricImport{prefix: cmp.Or(f.chain, "fabric"), network: f.network, networkSet: f.network != "", text: ingestTexts[f.lang]}
	for i := range cfg.Chains {
		if ch := &cfg.Chains[i]; ch.ID == f.chain && ch.Fabric != nil {
			fi.ids = ch.channelChainIDs()
			fi.network = cmp.Or(f.network, ch.Fabric.Network)
		}
	}
	fi.network = cmp.Or(fi.network, fi.prefix)
	if !ledger.ValidChainID(fi.prefix) {
		return fmt.Errorf("%w: --chain %q must be lower-case letters, digits, '.', '_' or '-'", errUsage, fi.prefix)
	}
	if f.progress == "always" || (f.progress == "auto" && isTerminal(e.stderr)) {
		fi.progress = e.stderr
	}
	fi.log = newLogger(e.stderr, cfg.Log)
	db, err := openIndexCLI(cfg, f.lang, fi.log, createIndex)
	if err != nil {
		return err
	}
	defer db.Close()
	fi.db = db
	act, err := startAction(ctx, e, db, "cli ingest fabric-dir", f.dir, "chain prefix "+fi.prefix)
	if err != nil {
		return err
	}
	t0 := time.Now()
	st, err := fi.run(ctx, f.dir)
	el := max(time.Since(t0).Seconds(), 1e-3)
	fmt.Fprint(e.stdout, f.lang.sprintf(fi.text.Fabric,
		st.blocks, st.txs, st.chains, f.dir, el, float64(st.txs)/el, st.skipped))
	for _, s := range st.stops {
		if s.held {
			fmt.Fprintf(e.stdout, fi.text.Break, s.chain, s.brk.Height, s.brk, s.last)
		} else {
			fmt.Fprintf(e.stdout, fi.text.BreakFirst, s.chain, s.brk.Height, s.brk)
		}
	}
	return act.end(ctx, err, fmt.Sprintf("chain prefix %s: %d blocks, %d txs, %d channels", fi.prefix, st.blocks, st.txs, st.chains))
}
