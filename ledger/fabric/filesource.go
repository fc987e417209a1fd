package fabric

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/lianjian/lianjian/ledger"
)

// FileConfig configures a [FileSource].
type FileConfig struct {
	// Chain is the chain id the blocks are decoded for.
	Chain string
	// From is the first height the index needs: its checkpoint plus one,
	// or Files.First when it holds no block of the chain. A file that
	// cannot be read before any later block is a break at From.
	From uint64
	// Config returns the channel config in force before height, as the
	// index holds it, or nil when there is none. It seeds the decoder
	// (header hash algorithm, BFT consenters) wherever reading starts.
	// Nil: reading starts with the defaults.
	Config func(ctx context.Context, height uint64) (*ledger.Config, error)
	// Indexed returns the raw bytes the index holds for the block at
	// height. A block found again in the files, after the source returned
	// one with its number, must be the same block; Indexed gives the
	// first one once it is committed. Nil: such blocks are compared with
	// the current batch only.
	Indexed func(ctx context.Context, height uint64) ([]byte, error)
	// Strict makes the decoder reject what it would otherwise accept with
	// a finding (see [Config]).
	Strict bool
}

// FileSource is a [ledger.Source] over the blocks of one channel on disk
// (a [Files] from [Scan]), so that an offline import runs through the same
// [ledger.Ingester] as a live one: checkpoints and resumption, breaks as
// findings, progress. Its head is the highest block number the scan found
// (one more when the scan stopped at a file it could not read, so the
// ingester reaches the break). It is sequential: each Blocks call goes on
// reading where the last one stopped, and a call for lower heights reads
// the files again from the start.
//
// What is wrong in the files is returned as a [*ledger.Break], with the
// blocks before it: a block or envelope that does not decode, a gap, a
// file whose name or a second block says another number. Blocks never
// link to another fork: a block that does not link to the one before is
// a break too ([ledger.Final]).
type FileSource struct {
	files   *Files
	cfg     FileConfig
	dec     *ChannelDecoder
	next    func() (RawBlock, error, bool)
	stop    func()
	want    uint64 // the number of the block to return next
	low     uint64 // the first height asked for since the files were opened
	open    bool
	where   map[uint64]RawBlock // the last batch's blocks, without bytes
	skipped int                 // blocks found again, see Skipped
}

var (
	_ ledger.Source     = (*FileSource)(nil)
	_ ledger.Sequential = (*FileSource)(nil)
	_ ledger.Final      = (*FileSource)(nil)
	_ ledger.Locator    = (*FileSource)(nil)
)

// NewFileSource returns a source over files. Close it when done.
func NewFileSource(files *Files, cfg FileConfig) (*FileSource, error) {
	if !ledger.ValidChainID(cfg.Chain) {
		return nil, fmt.Errorf("%w: file source: chain id %q", ledger.ErrInvalid, cfg.Chain)
	}
	return &FileSource{files: files, cfg: cfg}, nil
}

// Head returns the highest block number found in the files, or where the
// files stop being readable.
func (s *FileSource) Head(context.Context) (uint64, error) {
	head := s.files.Last
	if s.files.Count == 0 && !s.breaks(s.files.Err) {
		return 0, fmt.Errorf("%w: channel %s: no blocks", ErrUnknownLayout, s.files.Channel)
	}
	if s.breaks(s.files.Err) {
		if s.files.Count > 0 {
			head++
		}
		head = max(head, s.cfg.From)
	}
	return head, nil
}

// breaks reports whether err, met reading the files, is a break to file
// as a finding: a ledger file that is corrupt, not one that cannot be
// opened or was emptied.
func (s *FileSource) breaks(err error) bool {
	var fe *FileError
	return errors.As(err, &fe) && !errors.Is(err, ErrEmptyFile)
}

// Sequential tells the ingester to ask for one batch at a time, in height
// order: the files are read in one pass and config blocks apply to the
// blocks after them.
func (*FileSource) Sequential() {}

// Final tells the ingester that blocks in files are final.
func (*FileSource) Final() {}

// Skipped returns the number of blocks found again after the source had
// returned a block with their number, the same block each time.
func (s *FileSource) Skipped() int { return s.skipped }

// Locate returns the file and offset of a block of the last batch.
func (s *FileSource) Locate(height uint64) (string, int64, bool) {
	rb, ok := s.where[height]
	return rb.File, rb.Offset, ok
}

// Close stops reading the files.
func (s *FileSource) Close() {
	if s.stop != nil {
		s.stop()
		s.next, s.stop = nil, nil
	}
}

// rewind opens the files again to read from height from, with the channel
// config in force there.
func (s *FileSource) rewind(ctx context.Context, from uint64) error {
	s.Close()
	dec, err := NewChannelDecoder(s.cfg.Chain, "", s.cfg.Strict)
	if err != nil {
		return err
	}
	if s.cfg.Config != nil && from > 0 {
		c, err := s.cfg.Config(ctx, from-1)
		if err != nil {
			return fmt.Errorf("channel %s: config before block %d: %w", s.files.Channel, from, err)
		}
		if err := dec.SetConfig(c); err != nil {
			return err
		}
	}
	// The reader outlives this call: it is stopped by Close or the next
	// rewind, not by the end of one request's context.
	s.next, s.stop = iter.Pull2(s.files.Blocks(context.WithoutCancel(ctx)))
	s.dec, s.want, s.low, s.open = dec, from, from, true
	return nil
}

// Blocks returns the blocks from..to, reading on from the last call. On a
// break it returns the blocks before it with the break.
func (s *FileSource) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	if to < from {
		return nil, fmt.Errorf("%w: range %d..%d", ledger.ErrInvalid, from, to)
	}
	if !s.open || from != s.want {
		if err := s.rewind(ctx, from); err != nil {
			return nil, err
		}
	}
	out := make([]*ledger.Block, 0, min(to-from+1, 1024))
	clear(s.where)
	if s.where == nil {
		s.where = map[uint64]RawBlock{}
	}
	// The batch that reaches the last block found reads on to the end of
	// the files: a second block with a number already returned is a break
	// wherever it lies.
	for s.want <= to || s.want > s.files.Last {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		b, end, err := s.read(ctx, out)
		if err != nil {
			// The reader stopped; read again from the start next time.
			s.open = false
			return out, err
		}
		if end {
			break
		}
		if b != nil {
			out = append(out, b)
		}
	}
	return out, nil
}

// read returns the block numbered s.want, or nil after skipping a block
// found again, or end at the end of the files past the blocks asked for.
// batch is the blocks of the current call.
func (s *FileSource) read(ctx context.Context, batch []*ledger.Block) (b *ledger.Block, end bool, err error) {
	rb, err, ok := s.next()
	if !ok && s.want > s.files.Last {
		return nil, true, nil
	}
	if !ok {
		return nil, false, &ledger.Break{Rule: ledger.RuleBreakGap, Height: s.want, Tx: ledger.NoTx,
			Err: fmt.Errorf("%w: the files of channel %s end before block %d", ledger.ErrGap, s.files.Channel, s.want)}
	}
	b, err = s.place(ctx, batch, rb, err)
	return b, false, err
}

// place checks and decodes the block rb read from the files (or the
// error reading it), and returns it when it is the block numbered
// s.want. batch is the blocks of the current call.
func (s *FileSource) place(ctx context.Context, batch []*ledger.Block, rb RawBlock, err error) (*ledger.Block, error) {
	if err != nil {
		if fe := (*FileError)(nil); errors.As(err, &fe) && s.breaks(err) {
			return nil, &ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: s.want, File: fe.File, Offset: fe.Offset, Tx: ledger.NoTx, Err: err}
		}
		return nil, err
	}
	at := func(rule *ledger.RuleInfo, height uint64, err error) error {
		return &ledger.Break{Rule: rule, Height: height, File: rb.File, Offset: rb.Offset, Tx: ledger.NoTx, Err: err}
	}
	if rb.Number < s.want {
		// A block read twice in this pass must be the same block: two
		// different blocks with one number are a fork in the files.
		if rb.Number < s.low {
			return nil, nil
		}
		if len(rb.Breaks) > 0 {
			return nil, joinBreaks(rb.Breaks)
		}
		if same, err := s.same(ctx, batch, rb); err != nil {
			return nil, err
		} else if !same {
			return nil, at(ledger.RuleBreakNumber, rb.Number, fmt.Errorf("%w: a second, different block %d", ErrCorrupt, rb.Number))
		}
		s.skipped++
		return nil, nil
	}
	if rb.Number > s.files.Last {
		// Past the blocks the scan found (the files changed): the next
		// import goes on from here.
		return nil, nil
	}
	if len(rb.Breaks) > 0 {
		return nil, joinBreaks(rb.Breaks)
	}
	if rb.Number > s.want {
		return nil, at(ledger.RuleBreakGap, s.want, fmt.Errorf("%w: blocks %d..%d are missing: the next block found is %d", ledger.ErrGap, s.want, rb.Number-1, rb.Number))
	}
	b, err := s.dec.Decode(rb.Bytes)
	if err != nil {
		return nil, at(ledger.RuleBreakUndecodable, rb.Number, err)
	}
	if b.Height != rb.Number {
		return nil, at(ledger.RuleBreakNumber, rb.Number, fmt.Errorf("%w: block number %d, record says %d", ErrCorrupt, b.Height, rb.Number))
	}
	rb.Bytes, rb.Breaks = nil, nil
	s.where[rb.Number] = rb
	s.want++
	return b, nil
}

// same reports whether rb is the block returned before with its number:
// in this batch, or committed since.
func (s *FileSource) same(ctx context.Context, batch []*ledger.Block, rb RawBlock) (bool, error) {
	for _, b := range batch {
		if b.Height == rb.Number {
			return bytes.Equal(b.Raw, rb.Bytes), nil
		}
	}
	if s.cfg.Indexed == nil {
		return true, nil
	}
	raw, err := s.cfg.Indexed(ctx, rb.Number)
	if errors.Is(err, ledger.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("channel %s: indexed block %d: %w", s.files.Channel, rb.Number, err)
	}
	return bytes.Equal(raw, rb.Bytes), nil
}

// joinBreaks returns the breaks found at one block as one error: the
// first, or all of them joined.
func joinBreaks(brks []*ledger.Break) error {
	if len(brks) == 1 {
		return brks[0]
	}
	errs := make([]error, len(brks))
	for i, b := range brks {
		errs[i] = b
	}
	return errors.Join(errs...)
}
