package supervise

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// MinRetention is how long audit log entries are kept at the least: six
// months, as the 区块链信息服务管理规定 (Provisions on the Administration
// of Blockchain Information Services) requires of service
// records; 180 days here. Lianjian never deletes audit log entries or
// checkpoints: no code path removes them, and the hash chain from entry 1
// makes any removal show. Pruning, if it is ever added, must keep every
// entry younger than MinRetention and anchor the first kept entry.
const MinRetention = 180 * 24 * time.Hour

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
