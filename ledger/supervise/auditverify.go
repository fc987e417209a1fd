package supervise

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/emmansun/gmsm/sm3"
)

// maxProblems bounds the problems one walk records; a log damaged
// everywhere is reported by its first breaks.
const maxProblems = 100

// Verifier checks audit log entries one at a time, in order: each must
// follow the one before it and, where a genuine checkpoint was signed, the
// log must still hold the checkpoint's head. Feed it with Check (Corrupt
// for a stored entry that no longer decodes), then read Report.
//
// After a break the Verifier carries on from the entry as stored, so one
// edit is reported once and the rest of the log is still compared with
// the checkpoints. The zero Verifier checks a whole log without anchors;
// Anchors.Verifier makes an anchored one and Start one for a segment.
type Verifier struct {
	prev     *Entry
	ok       uint64 // entries that followed, before the first break
	seen     uint64 // entries fed
	first    uint64 // seq of the first entry fed
	last     uint64 // seq of the last entry fed (or of Start's entry)
	base     uint64 // seq of Start's entry; 0 for a whole log
	started  bool
	segment  bool // a segment: no checkpoint is not a problem
	resync   bool // the entry before the next one did not decode
	broken   bool
	anchored bool
	more     int // problems not recorded beyond maxProblems

	anchors []Checkpoint     // genuine checkpoints
	reach   []bool           // per anchor: the log must reach its size
	heads   map[uint64][]int // size -> indices into anchors
	state   []int8           // per anchor: 1 the log has its head, -1 it has another, 0 not reached
	have    [][]byte         // per anchor: the hash the log has where it has another
	probs   []*Problem
}

// Start makes v check a segment of a log: the entries that follow prev.
// prev's own link to the entry before it cannot be checked; its hash can.
func (v *Verifier) Start(prev *Entry) error {
	v.started, v.base, v.last = true, prev.Seq, prev.Seq
	var err error
	if sum := prev.Sum(); !bytes.Equal(prev.Hash, sum) {
		p := &Problem{Kind: ProblemBrokenChain, Reason: ReasonHash, Entry: prev.Seq, Have: hex.EncodeToString(prev.Hash), Want: hex.EncodeToString(sum)}
		v.add(p)
		v.broken, err = true, p
	}
	c := *prev
	v.prev = &c
	v.observe(prev.Seq, prev.Hash)
	return err
}

// anchor sets the genuine checkpoints the log is compared with; reach
// says which ones the log must reach (the rest are only compared where
// the log has their head).
func (v *Verifier) anchor(cps []Checkpoint, reach []bool) {
	v.anchored = true
	v.anchors, v.reach = cps, reach
	v.heads = make(map[uint64][]int, len(cps))
	v.state = make([]int8, len(cps))
	v.have = make([][]byte, len(cps))
	for i := range cps {
		v.heads[cps[i].Size] = append(v.heads[cps[i].Size], i)
	}
	if !v.started {
		v.observe(0, make([]byte, sm3.Size))
	}
}

// Check verifies that e follows the entries checked before it. The error,
// a *Problem wrapping ErrBrokenChain, names e's sequence number.
func (v *Verifier) Check(e *Entry) error {
	p := v.link(e)
	v.observe(e.Seq, e.Hash)
	c := *e
	v.prev, v.resync = &c, false
	v.note(e.Seq)
	if p != nil {
		v.broken = true
		v.add(p)
		return p
	}
	if !v.broken {
		v.ok++
	}
	return nil
}

// Corrupt records that the stored entry seq does not decode. The next
// entry is checked for its sequence number and hash only.
func (v *Verifier) Corrupt(seq uint64, err error) error {
	p := &Problem{Kind: ProblemBrokenChain, Reason: ReasonCorrupt, Entry: seq, Err: err}
	v.prev, v.resync, v.broken = nil, true, true
	v.note(seq)
	v.add(p)
	return p
}

func (v *Verifier) link(e *Entry) *Problem {
	want, prevHash := uint64(1), make([]byte, sm3.Size)
	switch {
	case v.resync:
		want, prevHash = v.last+1, nil
	case v.prev != nil:
		want, prevHash = v.prev.Seq+1, v.prev.Hash
	}
	if e.Seq != want {
		return &Problem{Kind: ProblemBrokenChain, Reason: ReasonSeq, Entry: want, Have: fmt.Sprint(e.Seq), Want: fmt.Sprint(want)}
	}
	if prevHash != nil && !bytes.Equal(e.Prev, prevHash) {
		return &Problem{Kind: ProblemBrokenChain, Reason: ReasonPrev, Entry: e.Seq, Have: hex.EncodeToString(e.Prev), Want: hex.EncodeToString(prevHash)}
	}
	if sum := e.Sum(); !bytes.Equal(e.Hash, sum) {
		return &Problem{Kind: ProblemBrokenChain, Reason: ReasonHash, Entry: e.Seq, Have: hex.EncodeToString(e.Hash), Want: hex.EncodeToString(sum)}
	}
	return nil
}

func (v *Verifier) note(seq uint64) {
	if v.seen == 0 {
		v.first = seq
	}
	v.seen++
	v.last = seq
}

func (v *Verifier) observe(seq uint64, hash []byte) {
	for _, i := range v.heads[seq] {
		v.state[i], v.have[i] = 1, nil
		if !bytes.Equal(hash, v.anchors[i].Head) {
			v.state[i], v.have[i] = -1, bytes.Clone(hash)
		}
	}
}

func (v *Verifier) add(p *Problem) {
	if len(v.probs) < maxProblems {
		v.probs = append(v.probs, p)
	} else {
		v.more++
	}
}

// Count is the number of entries that followed, from the first one
// checked up to the first break.
func (v *Verifier) Count() uint64 { return v.ok }

// Report is the outcome of checking an audit log, or a segment of it,
// against its checkpoints.
type Report struct {
	First, Last uint64      // seq of the first and the last entry checked
	Entries     uint64      // entries checked
	Anchored    bool        // checked against checkpoints signed by a known key
	Checkpoints int         // genuine checkpoints compared with the entries
	Latest      *Checkpoint // the genuine checkpoint covering the most entries the log still has
	Unanchored  uint64      // entries after Latest (all of them when there is none)
	Problems    []*Problem
	More        int // problems found beyond those listed

	// What the entries were checked against; set by VerifyLog and
	// Segment.Verify, not by Verifier.Report.
	KeyID       string // id of the key that verified the checkpoints; "" when not anchored
	External    bool   // compared with the external copy of the checkpoints, the authority
	Stored      int    // checkpoints in the copy beside the entries (the index's or the segment's), genuine or not
	Unpublished int    // checkpoints in the index newer than the external copy's newest: not yet published
}

// Err joins r's problems; nil when there are none.
func (r *Report) Err() error {
	errs := make([]error, len(r.Problems))
	for i, p := range r.Problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// Report ends the walk: it compares the checkpoints with the entries seen
// and returns every problem found, chain breaks first.
func (v *Verifier) Report() *Report {
	r := &Report{First: v.first, Last: v.last, Entries: v.seen, Anchored: v.anchored, More: v.more}
	r.Problems = append(r.Problems, v.probs...)
	order := make([]int, len(v.anchors))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(v.anchors[a].Size, v.anchors[b].Size); c != 0 {
			return c
		}
		return cmp.Compare(v.anchors[a].Seq, v.anchors[b].Seq)
	})
	good, bad, from := v.base, -1, uint64(0)
	var beyond *Checkpoint
	for _, i := range order {
		c := &v.anchors[i]
		switch {
		case c.Size < v.base:
			continue // before a segment: not checkable here
		case c.Size > v.last:
			if v.reach[i] {
				beyond = c // sorted: the last one covers the most
			}
			continue
		}
		r.Checkpoints++
		switch {
		case v.state[i] > 0:
			// An intact chain that reaches this head from a head it
			// lacks means the two checkpoints are not of one log.
			if bad >= 0 && !v.broken {
				b := &v.anchors[bad]
				r.Problems = append(r.Problems, &Problem{Kind: ProblemForked, Checkpoint: c.Seq, Size: c.Size, Other: b.Seq, Count: b.Size})
				bad = -2
			}
			good, r.Latest = c.Size, c
		case bad == -1:
			bad, from = i, good+1
		}
	}
	if bad >= 0 {
		b := &v.anchors[bad]
		p := &Problem{Kind: ProblemRewritten, Checkpoint: b.Seq, Entry: b.Size, From: from, Want: hex.EncodeToString(b.Head)}
		if h := v.have[bad]; h != nil {
			p.Have = hex.EncodeToString(h)
		}
		r.Problems = append(r.Problems, p)
	}
	if beyond != nil {
		r.Problems = append(r.Problems, &Problem{Kind: ProblemTruncated, Checkpoint: beyond.Seq, Size: beyond.Size, Count: v.last})
	}
	switch {
	case r.Latest != nil:
		r.Unanchored = v.last - r.Latest.Size
	default:
		r.Unanchored = v.last - min(v.base, v.last)
		if v.anchored && !v.segment && len(v.anchors) == 0 && v.seen > 0 {
			r.Problems = append(r.Problems, &Problem{Kind: ProblemNoCheckpoint, Count: v.seen})
		}
	}
	return r
}
