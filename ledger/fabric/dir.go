package fabric

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hyperledger/fabric-protos-go/common"
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
// file in blockfile number order.
func ChannelBlocks(ctx context.Context, dir string) iter.Seq2[RawBlock, error] {
	return func(yield func(RawBlock, error) bool) {
		files, err := blockfiles(dir)
		if err != nil {
			yield(RawBlock{}, err)
			return
		}
		for _, f := range files {
			for rb, err := range Blockfile(ctx, f) {
				if !yield(rb, err) || err != nil {
					return
				}
			}
		}
	}
}

// BlockDir iterates over the .block files of dir, each one marshalled
// common.Block, ordered by channel and then by the block number inside
// (not by file name).
func BlockDir(ctx context.Context, dir string) iter.Seq2[RawBlock, error] {
	return func(yield func(RawBlock, error) bool) {
		paths, err := filepath.Glob(filepath.Join(dir, "*"+blockSuffix))
		if err != nil {
			yield(RawBlock{}, err)
			return
		}
		var blocks []RawBlock
		for _, p := range paths {
			if err := ctx.Err(); err != nil {
				yield(RawBlock{}, err)
				return
			}
			rb, err := readBlockFile(p)
			if err != nil {
				yield(RawBlock{}, err)
				return
			}
			rb.Bytes = nil // re-read when yielded, to bound memory
			blocks = append(blocks, rb)
		}
		slices.SortStableFunc(blocks, func(a, b RawBlock) int {
			return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Number, b.Number))
		})
		for _, rb := range blocks {
			if err := ctx.Err(); err != nil {
				yield(RawBlock{}, err)
				return
			}
			full, err := readBlockFile(rb.File)
			if !yield(full, err) || err != nil {
				return
			}
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
		return func(yield func(RawBlock, error) bool) { yield(readBlockFile(path)) }
	case layout == LayoutLedgerRoot:
		chans, cerr := Channels(path)
		if cerr == nil && len(chans) == 1 {
			return ChannelBlocks(ctx, chans[0].Dir)
		}
		err = fmt.Errorf("%s holds %d channels: %w", path, len(chans), ErrUnknownLayout)
	}
	return func(yield func(RawBlock, error) bool) { yield(RawBlock{}, err) }
}

// readBlockFile reads one .block file and the number and channel inside.
func readBlockFile(path string) (RawBlock, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return RawBlock{}, err
	}
	var b common.Block
	if err := unmarshal("block", raw, &b); err != nil {
		return RawBlock{}, &FileError{File: path, Err: fmt.Errorf("%w: %w", ErrCorrupt, err)}
	}
	if b.Header == nil {
		return RawBlock{}, &FileError{File: path, Err: fmt.Errorf("%w: block has no header", ErrCorrupt)}
	}
	return RawBlock{Number: b.Header.Number, Channel: blockChannel(&b), Bytes: raw, File: path}, nil
}

// blockChannel returns the channel named by the first envelope of b, or
// "" when it does not decode.
func blockChannel(b *common.Block) string {
	data := b.GetData().GetData()
	if len(data) == 0 {
		return ""
	}
	var env common.Envelope
	var pl common.Payload
	var ch common.ChannelHeader
	if unmarshal("", data[0], &env) != nil || unmarshal("", env.Payload, &pl) != nil ||
		unmarshal("", pl.GetHeader().GetChannelHeader(), &ch) != nil {
		return ""
	}
	return ch.ChannelId
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
