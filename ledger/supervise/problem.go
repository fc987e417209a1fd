package supervise

import (
	"fmt"
)

// ProblemKind names what is wrong with an audit log or its checkpoints.
type ProblemKind string

// Problem kinds. Each wraps one sentinel error (see Problem.Unwrap).
const (
	// ProblemBrokenChain: Entry does not follow the entry before it
	// (Reason says how). ErrBrokenChain.
	ProblemBrokenChain ProblemKind = "broken-chain"
	// ProblemTruncated: the log ends at entry Count, before checkpoint
	// Checkpoint's Size. ErrTruncated.
	ProblemTruncated ProblemKind = "truncated"
	// ProblemRewritten: entry Entry (= Size of checkpoint Checkpoint) has
	// hash Have, not the checkpoint's head Want; the changed entry lies in
	// From..Entry. ErrRewritten.
	ProblemRewritten ProblemKind = "rewritten"
	// ProblemBadSignature: checkpoint Checkpoint's signature does not
	// verify. ErrForgedCheckpoint.
	ProblemBadSignature ProblemKind = "bad-signature"
	// ProblemWrongKey: checkpoint Checkpoint was signed by key Have, not
	// Want. ErrForgedCheckpoint.
	ProblemWrongKey ProblemKind = "wrong-key"
	// ProblemShrunk: checkpoint Checkpoint covers Size entries, fewer
	// than the Count of the earlier checkpoint Other. ErrInconsistent.
	ProblemShrunk ProblemKind = "shrunk"
	// ProblemForked: checkpoint Checkpoint (Size entries) does not extend
	// checkpoint Other (Count entries): both cannot be heads of one log.
	// ErrInconsistent.
	ProblemForked ProblemKind = "forked"
	// ProblemOutOfOrder: checkpoint Checkpoint comes after checkpoint
	// Other in a series. ErrInconsistent.
	ProblemOutOfOrder ProblemKind = "out-of-order"
	// ProblemMissingCheckpoint: checkpoint Checkpoint is in one copy but
	// not the other, or differs (Reason). ErrMissingCheckpoint.
	ProblemMissingCheckpoint ProblemKind = "missing-checkpoint"
	// ProblemNoCheckpoint: anchoring is configured but the log's Count
	// entries have no checkpoint at all. ErrMissingCheckpoint.
	ProblemNoCheckpoint ProblemKind = "no-checkpoint"
)

// Reasons of a ProblemBrokenChain.
const (
	ReasonSeq     = "seq"     // sequence number Have, want Want
	ReasonPrev    = "prev"    // prev hash Have, want Want
	ReasonHash    = "hash"    // stored hash Have, recomputed Want
	ReasonCorrupt = "corrupt" // the stored entry does not decode (Err)
)

// Reasons of a ProblemMissingCheckpoint.
const (
	ReasonIndexMissing    = "index-missing"    // in the external copy, not in the index
	ReasonDiffers         = "differs"          // Copy's checkpoint differs from the external one
	ReasonExternalMissing = "external-missing" // in Copy, not in the external copy
)

// Problem is one thing wrong with an audit log, a segment of it or its
// checkpoints, with the fields a caller needs to report it in its own
// words (see ProblemKind for which fields each kind sets). Error gives
// the English text.
type Problem struct {
	Kind       ProblemKind
	Entry      uint64 // the entry at fault
	From       uint64 // first entry that may have been rewritten
	Checkpoint uint64 // seq of the checkpoint at fault
	Other      uint64 // seq of the other checkpoint of an inconsistent pair
	Size       uint64 // entries the checkpoint covers
	Count      uint64 // entries the log has, or the other checkpoint covers
	Reason     string
	Copy       string // the copy of the series the checkpoint is in (CopyExternal, …)
	Have, Want string // hex hashes, sequence numbers or key ids
	Err        error  // the underlying error, for ReasonCorrupt
}

// Missing is the number of entries a truncated log lacks.
func (p *Problem) Missing() uint64 { return p.Size - p.Count }

func (p *Problem) Error() string {
	switch p.Kind {
	case ProblemBrokenChain:
		switch p.Reason {
		case ReasonSeq:
			return fmt.Sprintf("%v at entry %d: sequence number %s, want %s", ErrBrokenChain, p.Entry, p.Have, p.Want)
		case ReasonPrev:
			return fmt.Sprintf("%v at entry %d: prev %s, want %s", ErrBrokenChain, p.Entry, p.Have, p.Want)
		case ReasonHash:
			return fmt.Sprintf("%v at entry %d: hash %s, recomputed %s", ErrBrokenChain, p.Entry, p.Have, p.Want)
		}
		return fmt.Sprintf("%v at entry %d: %v", ErrBrokenChain, p.Entry, p.Err)
	case ProblemTruncated:
		return fmt.Sprintf("%v: %d entries missing after checkpoint %d: it covers %d entries, the log ends at entry %d",
			ErrTruncated, p.Missing(), p.Checkpoint, p.Size, p.Count)
	case ProblemRewritten:
		if p.Have == "" {
			return fmt.Sprintf("%v: entry %d is missing or unreadable, so the head %s of checkpoint %d is gone; an entry in %d-%d was changed",
				ErrRewritten, p.Entry, p.Want, p.Checkpoint, p.From, p.Entry)
		}
		return fmt.Sprintf("%v: entry %d has hash %s, not the head %s of checkpoint %d; an entry in %d-%d was changed",
			ErrRewritten, p.Entry, p.Have, p.Want, p.Checkpoint, p.From, p.Entry)
	case ProblemBadSignature:
		return fmt.Sprintf("%v %d%s: SM2 signature does not verify", ErrForgedCheckpoint, p.Checkpoint, p.in())
	case ProblemWrongKey:
		return fmt.Sprintf("%v %d%s: signed by key %s, want %s", ErrForgedCheckpoint, p.Checkpoint, p.in(), p.Have, p.Want)
	case ProblemShrunk:
		return fmt.Sprintf("%v%s: checkpoint %d covers %d entries, fewer than the %d of checkpoint %d",
			ErrInconsistent, p.in(), p.Checkpoint, p.Size, p.Count, p.Other)
	case ProblemForked:
		return fmt.Sprintf("%v%s: checkpoint %d (%d entries) does not extend checkpoint %d (%d entries)",
			ErrInconsistent, p.in(), p.Checkpoint, p.Size, p.Other, p.Count)
	case ProblemOutOfOrder:
		return fmt.Sprintf("%v%s: checkpoint %d comes after checkpoint %d", ErrInconsistent, p.in(), p.Checkpoint, p.Other)
	case ProblemMissingCheckpoint:
		switch p.Reason {
		case ReasonIndexMissing:
			return fmt.Sprintf("%v: checkpoint %d of the external copy is not in the index", ErrMissingCheckpoint, p.Checkpoint)
		case ReasonDiffers:
			return fmt.Sprintf("%v: checkpoint %d%s differs from the external copy", ErrMissingCheckpoint, p.Checkpoint, p.in())
		}
		return fmt.Sprintf("%v: checkpoint %d%s is not in the external copy", ErrMissingCheckpoint, p.Checkpoint, p.in())
	case ProblemNoCheckpoint:
		return fmt.Sprintf("%v: the log has %d entries and no checkpoint", ErrMissingCheckpoint, p.Count)
	}
	return fmt.Sprintf("audit log problem %q", p.Kind)
}

// in names p's copy for a message: " (index copy)".
func (p *Problem) in() string {
	if p.Copy == "" {
		return ""
	}
	return " (" + p.Copy + " copy)"
}

// Unwrap returns the sentinel error of p's kind, and Err when set.
func (p *Problem) Unwrap() []error {
	var s error
	switch p.Kind {
	case ProblemBrokenChain:
		s = ErrBrokenChain
	case ProblemTruncated:
		s = ErrTruncated
	case ProblemRewritten:
		s = ErrRewritten
	case ProblemBadSignature, ProblemWrongKey:
		s = ErrForgedCheckpoint
	case ProblemShrunk, ProblemForked, ProblemOutOfOrder:
		s = ErrInconsistent
	case ProblemMissingCheckpoint, ProblemNoCheckpoint:
		s = ErrMissingCheckpoint
	}
	var errs []error
	for _, err := range []error{s, p.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
