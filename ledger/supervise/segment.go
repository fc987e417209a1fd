package supervise

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// SegmentFormat names the export format; ReadSegment refuses any other.
const SegmentFormat = "lianjian-auditlog-segment/1"

// MaxSegmentBytes bounds the segment ReadSegment accepts.
const MaxSegmentBytes = 1 << 30

// Segment is a stretch of the audit log exported for a regulator, which
// verifies with no index: the entries whose time is in [From, To), the
// entry before the first (so that the first one's link is checked), the
// entries that lead on from the last to the next checkpoint (so that
// every exported entry is covered by a signed head), and the checkpoints
// whose heads fall in that stretch.
type Segment struct {
	Format      string       `json:"format"`
	From        time.Time    `json:"from"`
	To          time.Time    `json:"to"`
	Exported    time.Time    `json:"exported"`
	Prev        *Entry       `json:"prev"` // nil when Entries start at entry 1
	Entries     []Entry      `json:"entries"`
	After       []Entry      `json:"after"`
	Checkpoints []Checkpoint `json:"checkpoints"`
}

// LogReader reads an audit log and its checkpoints in order, from a
// sequence number (1 for the start), until fn returns false.
type LogReader interface {
	AuditEntries(ctx context.Context, from uint64, fn func(e *Entry) bool) error
	AuditCheckpoints(ctx context.Context, from uint64, fn func(c *Checkpoint) bool) error
}

// Export builds the segment of the entries whose time is in [from, to).
// Entries are appended in time order, so the segment is the contiguous
// run from the first entry in the range to the last. It returns
// ErrNoEntries when the range has none.
func Export(ctx context.Context, log LogReader, from, to, now time.Time) (*Segment, error) {
	var first, last uint64
	err := log.AuditEntries(ctx, 1, func(e *Entry) bool {
		if !e.Time.Before(from) && e.Time.Before(to) {
			if first == 0 {
				first = e.Seq
			}
			last = e.Seq
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	if first == 0 {
		return nil, ErrNoEntries
	}
	s := &Segment{Format: SegmentFormat, From: from.UTC(), To: to.UTC(), Exported: now.UTC(), Entries: []Entry{}, After: []Entry{}, Checkpoints: []Checkpoint{}}
	var cps []Checkpoint
	var cover *Checkpoint // the smallest checkpoint covering the range
	err = log.AuditCheckpoints(ctx, 1, func(c *Checkpoint) bool {
		cps = append(cps, *c)
		if c.Size >= last && (cover == nil || c.Size < cover.Size) {
			cov := *c
			cover = &cov
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log checkpoints: %w", err)
	}
	end := last
	if cover != nil {
		end = cover.Size
	}
	for _, c := range cps {
		if c.Size+1 >= first && c.Size <= end {
			s.Checkpoints = append(s.Checkpoints, c)
		}
	}
	err = log.AuditEntries(ctx, max(first-1, 1), func(e *Entry) bool {
		switch {
		case e.Seq < first:
			prev := *e
			s.Prev = &prev
		case e.Seq <= last:
			s.Entries = append(s.Entries, *e)
		case e.Seq <= end:
			s.After = append(s.After, *e)
		}
		return e.Seq < end
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return s, nil
}

// WriteTo writes s as indented JSON.
func (s *Segment) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("encode segment: %w", err)
	}
	n, err := w.Write(append(b, '\n'))
	return int64(n), err
}

// ReadSegment decodes an exported segment. It checks the format and the
// shape of every record; Verify checks what they say.
func ReadSegment(r io.Reader) (*Segment, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxSegmentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxSegmentBytes {
		return nil, fmt.Errorf("%w: segment larger than %d bytes", ErrFormat, MaxSegmentBytes)
	}
	return DecodeSegment(raw)
}

// DecodeSegment decodes an exported segment from its bytes (see
// ReadSegment). Unknown fields are errors.
func DecodeSegment(raw []byte) (*Segment, error) {
	var s Segment
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: segment: %w", ErrFormat, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: segment: data after the object", ErrFormat)
	}
	switch {
	case s.Format != SegmentFormat:
		return nil, fmt.Errorf("%w: segment format %q, want %q", ErrFormat, s.Format, SegmentFormat)
	case len(s.Entries) == 0:
		return nil, fmt.Errorf("%w: segment has no entries", ErrFormat)
	}
	for i := range s.Checkpoints {
		if err := s.Checkpoints[i].validate(); err != nil {
			return nil, fmt.Errorf("%w: segment checkpoint %d: %w", ErrFormat, i+1, err)
		}
	}
	return &s, nil
}

// Verify checks the segment against its checkpoints with a.Key (and the
// external copy a.External when given): the chain from Prev through
// Entries and After, every head that falls in it, and that the covering
// checkpoints are genuine. a.Stored is ignored: the segment's own
// checkpoints take its place.
func (s *Segment) Verify(a Anchors) *Report {
	a.Stored, a.Segment = s.Checkpoints, true
	v, probs := a.Verifier()
	if s.Prev != nil {
		_ = v.Start(s.Prev) // recorded in the report
	}
	for _, list := range [][]Entry{s.Entries, s.After} {
		for i := range list {
			_ = v.Check(&list[i])
		}
	}
	r := v.Report()
	r.Problems = append(probs, r.Problems...)
	a.describe(r)
	return r
}
