package ledger

import (
	"fmt"
	"strconv"
	"time"
)

// clauseBreak is the clause the break rules serve.
const clauseBreak = "GB/T 42570-2023 (data integrity)"

// Break rules: the places where a ledger could not be read as one
// continuous, linked chain. Readers (the Fabric file readers), offline
// imports and the ingester report them as a [*Break], which becomes a
// finding on the chain; the blocks before a break stay usable.
var (
	RuleBreakGap = &RuleInfo{
		ID: "BRK-GAP", Title: "Ledger has a gap: blocks are missing",
		Doc: "The next block read has a higher number than the one expected: blocks were removed from the ledger files " +
			"or never delivered. Blocks before the gap are kept; nothing after it can be linked to them.",
		Severity: Critical, Category: CatIntegrity, Clauses: []string{clauseBreak},
	}
	RuleBreakUnlinked = &RuleInfo{
		ID: "BRK-UNLINKED", Title: "Block header does not link to the block before it",
		Doc: "The block's previous-hash is not the hash of the block stored before it: a header was altered, " +
			"or blocks of another chain were spliced in. Blocks before it are kept.",
		Severity: Critical, Category: CatIntegrity, Clauses: []string{clauseBreak},
	}
	RuleBreakUndecodable = &RuleInfo{
		ID: "BRK-UNDECODABLE", Title: "Block or envelope does not decode",
		Doc: "A block, or one of its transaction envelopes, is not well-formed: its bytes were truncated or altered. " +
			"The block is kept in its channel (named by its file and neighbours) and reported; " +
			"an import stops before it.",
		Severity: Critical, Category: CatIntegrity, Clauses: []string{clauseBreak},
	}
	RuleBreakNumber = &RuleInfo{
		ID: "BRK-NUMBER", Title: "Block number disagrees with its file or with another block",
		Doc: "The file (CHANNEL_N.block) or blockfile record says block N but the block's header says M, " +
			"or two different blocks carry the same number: the file was renamed, copied over or its header altered.",
		Severity: Critical, Category: CatIntegrity, Clauses: []string{clauseBreak},
	}
)

func init() {
	Register(RuleBreakGap, RuleBreakUnlinked, RuleBreakUndecodable, RuleBreakNumber)
}

// NoTx marks a Break about a whole block rather than one transaction.
const NoTx = -1

// Break is a place where a ledger stops being one continuous, linked
// chain: a gap, an unlinked header, an undecodable block or envelope, or
// a block whose file says another number. It is an error for whoever
// must stop there, and a finding (Finding) for the supervisor.
type Break struct {
	Rule   *RuleInfo
	Height uint64 // the block at which the break is seen
	File   string // file holding the block, when read from disk
	Offset int64  // offset of the block's record in File
	Tx     int    // index of the envelope concerned, or NoTx
	Err    error  // what was wrong, for people and errors.Is
}

// Error names the rule, the block, the file and the cause.
func (b *Break) Error() string {
	s := fmt.Sprintf("%s at block %d", b.Rule.ID, b.Height)
	if b.Tx != NoTx {
		s += fmt.Sprintf(" tx %d", b.Tx)
	}
	if b.File != "" {
		s += fmt.Sprintf(" (%s at offset %d)", b.File, b.Offset)
	}
	if b.Err != nil {
		s += ": " + b.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (b *Break) Unwrap() error { return b.Err }

// Finding is the break as a finding on chain, seen at at. Its id depends
// on the rule, the block and the envelope, so seeing the same break again
// updates one finding.
func (b *Break) Finding(chain string, at time.Time) Finding {
	subj := Subject{Kind: "block", Ref: strconv.FormatUint(b.Height, 10), Height: b.Height}
	ev := map[string]string{"height": strconv.FormatUint(b.Height, 10)}
	if b.Tx != NoTx {
		subj = Subject{Kind: "tx", Ref: fmt.Sprintf("%d:%d", b.Height, b.Tx), Height: b.Height}
		ev["tx"] = strconv.Itoa(b.Tx)
	}
	if b.File != "" {
		ev["file"] = b.File
		ev["offset"] = strconv.FormatInt(b.Offset, 10)
	}
	msg := fmt.Sprintf("block %d", b.Height)
	if b.Tx != NoTx {
		msg += fmt.Sprintf(" tx %d", b.Tx)
	}
	if b.File != "" {
		msg += " (" + b.File + ")"
	}
	if b.Err != nil {
		msg += ": " + b.Err.Error()
		ev["error"] = b.Err.Error()
	}
	return NewFinding(b.Rule, chain, subj, at, msg, ev)
}
