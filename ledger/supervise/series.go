package supervise

import (
	"bytes"
	"slices"
)

// Copies of a checkpoint series, as Problem.Copy names them.
const (
	CopyExternal = "external" // the append-only file or the webhook receiver's copy: the authority
	CopyIndex    = "index"    // the copy kept in the index beside the log
	CopySegment  = "segment"  // the checkpoints carried by an exported segment
)

// Anchors are the checkpoints an audit log, or a segment of it, is checked
// against.
type Anchors struct {
	// Key verifies the checkpoints. Without it the log is not anchored:
	// only its hash chain is checked.
	Key PublicKey
	// External is the authority: the checkpoints written outside the
	// data directory. HaveExternal says it was given, even if empty.
	External     []Checkpoint
	HaveExternal bool
	// Stored is the copy beside the entries: the index's checkpoints, or
	// a segment's (then Segment is set, and Stored need only be a subset
	// of External).
	Stored  []Checkpoint
	Segment bool
}

// Verifier authenticates the checkpoints and returns a Verifier that
// compares the log with the genuine ones, and the problems of the
// checkpoints themselves: forged ones, inconsistent ones, and differences
// between the copies. Call Start on it first for a segment.
func (a Anchors) Verifier() (*Verifier, []*Problem) {
	v := &Verifier{segment: a.Segment}
	if a.Key.IsZero() {
		return v, nil
	}
	stored := CopyIndex
	if a.Segment {
		stored = CopySegment
	}
	ext, probs := Authenticate(a.Key, a.External, CopyExternal)
	st, ps := Authenticate(a.Key, a.Stored, stored)
	probs = append(probs, ps...)
	if a.HaveExternal {
		probs = append(probs, reconcile(a.External, a.Stored, !a.Segment)...)
	}
	// The external copy wins where both have a checkpoint; the stored copy
	// adds genuine ones the external copy has not received yet.
	seen := make(map[uint64]bool, len(ext))
	merged := slices.Clone(ext)
	for _, c := range ext {
		seen[c.Seq] = true
	}
	own := make(map[uint64]bool, len(st))
	for _, c := range st {
		own[c.Seq] = true
		if !seen[c.Seq] {
			merged = append(merged, c)
		}
	}
	// A checkpoint beyond the end of a segment means the segment lost its
	// tail only if the segment carries it; the external copy covers the
	// whole log.
	reach := make([]bool, len(merged))
	for i, c := range merged {
		reach[i] = !a.Segment || own[c.Seq]
	}
	v.anchor(merged, reach)
	return v, probs
}

// Authenticate checks a series of checkpoints in the order given (the
// order of a file, or of their seq in the index): each must be signed by
// key, and together they must be heads of one append-only log, in order,
// never smaller than before, and never two heads for one size. It returns
// the genuine checkpoints and the problems, each naming the copy src.
func Authenticate(key PublicKey, cps []Checkpoint, src string) ([]Checkpoint, []*Problem) {
	var genuine []Checkpoint
	var probs []*Problem
	var top *Checkpoint // the genuine checkpoint covering the most entries so far
	var last *Checkpoint
	bySize := map[uint64]*Checkpoint{}
	for i := range cps {
		c := &cps[i]
		if p := key.verify(c); p != nil {
			p.Copy = src
			probs = append(probs, p)
			continue
		}
		genuine = append(genuine, *c)
		switch {
		case last != nil && c.Seq <= last.Seq:
			probs = append(probs, &Problem{Kind: ProblemOutOfOrder, Checkpoint: c.Seq, Other: last.Seq, Copy: src})
		case top != nil && c.Size < top.Size:
			probs = append(probs, &Problem{Kind: ProblemShrunk, Checkpoint: c.Seq, Size: c.Size, Other: top.Seq, Count: top.Size, Copy: src})
		case bySize[c.Size] != nil && !bytes.Equal(bySize[c.Size].Head, c.Head):
			o := bySize[c.Size]
			probs = append(probs, &Problem{Kind: ProblemForked, Checkpoint: c.Seq, Size: c.Size, Other: o.Seq, Count: o.Size, Copy: src})
		}
		if bySize[c.Size] == nil {
			bySize[c.Size] = c
		}
		if top == nil || c.Size > top.Size {
			top = c
		}
		last = c
	}
	return genuine, probs
}

// reconcile compares the stored copy of a series with the external one:
// every stored checkpoint must be in the external copy as it is, and, for
// a whole series, every external one in the stored copy. Stored
// checkpoints newer than the newest external one are not yet published
// and are not problems.
func reconcile(external, stored []Checkpoint, whole bool) []*Problem {
	ext := make(map[uint64]*Checkpoint, len(external))
	var newest uint64
	for i := range external {
		c := &external[i]
		if ext[c.Seq] == nil {
			ext[c.Seq] = c
		}
		newest = max(newest, c.Seq)
	}
	src := CopyIndex
	if !whole {
		src = CopySegment
	}
	st := make(map[uint64]*Checkpoint, len(stored))
	var probs []*Problem
	for i := range stored {
		c := &stored[i]
		st[c.Seq] = c
		e := ext[c.Seq]
		switch {
		case e == nil && (c.Seq <= newest || !whole):
			probs = append(probs, &Problem{Kind: ProblemMissingCheckpoint, Reason: ReasonExternalMissing, Checkpoint: c.Seq, Copy: src})
		case e != nil && !e.Equal(c):
			probs = append(probs, &Problem{Kind: ProblemMissingCheckpoint, Reason: ReasonDiffers, Checkpoint: c.Seq, Copy: src})
		}
	}
	if whole {
		for i := range external {
			if c := &external[i]; st[c.Seq] == nil {
				probs = append(probs, &Problem{Kind: ProblemMissingCheckpoint, Reason: ReasonIndexMissing, Checkpoint: c.Seq, Copy: CopyIndex})
			}
		}
	}
	return probs
}
