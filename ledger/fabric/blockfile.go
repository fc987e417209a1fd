package fabric

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/lianjian/lianjian/ledger"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// RawBlock is one block read from disk.
type RawBlock struct {
	Number  uint64
	Channel string // channel directory name, or the channel named inside a .block file
	Bytes   []byte // marshalled common.Block, ready for DecodeBlock
	File    string
	Offset  int64 // offset of the block's record in File; 0 for .block files
	// Breaks are what the reader found wrong with the block while placing
	// it: an undecodable block or envelope, a file name that says another
	// number. The block is still yielded, in its channel.
	Breaks []*ledger.Break
}

// A blockfile record is a protobuf varint length followed by Fabric's
// block serialization (common/ledger/blkstorage): the header as varint
// number, data hash and previous hash as length-prefixed bytes; a varint
// count of length-prefixed envelopes; a varint count of length-prefixed
// metadata entries.

// maxVarintLen is the longest encoding of a uint64 varint.
const maxVarintLen = 10

// maxPrealloc bounds the buffer allocated for a record before it is
// read: above Fabric's largest AbsoluteMaxBytes (99 MB in its sample
// configuration).
const maxPrealloc = 128 << 20

// ScanBlockfile iterates over the blocks of one blockfile read from r;
// name labels errors. Iteration stops after the first error, a
// [*FileError] that names name and the byte offset, or when ctx ends.
// Each RawBlock.Bytes is the block re-marshalled as a common.Block:
// envelopes and metadata entries keep their exact bytes.
func ScanBlockfile(ctx context.Context, r io.Reader, name string) iter.Seq2[RawBlock, error] {
	return func(yield func(RawBlock, error) bool) {
		br := bufio.NewReaderSize(r, 1<<16)
		var off int64
		for {
			if err := ctx.Err(); err != nil {
				yield(RawBlock{}, err)
				return
			}
			rb, n, err := readRecord(br, name, off)
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(RawBlock{}, err)
				return
			}
			if !yield(rb, nil) {
				return
			}
			off += n
		}
	}
}

// Blockfile iterates over the blocks of the blockfile at path. The name
// of its directory is taken as the channel.
func Blockfile(ctx context.Context, path string) iter.Seq2[RawBlock, error] {
	return func(yield func(RawBlock, error) bool) {
		channel := filepath.Base(filepath.Dir(path))
		f, err := os.Open(path)
		if err != nil {
			yield(RawBlock{}, err)
			return
		}
		defer f.Close()
		for rb, err := range ScanBlockfile(ctx, f, path) {
			rb.Channel = channel
			if !yield(rb, err) || err != nil {
				return
			}
		}
	}
}

// readRecord reads the record at offset off and returns the block and
// the record length. A clean end of input is io.EOF.
func readRecord(br *bufio.Reader, name string, off int64) (RawBlock, int64, error) {
	fail := func(at int64, format string, args ...any) error {
		return &FileError{File: name, Offset: at, Err: fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))}
	}
	length, n, err := readLength(br, name, off)
	if err != nil {
		return RawBlock{}, 0, err
	}
	rec, got, err := readN(br, length)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return RawBlock{}, 0, fail(off, "truncated record: %d of %d bytes", got, length)
	}
	if err != nil {
		return RawBlock{}, 0, &FileError{File: name, Offset: off + int64(n) + got, Err: err}
	}
	base := off + int64(n)
	blk, at, err := parseSerialized(rec)
	if err != nil {
		return RawBlock{}, 0, fail(base+int64(at), "block record: %v", err)
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoadapt.MessageV2Of(blk))
	if err != nil {
		return RawBlock{}, 0, fail(base, "block record: marshal: %v", err)
	}
	rb := RawBlock{Number: blk.Header.Number, Bytes: raw, File: name, Offset: off}
	_, rb.Breaks = envelopes(rb, blk.Data.Data)
	return rb, int64(n) + int64(length), nil
}

// readN reads the next length bytes of br and how many it got. A length
// Fabric allows is read straight into one buffer of its size, copied
// once from br; a larger (corrupt) one grows as it is read, as it must
// not be allocated up front.
func readN(br *bufio.Reader, length uint64) ([]byte, int64, error) {
	if length <= maxPrealloc {
		rec := make([]byte, length)
		got, err := io.ReadFull(br, rec)
		return rec, int64(got), err
	}
	var buf bytes.Buffer
	buf.Grow(maxPrealloc + bytes.MinRead)
	got, err := io.CopyN(&buf, br, int64(length))
	return buf.Bytes(), got, err
}

// readLength reads the varint length that starts the record at offset
// off, and how many bytes it took. A clean end of input is io.EOF.
func readLength(br *bufio.Reader, name string, off int64) (uint64, int, error) {
	var length uint64
	var n int
	for {
		c, err := br.ReadByte()
		if err == io.EOF && n == 0 {
			return 0, 0, io.EOF
		}
		if err == io.EOF {
			return 0, 0, &FileError{File: name, Offset: off, Err: fmt.Errorf("%w: truncated record length", ErrCorrupt)}
		}
		if err != nil {
			return 0, 0, &FileError{File: name, Offset: off + int64(n), Err: err}
		}
		if n == maxVarintLen-1 && c > 1 {
			return 0, 0, &FileError{File: name, Offset: off, Err: fmt.Errorf("%w: record length overflows", ErrCorrupt)}
		}
		length |= uint64(c&0x7f) << (7 * n)
		n++
		if c < 0x80 {
			break
		}
	}
	if length == 0 || length > math.MaxInt64 {
		return 0, 0, &FileError{File: name, Offset: off, Err: fmt.Errorf("%w: bad record length %d", ErrCorrupt, length)}
	}
	return length, n, nil
}

// parseSerialized decodes Fabric's block serialization. On error it
// returns the offset in b where decoding failed.
func parseSerialized(b []byte) (*common.Block, int, error) {
	p := &recordParser{b: b}
	h := &common.BlockHeader{}
	h.Number = p.varint("block number")
	h.DataHash = p.bytes("data hash")
	h.PreviousHash = p.bytes("previous hash")
	if len(h.PreviousHash) == 0 {
		h.PreviousHash = nil
	}
	data := p.list("envelope")
	md := p.list("metadata entry")
	if p.err == nil && p.pos != len(b) {
		p.err = fmt.Errorf("%d trailing bytes", len(b)-p.pos)
	}
	if p.err != nil {
		return nil, p.pos, p.err
	}
	return &common.Block{
		Header:   h,
		Data:     &common.BlockData{Data: data},
		Metadata: &common.BlockMetadata{Metadata: md},
	}, 0, nil
}

// recordParser reads the fields of a serialized block, remembering the
// first error and where it happened.
type recordParser struct {
	b   []byte
	pos int
	err error
}

func (p *recordParser) varint(what string) uint64 {
	if p.err != nil {
		return 0
	}
	v, n := protowire.ConsumeVarint(p.b[p.pos:])
	if n < 0 {
		p.err = fmt.Errorf("%s: %w", what, protowire.ParseError(n))
		return 0
	}
	p.pos += n
	return v
}

func (p *recordParser) bytes(what string) []byte {
	start := p.pos
	n := p.varint(what + " length")
	if p.err != nil {
		return nil
	}
	if left := len(p.b) - p.pos; n > uint64(left) {
		p.pos = start
		p.err = fmt.Errorf("%s: length %d exceeds the %d bytes left", what, n, left)
		return nil
	}
	v := p.b[p.pos : p.pos+int(n)]
	p.pos += int(n)
	return v
}

func (p *recordParser) list(what string) [][]byte {
	start := p.pos
	count := p.varint(what + " count")
	if p.err != nil {
		return nil
	}
	// Every item takes at least its one-byte length.
	if left := len(p.b) - p.pos; count > uint64(left) {
		p.pos = start
		p.err = fmt.Errorf("%s count %d exceeds the %d bytes left", what, count, left)
		return nil
	}
	out := make([][]byte, 0, count)
	for i := range count {
		v := p.bytes(fmt.Sprintf("%s %d", what, i))
		if p.err != nil {
			return nil
		}
		out = append(out, v)
	}
	return out
}
