package fabric

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/lianjian/lianjian/ledger"
)

// Layout is what a path holds.
type Layout int

// Layouts recognised by DetectLayout.
const (
	LayoutUnknown    Layout = iota
	LayoutBlockfile         // one blockfile_NNNNNN file
	LayoutChannelDir        // a channel directory of blockfile_NNNNNN files
	LayoutLedgerRoot        // a peer or orderer ledger holding channel directories
	LayoutBlockDir          // a directory of .block files (peer channel fetch)
	LayoutBlockFile         // one .block file
)

// String names the layout.
func (l Layout) String() string {
	switch l {
	case LayoutBlockfile:
		return "blockfile"
	case LayoutChannelDir:
		return "channel-dir"
	case LayoutLedgerRoot:
		return "ledger-root"
	case LayoutBlockDir:
		return "block-dir"
	case LayoutBlockFile:
		return "block-file"
	}
	return "unknown"
}

const (
	blockfilePrefix = "blockfile_"
	blockSuffix     = ".block"
)

// Channel is a channel directory found under a ledger root.
type Channel struct {
	Name string
	Dir  string
}

// DetectLayout reports which Fabric ledger layout path holds.
func DetectLayout(path string) (Layout, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return LayoutUnknown, err
	}
	if !fi.IsDir() {
		switch base := filepath.Base(path); {
		case isBlockfileName(base):
			return LayoutBlockfile, nil
		case strings.HasSuffix(base, blockSuffix):
			return LayoutBlockFile, nil
		}
		return LayoutUnknown, fmt.Errorf("%s: %w", path, ErrUnknownLayout)
	}
	files, err := blockfiles(path)
	if err != nil {
		return LayoutUnknown, err
	}
	if len(files) > 0 {
		return LayoutChannelDir, nil
	}
	if chans, err := Channels(path); err == nil && len(chans) > 0 {
		return LayoutLedgerRoot, nil
	}
	blocks, err := filepath.Glob(filepath.Join(path, "*"+blockSuffix))
	if err != nil {
		return LayoutUnknown, err
	}
	if len(blocks) > 0 {
		return LayoutBlockDir, nil
	}
	return LayoutUnknown, fmt.Errorf("%s: %w", path, ErrUnknownLayout)
}

// Channels finds the channel directories of a ledger root: a peer's file
// system path, its ledgersData, a block store's chains directory, or an
// orderer's ledger directory. Channels are sorted by name.
func Channels(root string) ([]Channel, error) {
	for _, dir := range []string{
		filepath.Join(root, "ledgersData", "chains", "chains"),
		filepath.Join(root, "chains", "chains"),
		filepath.Join(root, "chains"),
		root,
	} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var out []Channel
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			sub := filepath.Join(dir, e.Name())
			if files, err := blockfiles(sub); err == nil && len(files) > 0 {
				out = append(out, Channel{Name: e.Name(), Dir: sub})
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", root, ErrUnknownLayout)
}

// ChannelBlocks iterates over the blocks of a channel directory, file by
// file in blockfile number order. A zero-byte blockfile is an error
// ([ErrEmptyFile]): Fabric does not leave one behind blocks it wrote.
func ChannelBlocks(ctx context.Context, dir string) iter.Seq2[RawBlock, error] {
	return func(yield func(RawBlock, error) bool) {
		files, err := blockfiles(dir)
		if err != nil {
			yield(RawBlock{}, err)
			return
		}
		f := &Files{Channel: filepath.Base(dir), blockfiles: files}
		for rb, err := range f.Blocks(ctx) {
			if !yield(rb, err) || err != nil {
				return
			}
		}
	}
}

// BlockDir iterates over the .block files of dir, each one marshalled
// common.Block, ordered by channel and then by the block number inside
// (not by file name). It reads each file twice: once for its number and
// channel (see [Scan]), once when yielding it, so it never holds more
// than one block.
//
// The reader never invents a chain. A block's channel is the one named
// by its first envelope that decodes; failing that, the channel of its
// neighbours: the files whose names share its prefix (CHANNEL in
// CHANNEL_N.block, which need not be the channel's name), or all the
// files when they hold one channel; failing that, the prefix itself. A
// block that does not decode at all is placed by its file name and
// yielded with its bytes, for the decoder to reject. What is wrong is
// attached as RawBlock.Breaks: an undecodable block or envelope (with
// file, block and envelope index), a name that says block N when the
// header says M. Files that cannot be placed at all (no number in the
// name, and no header) are one error yielded after the other blocks.
func BlockDir(ctx context.Context, dir string) iter.Seq2[RawBlock, error] {
	return func(yield func(RawBlock, error) bool) {
		paths, err := filepath.Glob(filepath.Join(dir, "*"+blockSuffix))
		if err != nil {
			yield(RawBlock{}, err)
			return
		}
		chans, unplaced, err := placeBlockFiles(ctx, paths)
		if err != nil {
			yield(RawBlock{}, err)
			return
		}
		for _, f := range chans {
			for rb, err := range f.Blocks(ctx) {
				if !yield(rb, err) || err != nil {
					return
				}
			}
		}
		if len(unplaced) > 0 {
			yield(RawBlock{}, errors.Join(unplaced...))
		}
	}
}

// Open iterates over the blocks at path, whatever its layout. A ledger
// root must hold exactly one channel; use Channels and ChannelBlocks for
// more.
func Open(ctx context.Context, path string) iter.Seq2[RawBlock, error] {
	layout, err := DetectLayout(path)
	switch {
	case err != nil:
	case layout == LayoutBlockfile:
		return Blockfile(ctx, path)
	case layout == LayoutChannelDir:
		return ChannelBlocks(ctx, path)
	case layout == LayoutBlockDir:
		return BlockDir(ctx, path)
	case layout == LayoutBlockFile:
		return func(yield func(RawBlock, error) bool) {
			rb, err := readBlockFile(path)
			if rb.Channel == "" {
				rb.Channel, _, _ = blockFileName(path)
			}
			yield(rb, err)
		}
	case layout == LayoutLedgerRoot:
		chans, cerr := Channels(path)
		if cerr == nil && len(chans) == 1 {
			return ChannelBlocks(ctx, chans[0].Dir)
		}
		err = fmt.Errorf("%s holds %d channels: %w", path, len(chans), ErrUnknownLayout)
	}
	return func(yield func(RawBlock, error) bool) { yield(RawBlock{}, err) }
}

// blockFileName splits CHANNEL_N.block into its channel and number.
func blockFileName(path string) (channel string, number uint64, ok bool) {
	base := strings.TrimSuffix(filepath.Base(path), blockSuffix)
	i := strings.LastIndexByte(base, '_')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(base[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return base[:i], n, true
}

// readBlockFile reads one .block file and places it: its number, the
// channel its envelopes name ("" when none decodes) and the breaks found
// (see BlockDir). A file that does not decode and whose name gives no
// number is an error: it cannot be placed.
func readBlockFile(path string) (RawBlock, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return RawBlock{}, err
	}
	_, nameNum, named := blockFileName(path)
	var b common.Block
	err = unmarshal("block", raw, &b)
	if err == nil && b.Header == nil {
		err = errors.New("block has no header")
	}
	if err != nil {
		ferr := &FileError{File: path, Err: fmt.Errorf("%w: %w", ErrCorrupt, err)}
		if !named {
			return RawBlock{}, ferr
		}
		brk := &ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: nameNum, File: path, Tx: ledger.NoTx, Err: ferr}
		return RawBlock{Number: nameNum, Bytes: raw, File: path, Breaks: []*ledger.Break{brk}}, nil
	}
	rb := RawBlock{Number: b.Header.Number, Bytes: raw, File: path}
	rb.Channel, rb.Breaks = envelopes(rb, b.GetData().GetData())
	if named && nameNum != rb.Number {
		rb.Breaks = append(rb.Breaks, &ledger.Break{Rule: ledger.RuleBreakNumber, Height: rb.Number, File: path, Tx: ledger.NoTx,
			Err: fmt.Errorf("%w: file name says block %d, header says %d", ErrCorrupt, nameNum, rb.Number)})
	}
	return rb, nil
}

// envelopes returns the channel named by the first envelope of the block
// rb that decodes, and a break for each envelope that does not.
func envelopes(rb RawBlock, data [][]byte) (string, []*ledger.Break) {
	var channel string
	var brks []*ledger.Break
	for i, d := range data {
		ch, err := envelopeChannel(d)
		if err != nil {
			brks = append(brks, &ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: rb.Number, File: rb.File, Offset: rb.Offset, Tx: i, Err: err})
			continue
		}
		if channel == "" {
			channel = ch
		}
	}
	return channel, brks
}

// envelopeChannel returns the channel named by a marshalled envelope, or
// why it does not decode down to its channel header. It runs on every
// envelope the readers yield, before the full decode, so it walks the
// envelope, payload and header with protowire (checking their wire format
// as unmarshalling would) instead of copying the transaction bytes, and
// decodes only the channel header.
func envelopeChannel(data []byte) (string, error) {
	payload, err := bytesField(data, 1)
	if err != nil {
		return "", fmt.Errorf("envelope: %w: %w", ErrMalformed, err)
	}
	header, err := bytesField(payload, 1)
	if err != nil {
		return "", fmt.Errorf("payload: %w: %w", ErrMalformed, err)
	}
	if header == nil {
		return "", fmt.Errorf("payload: %w: no header", ErrMalformed)
	}
	chdr, err := bytesField(header, 1)
	if err != nil {
		return "", fmt.Errorf("header: %w: %w", ErrMalformed, err)
	}
	var ch common.ChannelHeader
	if err := unmarshal("channel header", chdr, &ch); err != nil {
		return "", err
	}
	return ch.ChannelId, nil
}

// blockfiles lists the blockfile_NNNNNN files of dir in number order.
func blockfiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type numbered struct {
		n    int
		path string
	}
	var files []numbered
	for _, e := range entries {
		if e.IsDir() || !isBlockfileName(e.Name()) {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(e.Name(), blockfilePrefix))
		files = append(files, numbered{n, filepath.Join(dir, e.Name())})
	}
	slices.SortFunc(files, func(a, b numbered) int { return cmp.Compare(a.n, b.n) })
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, nil
}

// isBlockfileName reports whether name is blockfile_ followed by digits.
func isBlockfileName(name string) bool {
	rest, ok := strings.CutPrefix(name, blockfilePrefix)
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}
