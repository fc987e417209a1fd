package index

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// The binary record layout shared by the block, transaction and undo
// records (record_block.go, record_tx.go, record_undo.go).
//
// A record starts with its format version byte. Fields follow in a fixed
// order without names: unsigned integers as uvarints, signed ones as
// zig-zag varints (both in their shortest form), booleans as one byte 0 or 1, strings as a uvarint
// length and the bytes, and times as a zero byte (the zero time) or a one
// byte, the Unix seconds (varint), the nanoseconds (uvarint) and the
// zone offset in seconds (varint). Byte slices and lists carry their
// length plus one, so that 0 stands for nil and an empty slice survives.
// A field added later goes at the end of its record with a new version.

// recWriter appends the fields of one record.
type recWriter struct {
	b []byte
	// inRaw makes blob fields references into raw where they can be
	// (transaction records of version 2, record_tx.go); raw may be nil.
	inRaw bool
	raw   []byte
}

func (w *recWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *recWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *recWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *recWriter) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

// bytes writes p, keeping nil apart from empty.
func (w *recWriter) bytes(p []byte) {
	if p == nil {
		w.b = append(w.b, 0)
		return
	}
	w.b = binary.AppendUvarint(w.b, uint64(len(p))+1)
	w.b = append(w.b, p...)
}

// minBlobRef is the shortest blob field a record names by reference:
// below it the reference saves too little.
const minBlobRef = 8

// blob writes a byte field that may lie in the transaction's raw bytes.
// Without inRaw it is a bytes field. With it, it is a uvarint v: 0 for
// nil, the length shifted left by one with the low bit set and the bytes,
// or, when p lies in raw, the length shifted left by one and the offset
// of p in raw (a blobRef, filled by fillRaw).
func (w *recWriter) blob(p []byte) {
	switch {
	case !w.inRaw:
		w.bytes(p)
		return
	case p == nil:
		w.b = append(w.b, 0)
		return
	case len(p) >= minBlobRef:
		if i := indexIn(w.raw, p); i >= 0 {
			w.uint(uint64(len(p)) << 1)
			w.uint(uint64(i))
			return
		}
	}
	w.uint(uint64(len(p))<<1 | 1)
	w.b = append(w.b, p...)
}

// indexIn is bytes.Index(raw, p). It looks for p's last 16 bytes
// (fewer when p is shorter) and checks the whole of p where they occur:
// a field's first bytes are often framing common in the raw bytes (a
// DER signature's 0x30 0x44 0x02 0x20, where '0' is frequent in the text
// of certificates), which the search stops at again and again, and its
// last ones rarely.
func indexIn(raw, p []byte) int {
	if len(p) > len(raw) {
		return -1
	}
	k := len(p) - min(len(p), 16)
	tail := p[k:]
	for off := k; ; {
		j := bytes.Index(raw[off:], tail)
		if j < 0 {
			return -1
		}
		// p would start at i and end where tail does, inside raw.
		if i := off + j - k; bytes.Equal(raw[i:i+len(p)], p) {
			return i
		}
		off += j + 1
	}
}

// blobs writes a list of blob fields.
func (w *recWriter) blobs(ps [][]byte) {
	w.count(len(ps), ps == nil)
	for _, p := range ps {
		w.blob(p)
	}
}

// count writes the length of a list, keeping nil apart from empty.
func (w *recWriter) count(n int, isNil bool) {
	if isNil {
		w.b = append(w.b, 0)
		return
	}
	w.b = binary.AppendUvarint(w.b, uint64(n)+1)
}

func (w *recWriter) time(t time.Time) {
	if t.IsZero() {
		w.b = append(w.b, 0)
		return
	}
	w.b = append(w.b, 1)
	_, off := t.Zone()
	w.int(t.Unix())
	w.uint(uint64(t.Nanosecond()))
	w.int(int64(off))
}

func (w *recWriter) strs(ss []string) {
	w.count(len(ss), ss == nil)
	for _, s := range ss {
		w.str(s)
	}
}

func (w *recWriter) uints(vs []uint64) {
	w.count(len(vs), vs == nil)
	for _, v := range vs {
		w.uint(v)
	}
}

// uvarintLen is the length of the shortest uvarint of v: the only one
// recReader accepts, so that a record has one encoding.
func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// recReader reads the fields of one record. The first malformed field
// sets err, after which every read returns a zero value; callers check
// err once at the end.
type recReader struct {
	b   []byte
	err error
	// what names the record in errors.
	what string
	// inRaw, when set, reads blob fields as recWriter wrote them with
	// inRaw, and collects their references into the raw bytes.
	inRaw *[]blobRef
}

func (r *recReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s: %s", ErrRecordFormat, r.what, fmt.Sprintf(format, args...))
	}
	r.b = nil
}

// version reads the version byte and checks it is want.
func (r *recReader) version(want byte) {
	if len(r.b) == 0 {
		r.fail("empty record")
		return
	}
	if r.b[0] != want {
		r.fail("format version %d, want %d", r.b[0], want)
		return
	}
	r.b = r.b[1:]
}

func (r *recReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n != uvarintLen(v) {
		r.fail("bad unsigned integer")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 || n != uvarintLen(uint64(v)<<1^uint64(v>>63)) {
		r.fail("bad integer")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// intN reads an int that must fit the platform's int.
func (r *recReader) intN() int {
	v := r.int()
	if v > math.MaxInt32 || v < math.MinInt32 {
		r.fail("integer %d out of range", v)
		return 0
	}
	return int(v)
}

func (r *recReader) uint32() uint32 {
	v := r.uint()
	if v > math.MaxUint32 {
		r.fail("integer %d out of range", v)
		return 0
	}
	return uint32(v)
}

func (r *recReader) int32() int32 {
	v := r.int()
	if v > math.MaxInt32 || v < math.MinInt32 {
		r.fail("integer %d out of range", v)
		return 0
	}
	return int32(v)
}

func (r *recReader) bool() bool {
	if r.err != nil {
		return false
	}
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail("bad boolean")
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

// take returns the next n bytes, aliasing the record.
func (r *recReader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("field of %d bytes past the end", n)
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *recReader) str() string { return string(r.take(r.uint())) }

// bytes reads a byte slice written by recWriter.bytes; the result aliases
// the record.
func (r *recReader) bytes() []byte {
	n := r.uint()
	if r.err != nil || n == 0 {
		return nil
	}
	p := r.take(n - 1)
	if p == nil && r.err == nil {
		return []byte{}
	}
	return p
}

// blobRef is a blob field that lies in the transaction's raw bytes, at
// off, length bytes long, to be set in dst once they are read (fillRaw).
type blobRef struct {
	dst         *[]byte
	off, length uint64
}

// blob reads into dst what recWriter.blob wrote. A reference into the raw
// bytes leaves dst unset and is added to r.inRaw.
func (r *recReader) blob(dst *[]byte) {
	if r.inRaw == nil {
		*dst = r.bytes()
		return
	}
	v := r.uint()
	switch {
	case r.err != nil || v == 0:
		*dst = nil
	case v&1 == 1:
		*dst = r.take(v >> 1)
	default:
		off := r.uint()
		if r.err == nil {
			*r.inRaw = append(*r.inRaw, blobRef{dst: dst, off: off, length: v >> 1})
		}
	}
}

// blobs reads a list of blob fields.
func (r *recReader) blobs() [][]byte {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	out := make([][]byte, n)
	for i := range out {
		r.blob(&out[i])
	}
	return out
}

// count reads a list length; isNil is true for a nil list. Every element
// takes at least one byte, which bounds what a malformed count allocates.
func (r *recReader) count() (n int, isNil bool) {
	v := r.uint()
	if r.err != nil || v == 0 {
		return 0, true
	}
	if v-1 > uint64(len(r.b)) {
		r.fail("list of %d items in %d bytes", v-1, len(r.b))
		return 0, true
	}
	return int(v - 1), false
}

func (r *recReader) time() time.Time {
	if r.err != nil {
		return time.Time{}
	}
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail("bad time")
		return time.Time{}
	}
	set := r.b[0] == 1
	r.b = r.b[1:]
	if !set {
		return time.Time{}
	}
	sec, nsec, off := r.int(), r.uint(), r.int()
	if r.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 || off < -24*3600 || off > 24*3600 {
		r.fail("bad time")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(off)))
}

func (r *recReader) strs() []string {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *recReader) uints() []uint64 {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.uint()
	}
	return out
}

// writeList writes a list: its length (nil kept apart from empty), then
// each item with f.
func writeList[T any](w *recWriter, items []T, f func(*recWriter, *T)) {
	w.count(len(items), items == nil)
	for i := range items {
		f(w, &items[i])
	}
}

// readList reads a list writeList wrote, each item with f.
func readList[T any](r *recReader, f func(*recReader, *T)) []T {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	out := make([]T, n)
	for i := range out {
		f(r, &out[i])
	}
	return out
}

// end fails unless the whole record was read.
func (r *recReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d bytes after the last field", len(r.b))
	}
	return r.err
}

// --- types shared by block and transaction records ---

func (w *recWriter) identity(id *ledger.Identity) {
	w.str(id.MSPID)
	w.str(id.Address)
	w.bytes(id.Cert)
	w.str(id.Subject)
	w.str(id.Issuer)
	w.str(id.Serial)
	w.str(id.Fingerprint)
	w.time(id.NotBefore)
	w.time(id.NotAfter)
	w.str(id.KeyAlgorithm)
	w.strs(id.OUs)
}

func (r *recReader) identity(id *ledger.Identity) {
	id.MSPID = r.str()
	id.Address = r.str()
	id.Cert = r.bytes()
	id.Subject = r.str()
	id.Issuer = r.str()
	id.Serial = r.str()
	id.Fingerprint = r.str()
	id.NotBefore = r.time()
	id.NotAfter = r.time()
	id.KeyAlgorithm = r.str()
	id.OUs = r.strs()
}

func (w *recWriter) verdict(v *ledger.Verdict) {
	w.str(string(v.Status))
	writeList(w, v.Checks, func(w *recWriter, c *ledger.Check) {
		w.str(c.Name)
		w.bool(c.OK)
		w.str(c.Detail)
	})
}

func (r *recReader) verdict(v *ledger.Verdict) {
	v.Status = ledger.VerdictStatus(r.str())
	v.Checks = readList(r, func(r *recReader, c *ledger.Check) {
		c.Name, c.OK, c.Detail = r.str(), r.bool(), r.str()
	})
}

// signatures writes sigs, each signer through ident.
func (w *recWriter) signatures(sigs []ledger.Signature, ident func(*recWriter, *ledger.Identity)) {
	writeList(w, sigs, func(w *recWriter, s *ledger.Signature) {
		w.str(s.Role)
		ident(w, &s.Signer)
		w.str(s.Algorithm)
		w.blob(s.Value)
		w.verdict(&s.Verdict)
	})
}

func (r *recReader) signatures(ident func(*recReader, *ledger.Identity)) []ledger.Signature {
	return readList(r, func(r *recReader, s *ledger.Signature) {
		s.Role = r.str()
		ident(r, &s.Signer)
		s.Algorithm = r.str()
		r.blob(&s.Value)
		r.verdict(&s.Verdict)
	})
}

// flaggedIdentity writes id whole after a zero flag: the layout of
// certRef where the identity table holds nothing (block records).
func (w *recWriter) flaggedIdentity(id *ledger.Identity) {
	w.bool(false)
	w.identity(id)
}

// certRef reads a flag and an identity, whose certificate the identity
// table holds under its fingerprint when the flag is set: the identity is
// then added to refs, to be filled (fillTx). A record where refs is nil
// (a block record) holds no such identity.
func (r *recReader) certRef(id *ledger.Identity, refs *[]idRef) {
	byRef := r.bool()
	r.identity(id)
	if !byRef || r.err != nil {
		return
	}
	if refs == nil || id.Cert != nil || id.Fingerprint == "" {
		r.fail("bad certificate reference")
		return
	}
	*refs = append(*refs, idRef{id: id})
}

// hexStr writes s, as the bytes it spells when it is lower-case hex (a
// fingerprint or hash), which halves it: a uvarint of the length shifted
// left by one, its low bit set for hex, and the bytes.
func (w *recWriter) hexStr(s string) {
	if s != "" && len(s)%2 == 0 && isLowerHex(s) {
		w.uint(uint64(len(s)/2)<<1 | 1)
		w.b, _ = hex.AppendDecode(w.b, []byte(s)) // s is hex
		return
	}
	w.uint(uint64(len(s)) << 1)
	w.b = append(w.b, s...)
}

func (r *recReader) hexStr() string {
	n := r.uint()
	p := r.take(n >> 1)
	if n&1 == 0 {
		return string(p)
	}
	return hex.EncodeToString(p)
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
