package supervise

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Action is one mutating API or CLI action to append to the audit log.
type Action struct {
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`            // token id and name, or the CLI user
	Role    Role      `json:"role,omitempty"`   // the actor's role, when known
	Op      string    `json:"action"`           // e.g. "POST /api/v1/users", "cli users revoke"
	Target  string    `json:"target,omitempty"` // what the action touched
	Remote  string    `json:"remote,omitempty"` // client address, or "cli"
	Outcome string    `json:"outcome"`          // "ok", or the status/error class
	Detail  string    `json:"detail,omitempty"` // short, non-secret detail
}

// Entry is a stored audit log entry: the action, its position and the SM3
// hash chaining it to the entry before.
type Entry struct {
	Seq uint64 `json:"seq"` // from 1
	Action
	Prev []byte `json:"prev"` // Hash of entry Seq-1; 32 zero bytes for the first
	Hash []byte `json:"hash"`
}

// Sum computes the hash of e from its fields and Prev: SM3 over the
// length-prefixed encoding of every field, so no two different entries
// share an encoding.
func (e *Entry) Sum() []byte {
	var buf bytes.Buffer
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		buf.Write(n[:])
		buf.Write(b)
	}
	binary.BigEndian.PutUint64(n[:], e.Seq)
	buf.Write(n[:])
	field([]byte(e.Time.UTC().Format(time.RFC3339Nano)))
	for _, s := range []string{e.Actor, string(e.Role), e.Op, e.Target, e.Remote, e.Outcome, e.Detail} {
		field([]byte(s))
	}
	field(e.Prev)
	h := sm3.Sum(buf.Bytes())
	return h[:]
}

// Seal fills Seq, Prev and Hash so that e follows prev (nil for the
// first entry).
func (e *Entry) Seal(prev *Entry) {
	e.Time = e.Time.UTC()
	if prev == nil {
		e.Seq, e.Prev = 1, make([]byte, sm3.Size)
	} else {
		e.Seq, e.Prev = prev.Seq+1, bytes.Clone(prev.Hash)
	}
	e.Hash = e.Sum()
}

// Verifier checks entries one at a time, in order.
type Verifier struct {
	prev *Entry
	n    uint64
}

// Check verifies that e follows the entries checked before it. The error
// names e's sequence number.
func (v *Verifier) Check(e *Entry) error {
	want := uint64(1)
	prevHash := make([]byte, sm3.Size)
	if v.prev != nil {
		want, prevHash = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case e.Seq != want:
		return fmt.Errorf("%w at entry %d: sequence number %d, want %d", ErrBrokenChain, want, e.Seq, want)
	case !bytes.Equal(e.Prev, prevHash):
		return fmt.Errorf("%w at entry %d: prev %x, want %x", ErrBrokenChain, e.Seq, e.Prev, prevHash)
	case !bytes.Equal(e.Hash, e.Sum()):
		return fmt.Errorf("%w at entry %d: hash %x, recomputed %x", ErrBrokenChain, e.Seq, e.Hash, e.Sum())
	}
	c := *e
	v.prev = &c
	v.n++
	return nil
}

// Count is the number of entries checked so far.
func (v *Verifier) Count() uint64 { return v.n }
