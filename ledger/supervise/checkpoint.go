package supervise

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Checkpoint is a signed head of the audit log, in the manner of a
// certificate-transparency signed tree head: when it was signed at Time,
// the log held Size entries and the last one's hash was Head. Seq numbers
// the checkpoints of one log from 1. A checkpoint is kept in the index and,
// as the authority, outside the data directory: an append-only file of
// JSON lines, a webhook, or both.
type Checkpoint struct {
	Seq   uint64    `json:"seq"`
	Size  uint64    `json:"size"`
	Head  []byte    `json:"head"` // hash of entry Size; 32 zero bytes when Size is 0
	Time  time.Time `json:"time"`
	KeyID string    `json:"key_id"` // PublicKey.ID of the signer
	Sig   []byte    `json:"sig"`    // SM2 (ASN.1 DER) over Message, default user id, SM3
}

// checkpointHeader opens every signed checkpoint message.
const checkpointHeader = "lianjian audit log checkpoint v1"

// Message is the text a checkpoint's signature covers: every field but
// the signature, one per line, after a header naming the format.
func (c *Checkpoint) Message() []byte {
	return fmt.Appendf(nil, "%s\nseq %d\nsize %d\nhead %x\ntime %s\nkey %s\n",
		checkpointHeader, c.Seq, c.Size, c.Head, c.Time.UTC().Format(time.RFC3339Nano), c.KeyID)
}

// Equal reports whether c and o are the same signed checkpoint.
func (c *Checkpoint) Equal(o *Checkpoint) bool {
	return c.Seq == o.Seq && c.Size == o.Size && bytes.Equal(c.Head, o.Head) && c.Time.Equal(o.Time) &&
		c.KeyID == o.KeyID && bytes.Equal(c.Sig, o.Sig)
}

// MarshalLine encodes c as one line of a checkpoint file, newline included.
func (c *Checkpoint) MarshalLine() ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint %d: %w", c.Seq, err)
	}
	return append(b, '\n'), nil
}

// validate checks the shape of a decoded checkpoint (not its signature).
func (c *Checkpoint) validate() error {
	switch {
	case c.Seq == 0:
		return errors.New("seq is 0")
	case len(c.Head) != sm3.Size:
		return fmt.Errorf("head is %d bytes, want %d", len(c.Head), sm3.Size)
	case c.Size == 0 && !bytes.Equal(c.Head, make([]byte, sm3.Size)):
		return errors.New("head of an empty log is not zero")
	case len(c.KeyID) != 2*sm3.Size:
		return fmt.Errorf("key_id is %d characters, want %d", len(c.KeyID), 2*sm3.Size)
	case len(c.Sig) == 0 || len(c.Sig) > maxSigLen:
		return fmt.Errorf("sig is %d bytes", len(c.Sig))
	}
	if _, err := hex.DecodeString(c.KeyID); err != nil {
		return fmt.Errorf("key_id is not hex: %w", err)
	}
	return nil
}

// maxSigLen bounds a DER SM2 signature: two 33-byte integers and headers.
const maxSigLen = 80

// maxLine bounds one line of a checkpoint file.
const maxLine = 4096

// ParseCheckpoint decodes one checkpoint (a line of a checkpoint file, a
// webhook body). Unknown fields are errors.
func ParseCheckpoint(b []byte) (Checkpoint, error) {
	var c Checkpoint
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: checkpoint: %w", ErrFormat, err)
	}
	if dec.More() {
		return c, fmt.Errorf("%w: checkpoint: data after the object", ErrFormat)
	}
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("%w: checkpoint %d: %w", ErrFormat, c.Seq, err)
	}
	return c, nil
}

// ReadCheckpoints reads a checkpoint file: one JSON checkpoint per line,
// in the order written. Blank lines are skipped; any other line that is
// not a checkpoint is an error naming it.
func ReadCheckpoints(r io.Reader) ([]Checkpoint, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxLine)
	var cps []Checkpoint
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		c, err := ParseCheckpoint(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		cps = append(cps, c)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: line %d longer than %d bytes", ErrFormat, n+1, maxLine)
		}
		return nil, err
	}
	return cps, nil
}
