package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
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

// channelSource is the blocks of one channel on disk.
type channelSource struct {
	channel string
	blocks  iter.Seq2[fabric.RawBlock, error]
	size    int64 // bytes of the files, for progress
	err     error // files that could not be read at all
}

// run imports every channel found at path. A broken channel does not stop
// the others; their errors are joined.
func (fi *fabricImport) run(ctx context.Context, path string) (importStats, error) {
	var st importStats
	srcs, err := fabricSources(ctx, path)
	if err != nil {
		return st, err
	}
	var errs []error
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if src.err != nil {
			errs = append(errs, src.err)
			continue
		}
		if err := fi.channel(ctx, src, &st); err != nil {
			fi.log.Error("fabric import failed", "channel", src.channel, "err", err)
			errs = append(errs, fmt.Errorf("channel %s: %w", src.channel, err))
		}
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

// channel imports one channel from its checkpoint on, one atomic commit per
// block. It stops at the first break: a block that cannot be read or
// decoded, an envelope that does not decode, a gap, a header that does
// not link to the block before, a file whose name says another number.
// Everything before the break stays committed and consistent; the break
// is stored as a finding on the chain (see fileBreak) and returned.
//
// The import does not go on past a break: the index holds one linked
// chain per channel, and the blocks after a break could not be linked to
// the blocks before it. Importing again after the ledger files are
// repaired resumes from the checkpoint.
func (fi *fabricImport) channel(ctx context.Context, src channelSource, st *importStats) error {
	id, err := fi.chainID(src.channel)
	if err != nil {
		return err
	}
	m := ledger.Chain{ID: id, Kind: ledger.KindFabric, Name: src.channel, Network: fi.network, Channel: src.channel, Crypto: ledger.CryptoIntl}
	if old, err := fi.db.Chain(ctx, id); err == nil {
		m.Crypto = old.Crypto
		if !fi.networkSet {
			m.Network = old.Network
		}
	}
	if err := fi.db.PutChain(ctx, m); err != nil {
		return err
	}
	dec, err := fabric.NewChannelDecoder(id, "", false)
	if err != nil {
		return err
	}
	next, have := uint64(0), false // the height expected next; whether a block is below it
	cp, err := fi.db.Checkpoint(ctx, id)
	switch {
	case err == nil:
		next, have = cp.Height+1, true
		// Resume with the config in force: hashing algorithm and consenters.
		c, err := fi.db.ChannelConfig(ctx, id, cp.Height)
		if err != nil && !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		if err := dec.SetConfig(c); err != nil {
			return err
		}
	case !errors.Is(err, ledger.ErrNotFound):
		return err
	}
	bar := newByteBar(fi.progress, fi.text.ByteBar, id, src.size)
	defer bar.done()
	var (
		file       string
		base, size int64 // bytes of the files before file, and of file
	)
	stop := func(brks ...*ledger.Break) error { return fi.fileBreak(ctx, id, st, brks) }
	resumed := next // blocks below were indexed before this run
	if !have {
		resumed = 0
	}
	for rb, err := range src.blocks {
		if err != nil {
			var fe *fabric.FileError
			if errors.As(err, &fe) && !errors.Is(err, fabric.ErrEmptyFile) {
				return stop(&ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: next, File: fe.File, Offset: fe.Offset, Tx: ledger.NoTx, Err: err})
			}
			return err
		}
		if rb.File != file {
			file, base, size = rb.File, base+size, fileSize(rb.File)
		}
		if rb.Number < next {
			// A block read twice in this run must be the same block: two
			// different blocks with one number are a fork in the files.
			if rb.Number >= resumed {
				if len(rb.Breaks) > 0 {
					return stop(rb.Breaks...)
				}
				if old, err := fi.db.Block(ctx, id, rb.Number); err == nil && !bytes.Equal(old.Raw, rb.Bytes) {
					return stop(&ledger.Break{Rule: ledger.RuleBreakNumber, Height: rb.Number, File: rb.File, Offset: rb.Offset, Tx: ledger.NoTx,
						Err: fmt.Errorf("%w: a second, different block %d", fabric.ErrCorrupt, rb.Number)})
				}
			}
			st.skipped++
			continue
		}
		if len(rb.Breaks) > 0 {
			return stop(rb.Breaks...)
		}
		at := func(rule *ledger.RuleInfo, height uint64, err error) error {
			return stop(&ledger.Break{Rule: rule, Height: height, File: rb.File, Offset: rb.Offset, Tx: ledger.NoTx, Err: err})
		}
		if have && rb.Number > next {
			return at(ledger.RuleBreakGap, next, fmt.Errorf("%w: blocks %d..%d are missing: the next block found is %d", ledger.ErrGap, next, rb.Number-1, rb.Number))
		}
		b, err := dec.Decode(rb.Bytes)
		if err != nil {
			return at(ledger.RuleBreakUndecodable, rb.Number, err)
		}
		if b.Height != rb.Number {
			return at(ledger.RuleBreakNumber, rb.Number, fmt.Errorf("%w: block number %d, record says %d", fabric.ErrCorrupt, b.Height, rb.Number))
		}
		switch err := fi.db.Commit(ctx, b); {
		case errors.Is(err, ledger.ErrGap):
			return at(ledger.RuleBreakGap, b.Height, err)
		case errors.Is(err, ledger.ErrReorg):
			return at(ledger.RuleBreakUnlinked, b.Height, err)
		case err != nil:
			return fmt.Errorf("%s at offset %d: commit block %d: %w", rb.File, rb.Offset, b.Height, err)
		}
		next, have = b.Height+1, true
		if b.Config != nil && isGM(b.Config) && m.Crypto != ledger.CryptoGM {
			m.Crypto = ledger.CryptoGM
			if err := fi.db.PutChain(ctx, m); err != nil {
				return err
			}
		}
		st.blocks++
		st.txs += len(b.Txs)
		bar.set(base+rb.Offset+int64(len(rb.Bytes)), b.Height, st.txs)
	}
	bar.finish()
	st.chains++
	return nil
}

// fileBreak stores the breaks found at one block as findings on chain,
// notes where the import stopped in st, and returns the first break as
// the error that ends the channel's import.
func (fi *fabricImport) fileBreak(ctx context.Context, chain string, st *importStats, brks []*ledger.Break) error {
	now := time.Now().UTC()
	fs := make([]ledger.Finding, len(brks))
	for i, b := range brks {
		fs[i] = b.Finding(chain, now)
	}
	stop := importStop{chain: chain, brk: brks[0]}
	if cp, err := fi.db.Checkpoint(ctx, chain); err == nil {
		stop.last, stop.held = cp.Height, true
	}
	st.stops = append(st.stops, stop)
	if err := fi.db.PutFindings(ctx, fs); err != nil {
		return errors.Join(brks[0], fmt.Errorf("store break finding: %w", err))
	}
	return brks[0]
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

// fabricSources finds the channels at path, whatever its layout.
func fabricSources(ctx context.Context, path string) ([]channelSource, error) {
	layout, err := fabric.DetectLayout(path)
	if err != nil {
		return nil, fmt.Errorf("--fabric-dir: %w", err)
	}
	switch layout {
	case fabric.LayoutLedgerRoot:
		chans, err := fabric.Channels(path)
		if err != nil {
			return nil, err
		}
		out := make([]channelSource, 0, len(chans))
		for _, c := range chans {
			out = append(out, channelSource{channel: c.Name, blocks: fabric.ChannelBlocks(ctx, c.Dir), size: dirSize(c.Dir, "blockfile_")})
		}
		return out, nil
	case fabric.LayoutChannelDir:
		return []channelSource{{channel: filepath.Base(path), blocks: fabric.ChannelBlocks(ctx, path), size: dirSize(path, "blockfile_")}}, nil
	case fabric.LayoutBlockfile:
		return []channelSource{{channel: filepath.Base(filepath.Dir(path)), blocks: fabric.Blockfile(ctx, path), size: fileSize(path)}}, nil
	case fabric.LayoutBlockDir, fabric.LayoutBlockFile:
		return blockDirSources(ctx, path)
	}
	return nil, fmt.Errorf("--fabric-dir %s: %w", path, fabric.ErrUnknownLayout)
}

// blockDirSources splits the .block files at path by channel (as
// fabric.BlockDir places them: by the envelopes inside, or by their
// neighbours, never as a chain of their own) and orders each channel's
// files by block number. Files that cannot be placed at all are reported
// with the others' errors; the other files are imported.
func blockDirSources(ctx context.Context, path string) ([]channelSource, error) {
	type head struct {
		number uint64
		file   string
		size   int64
	}
	byChannel := map[string][]head{}
	var bad []error
	for rb, err := range fabric.Open(ctx, path) {
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			bad = append(bad, err)
			break
		}
		byChannel[rb.Channel] = append(byChannel[rb.Channel], head{rb.Number, rb.File, int64(len(rb.Bytes))})
	}
	out := make([]channelSource, 0, len(byChannel))
	for _, ch := range slices.Sorted(maps.Keys(byChannel)) {
		hs := byChannel[ch]
		slices.SortStableFunc(hs, func(a, b head) int { return cmp.Compare(a.number, b.number) })
		src := channelSource{channel: ch}
		for _, h := range hs {
			src.size += h.size
		}
		src.blocks = func(yield func(fabric.RawBlock, error) bool) {
			for _, h := range hs {
				for rb, err := range fabric.Open(ctx, h.file) {
					if !yield(rb, err) || err != nil {
						return
					}
				}
			}
		}
		out = append(out, src)
	}
	if len(out) == 0 {
		return nil, errors.Join(bad...)
	}
	if len(bad) > 0 {
		// Import what decodes; the broken files fail the run at the end.
		out = append(out, channelSource{err: errors.Join(bad...)})
	}
	return out, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func dirSize(dir, prefix string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			n += fileSize(filepath.Join(dir, e.Name()))
		}
	}
	return n
}

// byteBar draws a one-line progress bar over the bytes of a channel's
// files, which is all that is known before reading them.
type byteBar struct {
	w            io.Writer
	format       string // ingestText.ByteBar
	chain        string
	total        int64
	start, last  time.Time
	height, txs  uint64
	drawn, ended bool
}

// newByteBar returns a bar over total bytes of chain, its figures written
// with format (an ingestText.ByteBar).
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
