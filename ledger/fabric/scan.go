package fabric

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// Files are the blocks of one channel on disk, in the order to read them,
// as [Scan] found them: by their block numbers alone, without decoding or
// keeping any block.
type Files struct {
	Channel string
	// Count is the number of blocks found; First and Last are the lowest
	// and highest block numbers among them.
	Count       int
	First, Last uint64
	// Err is what stopped the scan before the end of the files: the
	// blocks after it could not be found. Reading the blocks stops at the
	// same place with the same error.
	Err error

	blockfiles []string   // blockfile_NNNNNN files, in number order, or
	refs       []blockRef // .block files, in block number order
}

// blockRef is one .block file placed by Scan.
type blockRef struct {
	number  uint64
	channel string
	file    string
}

// Ledger is what [Scan] found: the channels, sorted by name, and the
// .block files it could place in none.
type Ledger struct {
	Channels []*Files
	// Unplaced joins the errors of the .block files that have neither a
	// header nor a number in their name; the other files are unaffected.
	Unplaced error
}

// Scan finds the blocks at paths, whatever their layout: a peer's or
// orderer's ledger root, channel directories, blockfiles, directories of
// .block files or single .block files. It reads only the numbers of the
// blocks (and, for .block files, the channel named by their first
// envelope) to group them by channel and order them, so its memory does
// not grow with the ledger. Blockfiles of one channel directory given one
// by one are read in number order as one channel; .block files are
// placed as [BlockDir] documents and ordered by the number in their
// header.
func Scan(ctx context.Context, paths ...string) (*Ledger, error) {
	var (
		out        Ledger
		blockPaths []string
		bfs        = map[string][]string{} // channel dir -> blockfiles given
	)
	for _, p := range paths {
		layout, err := DetectLayout(p)
		if err != nil {
			return nil, err
		}
		switch layout {
		case LayoutLedgerRoot:
			chans, err := Channels(p)
			if err != nil {
				return nil, err
			}
			for _, c := range chans {
				f, err := scanChannelDir(ctx, c.Name, c.Dir)
				if err != nil {
					return nil, err
				}
				out.Channels = append(out.Channels, f)
			}
		case LayoutChannelDir:
			f, err := scanChannelDir(ctx, filepath.Base(p), p)
			if err != nil {
				return nil, err
			}
			out.Channels = append(out.Channels, f)
		case LayoutBlockfile:
			bfs[filepath.Dir(p)] = append(bfs[filepath.Dir(p)], p)
		case LayoutBlockDir:
			found, err := filepath.Glob(filepath.Join(p, "*"+blockSuffix))
			if err != nil {
				return nil, err
			}
			blockPaths = append(blockPaths, found...)
		case LayoutBlockFile:
			blockPaths = append(blockPaths, p)
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(bfs)) {
		files := bfs[dir]
		slices.SortFunc(files, func(a, b string) int { return cmp.Compare(blockfileNumber(a), blockfileNumber(b)) })
		f, err := scanBlockfiles(ctx, filepath.Base(dir), slices.Compact(files))
		if err != nil {
			return nil, err
		}
		out.Channels = append(out.Channels, f)
	}
	if len(blockPaths) > 0 {
		chans, unplaced, err := placeBlockFiles(ctx, blockPaths)
		if err != nil {
			return nil, err
		}
		out.Channels = append(out.Channels, chans...)
		out.Unplaced = errors.Join(unplaced...)
	}
	slices.SortStableFunc(out.Channels, func(a, b *Files) int { return cmp.Compare(a.Channel, b.Channel) })
	return &out, nil
}

// Blocks reads the blocks in order, each call from the first file again.
// It stops after the first error.
func (f *Files) Blocks(ctx context.Context) iter.Seq2[RawBlock, error] {
	if f.refs != nil {
		return func(yield func(RawBlock, error) bool) {
			for _, r := range f.refs {
				if err := ctx.Err(); err != nil {
					yield(RawBlock{}, err)
					return
				}
				rb, err := readBlockFile(r.file)
				rb.Channel = r.channel
				if !yield(rb, err) || err != nil {
					return
				}
			}
		}
	}
	return func(yield func(RawBlock, error) bool) {
		for _, p := range f.blockfiles {
			if fi, err := os.Stat(p); err == nil && fi.Size() == 0 {
				yield(RawBlock{}, &FileError{File: p, Err: ErrEmptyFile})
				return
			}
			for rb, err := range Blockfile(ctx, p) {
				rb.Channel = f.Channel
				if !yield(rb, err) || err != nil {
					return
				}
			}
		}
	}
}

// Below returns how many of the blocks found are numbered below height:
// exactly for .block files, and for blockfiles as many as a chain
// without holes from First holds.
func (f *Files) Below(height uint64) int {
	if f.refs != nil {
		n := 0
		for _, r := range f.refs {
			if r.number < height {
				n++
			}
		}
		return n
	}
	if f.Count == 0 || height <= f.First {
		return 0
	}
	return int(min(height-f.First, uint64(f.Count)))
}

// add counts a block numbered n.
func (f *Files) add(n uint64) {
	if f.Count == 0 {
		f.First, f.Last = n, n
	}
	f.First, f.Last = min(f.First, n), max(f.Last, n)
	f.Count++
}

// scanChannelDir scans the blockfiles of a channel directory.
func scanChannelDir(ctx context.Context, channel, dir string) (*Files, error) {
	files, err := blockfiles(dir)
	if err != nil {
		return nil, err
	}
	return scanBlockfiles(ctx, channel, files)
}

// scanBlockfiles reads the record lengths and block numbers of blockfiles,
// skipping the rest of each record. A file that cannot be read or walked
// to its end stops the scan there (Files.Err); an error is returned only
// when ctx ends.
func scanBlockfiles(ctx context.Context, channel string, files []string) (*Files, error) {
	f := &Files{Channel: channel, blockfiles: files}
	for _, p := range files {
		if err := scanBlockfile(ctx, p, f.add); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			f.Err = err
			break
		}
	}
	return f, nil
}

// scanBlockfile calls fn with the number of each block of the blockfile
// at path, in file order, reading only the start of each record. A
// zero-byte file is [ErrEmptyFile]. Errors are [*FileError] values, as
// [Blockfile] yields them.
func scanBlockfile(ctx context.Context, path string, fn func(number uint64)) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return &FileError{File: path, Err: ErrEmptyFile}
	}
	br := bufio.NewReaderSize(fh, 1<<12)
	for off := int64(0); ; {
		if err := ctx.Err(); err != nil {
			return err
		}
		length, n, err := readLength(br, path, off)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		end := off + int64(n) + int64(length)
		if end > st.Size() || end < off {
			return &FileError{File: path, Offset: off, Err: fmt.Errorf("%w: truncated record: %d of %d bytes", ErrCorrupt, st.Size()-off-int64(n), length)}
		}
		head, err := br.Peek(min(int(length), maxVarintLen))
		if err != nil {
			return &FileError{File: path, Offset: off + int64(n), Err: err}
		}
		num, k := protowire.ConsumeVarint(head)
		if k < 0 {
			return &FileError{File: path, Offset: off + int64(n), Err: fmt.Errorf("%w: block record: block number: %v", ErrCorrupt, protowire.ParseError(k))}
		}
		fn(num)
		if rest := int64(length); rest <= int64(br.Buffered()) {
			_, _ = br.Discard(int(rest))
		} else {
			if _, err := fh.Seek(end, io.SeekStart); err != nil {
				return &FileError{File: path, Offset: end, Err: err}
			}
			br.Reset(fh)
		}
		off = end
	}
}

// placeBlockFiles groups .block files by channel and orders each group
// by block number, reading only each file's header number and the channel
// of its first envelope that decodes (see [BlockDir] for the placement).
func placeBlockFiles(ctx context.Context, paths []string) ([]*Files, []error, error) {
	var (
		refs     []blockRef
		unplaced []error
		channels = map[string]bool{}
		byPrefix = map[string]string{} // file name prefix -> channel inside
	)
	for _, p := range slices.Compact(slices.Sorted(slices.Values(paths))) {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		r, err := blockFileHead(p)
		if err != nil {
			unplaced = append(unplaced, err)
			continue
		}
		if r.channel != "" {
			channels[r.channel] = true
			if prefix, _, ok := blockFileName(p); ok {
				byPrefix[prefix] = r.channel
			}
		}
		refs = append(refs, r)
	}
	for i := range refs {
		if refs[i].channel != "" {
			continue
		}
		prefix, _, _ := blockFileName(refs[i].file)
		switch ch, ok := byPrefix[prefix]; {
		case ok:
			refs[i].channel = ch
		case len(channels) == 1:
			refs[i].channel = slices.Collect(maps.Keys(channels))[0]
		default:
			refs[i].channel = prefix
		}
	}
	slices.SortStableFunc(refs, func(a, b blockRef) int {
		return cmp.Or(cmp.Compare(a.channel, b.channel), cmp.Compare(a.number, b.number))
	})
	var out []*Files
	for len(refs) > 0 {
		n := 1
		for n < len(refs) && refs[n].channel == refs[0].channel {
			n++
		}
		f := &Files{Channel: refs[0].channel, refs: refs[:n:n]}
		for _, r := range f.refs {
			f.add(r.number)
		}
		out = append(out, f)
		refs = refs[n:]
	}
	return out, unplaced, nil
}

// blockFileHead reads the number of the .block file at path and the
// channel named by its first envelope that decodes, as readBlockFile
// places it but without unmarshalling the block: a file whose block does
// not parse is placed by the number in its name, with no channel.
func blockFileHead(path string) (blockRef, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return blockRef{}, err
	}
	r := blockRef{file: path}
	num, channel, err := walkBlock(raw)
	if err != nil {
		_, nameNum, named := blockFileName(path)
		if !named {
			return blockRef{}, &FileError{File: path, Err: fmt.Errorf("%w: block: %w: %w", ErrCorrupt, ErrMalformed, err)}
		}
		r.number = nameNum
		return r, nil
	}
	r.number, r.channel = num, channel
	return r, nil
}

// walkBlock reads a marshalled common.Block's header number and the
// channel of its first envelope that decodes, checking the wire format of
// the block, its header and its data as unmarshalling would.
func walkBlock(raw []byte) (number uint64, channel string, err error) {
	var header, data []byte
	hasHeader := false
	err = eachField(raw, func(n protowire.Number, typ protowire.Type, v []byte) {
		switch {
		case n == 1 && typ == protowire.BytesType:
			header, hasHeader = v, true
		case n == 2 && typ == protowire.BytesType:
			data = v
		}
	})
	if err == nil && !hasHeader {
		err = errors.New("block has no header")
	}
	if err == nil {
		err = eachField(header, func(n protowire.Number, typ protowire.Type, v []byte) {
			if n == 1 && typ == protowire.VarintType {
				number, _ = protowire.ConsumeVarint(v)
			}
		})
	}
	if err == nil {
		err = eachField(data, func(n protowire.Number, typ protowire.Type, v []byte) {
			if n == 1 && typ == protowire.BytesType && channel == "" {
				channel, _ = envelopeChannel(v)
			}
		})
	}
	return number, channel, err
}

// eachField calls fn with each field of the protobuf message msg: the
// contents of a length-delimited field, the encoded value of the others.
func eachField(msg []byte, fn func(n protowire.Number, typ protowire.Type, v []byte)) error {
	for len(msg) > 0 {
		n, typ, k := protowire.ConsumeTag(msg)
		if k < 0 {
			return protowire.ParseError(k)
		}
		msg = msg[k:]
		m := protowire.ConsumeFieldValue(n, typ, msg)
		if m < 0 {
			return protowire.ParseError(m)
		}
		v := msg[:m]
		if typ == protowire.BytesType {
			v, _ = protowire.ConsumeBytes(v)
		}
		fn(n, typ, v)
		msg = msg[m:]
	}
	return nil
}

// blockfileNumber is the number in a blockfile_NNNNNN path.
func blockfileNumber(path string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(path), blockfilePrefix))
	return n
}
