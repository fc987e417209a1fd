package badgerkv

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Blobs keeps large values outside badger, in append-only segment files
// read with pread: badger maps its value log into memory, so every raw
// block an import writes or an audit reads would stay resident in the
// process (3 GiB of a ledger of 1 M transactions, all counted in its
// RSS), while pages read with pread stay in the kernel's page cache,
// which the kernel shares and reclaims.
//
// A value of Threshold bytes or more is appended to the current segment
// and badger stores a pointer to it (segment, offset, length, CRC-32C of
// the stored bytes), marked with the entry's user meta byte metaBlob, in
// the same transaction as every other write. The bytes are written (to
// the page cache) before the transaction commits, and fsynced first when
// the store syncs its writes, so a committed pointer never points past
// what a crash of the process keeps. A crash between the append and the
// commit leaves unreferenced bytes at the end of a segment, never a
// pointer to missing ones.
//
// Segments are never rewritten: a value overwritten or deleted leaves
// its bytes behind, as does an update that fails after appending (a
// conflict at commit). The index overwrites large values on a chain
// reorganisation and when an audit range is verified again, so the waste
// is bounded by the blocks a chain ever replaced and the ranges
// re-audited.
//
// With an encryption key, each value is sealed with AES-GCM under a
// random nonce, as badger encrypts its own files.
type Blobs struct {
	dir       string
	threshold int
	route     func(key []byte) bool
	maxSeg    int64
	sync      bool
	readOnly  bool
	aead      cipher.AEAD

	mu    sync.Mutex // the writer: active segment and its size
	w     *os.File
	wid   uint32
	wsize int64
	dirty bool   // written since the last Sync
	wbuf  []byte // AppendAll's buffer of small values

	rmu     sync.RWMutex
	readers map[uint32]*os.File
}

// BlobOptions configures Blobs.
type BlobOptions struct {
	// Threshold is the size from which a value goes to a segment.
	Threshold int
	// Route, when set, names keys whose values go to a segment from
	// RoutedMin bytes on, below Threshold: records written once, read
	// one at a time and numerous enough that keeping them in the LSM
	// tree costs its compactions more than a pread costs a reader.
	Route func(key []byte) bool
	// SegmentSize is the size from which a new segment is started.
	SegmentSize int64
	// SyncWrites fsyncs the segment before a transaction commits.
	SyncWrites bool
	// ReadOnly opens the segments for reading only.
	ReadOnly bool
	// EncryptionKey seals every value with AES-GCM (16, 24 or 32 bytes).
	EncryptionKey []byte
}

const (
	// metaBlob marks a badger entry whose value is a pointer into Blobs.
	metaBlob byte = 0x42
	// blobPtrVersion is the first byte of a pointer.
	blobPtrVersion = 1
	segSuffix      = ".seg"
)

// segMagic starts every segment, so that a stray file is not read as one.
var segMagic = []byte("LJBLOB1\n")

// ErrBlobCorrupt is wrapped by errors reading a value whose stored bytes
// are missing or fail their checksum: every such error is a *BlobError.
var ErrBlobCorrupt = errors.New("blob segment damaged")

// BlobDamage classifies a *BlobError.
type BlobDamage int

// The kinds of damage.
const (
	// BlobChecksum: the stored bytes fail their checksum (or, sealed,
	// their authentication).
	BlobChecksum BlobDamage = iota + 1
	// BlobShort: the segment ends before the value, or is not a segment.
	BlobShort
	// BlobMissing: the segment file is missing.
	BlobMissing
	// BlobPointer: the pointer stored in the tree does not parse.
	BlobPointer
)

// BlobError is damage met reading a value from the segments.
type BlobError struct {
	// Segment is the segment's file name, inside the blob directory;
	// empty for a pointer that does not parse.
	Segment string
	// Key is the key whose value was read, when known.
	Key  []byte
	Kind BlobDamage
	Err  error
}

func (e *BlobError) Error() string {
	msg := "blob segment"
	if e.Segment != "" {
		msg += " " + e.Segment
	}
	if e.Key != nil {
		msg += fmt.Sprintf(" (key %q)", e.Key)
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap makes a *BlobError match ErrBlobCorrupt.
func (e *BlobError) Unwrap() error { return ErrBlobCorrupt }

func (b *Blobs) damage(seg uint32, kind BlobDamage, format string, a ...any) *BlobError {
	return &BlobError{Segment: segName(seg), Kind: kind, Err: fmt.Errorf(format, a...)}
}

// OpenBlobs opens (or, unless read-only, creates) the segments in dir.
func OpenBlobs(dir string, o BlobOptions) (*Blobs, error) {
	b := &Blobs{dir: dir, threshold: o.Threshold, route: o.Route, maxSeg: o.SegmentSize, sync: o.SyncWrites,
		readOnly: o.ReadOnly, readers: map[uint32]*os.File{}}
	if b.threshold <= 0 {
		b.threshold = 64 << 10
	}
	if b.maxSeg <= 0 {
		b.maxSeg = 1 << 30
	}
	if len(o.EncryptionKey) > 0 {
		blk, err := aes.NewCipher(o.EncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("blob segments: %w", err)
		}
		if b.aead, err = cipher.NewGCM(blk); err != nil {
			return nil, fmt.Errorf("blob segments: %w", err)
		}
	}
	ids, err := segmentIDs(dir)
	if errors.Is(err, os.ErrNotExist) && !o.ReadOnly {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil && !(o.ReadOnly && errors.Is(err, os.ErrNotExist)) {
		return nil, fmt.Errorf("blob segments %s: %w", dir, err)
	}
	// A writer starts a segment of its own at its first append, after
	// the last one: it never writes where a pointer of an earlier
	// session may point, even into a segment cut short by damage.
	if len(ids) > 0 {
		b.wid = ids[len(ids)-1]
	}
	return b, nil
}

// segmentIDs lists the segment numbers in dir, ascending.
func segmentIDs(dir string) ([]uint32, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ids []uint32
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), segSuffix)
		if !ok {
			continue
		}
		if id, err := strconv.ParseUint(name, 10, 32); err == nil {
			ids = append(ids, uint32(id))
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func segName(id uint32) string { return fmt.Sprintf("%08d%s", id, segSuffix) }

func (b *Blobs) segPath(id uint32) string { return filepath.Join(b.dir, segName(id)) }

func checkMagic(f *os.File, id uint32) error {
	head := make([]byte, len(segMagic))
	if _, err := f.ReadAt(head, 0); err != nil || string(head) != string(segMagic) {
		return &BlobError{Segment: segName(id), Kind: BlobShort, Err: errors.New("the file does not start as a segment")}
	}
	return nil
}

// startSegment creates segment id as the active one; b.mu is held or b
// is not yet shared.
func (b *Blobs) startSegment(id uint32) error {
	f, err := os.OpenFile(b.segPath(id), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("blob segments: %w", err)
	}
	if _, err := f.WriteAt(segMagic, 0); err != nil {
		f.Close()
		return fmt.Errorf("blob segments: %w", err)
	}
	if b.w != nil {
		// The finished segment is complete on disk before the first
		// pointer into the next one can commit.
		if err := b.w.Sync(); err != nil {
			f.Close()
			return err
		}
		b.w.Close()
	}
	if err := syncDir(b.dir); err != nil {
		f.Close()
		return err
	}
	b.w, b.wid, b.wsize = f, id, int64(len(segMagic))
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Threshold is the size from which a value goes to a segment.
func (b *Blobs) Threshold() int { return b.threshold }

// RoutedMin is the size from which a value of a key BlobOptions.Route
// names goes to a segment: a pointer takes up to 26 bytes.
const RoutedMin = 64

// Keeps reports whether the value of key goes to a segment.
func (b *Blobs) Keeps(key, value []byte) bool {
	return len(value) >= b.threshold || len(value) >= RoutedMin && b.route != nil && b.route(key)
}

// Append stores v and returns the pointer to keep in its place.
func (b *Blobs) Append(v []byte) ([]byte, error) {
	if b.readOnly {
		return nil, errors.New("blob segments: opened read-only")
	}
	stored := v
	if b.aead != nil {
		nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(v)+b.aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		stored = b.aead.Seal(nonce, nonce, v, nil)
	}
	sum := crc32.Checksum(stored, castagnoli)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.wsize > int64(len(segMagic)) && b.wsize+int64(len(stored)) > b.maxSeg {
		if err := b.startSegment(b.wid + 1); err != nil {
			return nil, err
		}
	}
	off := b.wsize
	if _, err := b.w.WriteAt(stored, off); err != nil {
		return nil, fmt.Errorf("blob segment %s: %w", b.segPath(b.wid), err)
	}
	b.wsize += int64(len(stored))
	b.dirty = true
	return pointer(b.wid, off, len(stored), sum), nil
}

// pointer is what badger holds for a value of n bytes at off in segment
// seg, whose checksum is sum (parsePtr reads it).
func pointer(seg uint32, off int64, n int, sum uint32) []byte {
	p := make([]byte, 0, 24)
	p = append(p, blobPtrVersion)
	p = binary.AppendUvarint(p, uint64(seg))
	p = binary.AppendUvarint(p, uint64(off))
	p = binary.AppendUvarint(p, uint64(n))
	return binary.BigEndian.AppendUint32(p, sum)
}

// AppendAll appends vals in order, as Append does each, and returns
// their pointers. Values below the threshold (those Route sends) are
// gathered into one write; a large value is written as it is, uncopied.
func (b *Blobs) AppendAll(vals [][]byte) ([][]byte, error) {
	if b.readOnly {
		return nil, errors.New("blob segments: opened read-only")
	}
	if b.aead != nil || len(vals) == 1 {
		ptrs := make([][]byte, len(vals))
		for i, v := range vals {
			p, err := b.Append(v)
			if err != nil {
				return nil, err
			}
			ptrs[i] = p
		}
		return ptrs, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ptrs := make([][]byte, 0, len(vals))
	buf := b.wbuf[:0]
	var bufOff int64 // where buf goes in the active segment
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if _, err := b.w.WriteAt(buf, bufOff); err != nil {
			return fmt.Errorf("blob segment %s: %w", b.segPath(b.wid), err)
		}
		buf = buf[:0]
		return nil
	}
	for _, v := range vals {
		if b.w == nil || b.wsize > int64(len(segMagic)) && b.wsize+int64(len(v)) > b.maxSeg {
			if err := flush(); err != nil {
				return nil, err
			}
			if err := b.startSegment(b.wid + 1); err != nil {
				return nil, err
			}
		}
		off := b.wsize
		switch {
		case len(v) >= b.threshold:
			if err := flush(); err != nil {
				return nil, err
			}
			if _, err := b.w.WriteAt(v, off); err != nil {
				return nil, fmt.Errorf("blob segment %s: %w", b.segPath(b.wid), err)
			}
		default:
			if len(buf) == 0 {
				bufOff = off
			}
			buf = append(buf, v...)
		}
		b.wsize += int64(len(v))
		b.dirty = true
		ptrs = append(ptrs, pointer(b.wid, off, len(v), crc32.Checksum(v, castagnoli)))
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if cap(buf) <= maxWriteBuf {
		b.wbuf = buf
	}
	return ptrs, nil
}

// maxWriteBuf bounds the buffer AppendAll keeps between calls.
const maxWriteBuf = 4 << 20

// Sync makes the appended values durable before a commit refers to
// them, when the store syncs its writes; otherwise they are in the page
// cache already, which a crash of the process keeps.
func (b *Blobs) Sync() error {
	if !b.sync {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.dirty || b.w == nil {
		return nil
	}
	b.dirty = false
	return b.w.Sync()
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// blobPtr is a decoded pointer.
type blobPtr struct {
	seg      uint32
	off, n   uint64
	checksum uint32
}

func parsePtr(p []byte) (blobPtr, error) {
	bad := &BlobError{Kind: BlobPointer, Err: fmt.Errorf("a pointer of %d bytes does not parse", len(p))}
	if len(p) < 1 || p[0] != blobPtrVersion {
		return blobPtr{}, bad
	}
	rest := p[1:]
	next := func() (uint64, bool) {
		v, k := binary.Uvarint(rest)
		if k <= 0 {
			return 0, false
		}
		rest = rest[k:]
		return v, true
	}
	seg, ok1 := next()
	off, ok2 := next()
	n, ok3 := next()
	if !ok1 || !ok2 || !ok3 || seg > 1<<32-1 {
		return blobPtr{}, bad
	}
	ptr := blobPtr{seg: uint32(seg), off: off, n: n}
	if len(rest) != 4 || ptr.n > 1<<40 {
		return blobPtr{}, bad
	}
	ptr.checksum = binary.BigEndian.Uint32(rest)
	return ptr, nil
}

// Read returns a copy of the value p points to.
func (b *Blobs) Read(p []byte) ([]byte, error) {
	ptr, err := parsePtr(p)
	if err != nil {
		return nil, err
	}
	f, err := b.reader(ptr.seg)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, ptr.n)
	if _, err := f.ReadAt(buf, int64(ptr.off)); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, b.damage(ptr.seg, BlobShort, "the segment ends before the %d bytes at offset %d", ptr.n, ptr.off)
		}
		return nil, err
	}
	if crc32.Checksum(buf, castagnoli) != ptr.checksum {
		return nil, b.damage(ptr.seg, BlobChecksum, "checksum mismatch: the %d bytes at offset %d", ptr.n, ptr.off)
	}
	if b.aead == nil {
		return buf, nil
	}
	ns := b.aead.NonceSize()
	if len(buf) < ns {
		return nil, b.damage(ptr.seg, BlobChecksum, "sealed value at offset %d too short", ptr.off)
	}
	v, err := b.aead.Open(buf[ns:ns], buf[:ns], buf[ns:], nil)
	if err != nil {
		return nil, b.damage(ptr.seg, BlobChecksum, "the value at offset %d does not open with this key: %v", ptr.off, err)
	}
	return v, nil
}

// reader returns the open file of segment id.
func (b *Blobs) reader(id uint32) (*os.File, error) {
	b.rmu.RLock()
	f := b.readers[id]
	b.rmu.RUnlock()
	if f != nil {
		return f, nil
	}
	b.rmu.Lock()
	defer b.rmu.Unlock()
	if f := b.readers[id]; f != nil {
		return f, nil
	}
	f, err := os.Open(b.segPath(id))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, b.damage(id, BlobMissing, "the segment is missing")
		}
		return nil, err
	}
	if err := checkMagic(f, id); err != nil {
		f.Close()
		return nil, err
	}
	b.readers[id] = f
	return f, nil
}

// Close syncs and closes the segments.
func (b *Blobs) Close() error {
	var errs []error
	b.mu.Lock()
	if b.w != nil {
		errs = append(errs, b.w.Sync(), b.w.Close())
		b.w = nil
	}
	b.mu.Unlock()
	b.rmu.Lock()
	for id, f := range b.readers {
		errs = append(errs, f.Close())
		delete(b.readers, id)
	}
	b.rmu.Unlock()
	return errors.Join(errs...)
}
