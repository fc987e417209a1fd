package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger"
)

// RuleCommitHash is the peer's commit-hash chain (block metadata
// COMMIT_HASH) recomputed from the ledger.
var RuleCommitHash = &ledger.RuleInfo{
	ID: "FAB-COMMIT-HASH", Title: "Peer commit hash does not match the block's validation codes and writes",
	Doc: "From Fabric v1.4.2 on, a peer stores in each block it commits (from block 1) the metadata COMMIT_HASH: SHA-256 over " +
		"the varint length and bytes of the block's TRANSACTIONS_FILTER, the deterministic bytes of the public and hashed private " +
		"writes its VALID transactions commit (with their versions), and the previous block's commit hash. No signature covers " +
		"validation codes; this chain is what binds them. The block's commit hash differs from the value recomputed from the " +
		"ledger, is malformed, or is missing although the chain had started (or although the channel's Application capability " +
		"requires peers that write it): a validation code, a write set or the commit hash was changed after the peer committed " +
		"the block, or the metadata was stripped. The first diverging block is named; the chain then continues from both the " +
		"stored and the recomputed value, so one altered block raises one finding. A peer that recomputed the whole chain after " +
		"altering it is not caught by this rule. Blocks whose inputs the audit cannot know (blocks missing before them, or a " +
		"metadata-only update of a key whose value was written before the audit started) are marked not verifiable in the block " +
		"verdict, not reported.",
	Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
	Sources: []string{
		"https://github.com/hyperledger/fabric/blob/v2.5.9/core/ledger/kvledger/kv_ledger.go",
		"https://github.com/hyperledger/fabric/blob/v2.5.9/core/ledger/kvledger/txmgmt/txmgr/update_batch_bytes.go",
	},
}

func init() { ledger.Register(RuleCommitHash) }

// commitCheck is the name of the commit-hash check in block verdicts.
const commitCheck = "commit-hash"

// maxCommitCandidates bounds the commit hashes a block may chain to after
// altered blocks.
const maxCommitCandidates = 4

// commitChain follows a peer's commit-hash chain block by block.
type commitChain struct {
	seen   bool
	height uint64 // last block followed
	// started is set once a block of the ledger carried a commit hash:
	// the peer then writes one on every later block.
	started bool
	// prevs are the commit hashes the next block may chain to: the last
	// block's stored hash and, after a mismatch, the value recomputed
	// along the chain. When empty, why says why they are not known.
	prevs [][]byte
	why   string
	// stripped is set while blocks lack the commit hash Fabric must have
	// written; the first of them was reported.
	stripped bool
	state    commitState
}

// Why the commit hash of the block before the next one is not known.
const (
	whyStart   = "the audit starts at this block"
	whyGap     = "blocks before it are missing, repeated or unreadable"
	whyOrderer = "the previous block is an orderer's copy"
	whyNone    = "the chain starts at this block: the previous block has no commit hash (a peer joined from a snapshot starts so)"
	whyInputs  = "the previous block's commit hash could not be recomputed"
)

// forget makes the next block's predecessor and the state unknown.
func (c *commitChain) forget(why string) {
	c.prevs, c.why = nil, why
	c.state.reset()
}

// prime continues the chain after block last, which an earlier audit
// checked; the state before it is not known.
func (c *commitChain) prime(last *ledger.Block) {
	c.forget(whyStart)
	c.seen, c.height = true, last.Height
	switch {
	case last.Fabric == nil || len(last.Fabric.TxFilter) == 0:
		c.why = whyOrderer
	case len(last.Fabric.CommitHash) > 0:
		c.started, c.prevs = true, [][]byte{last.Fabric.CommitHash}
	case last.Height == 0:
		c.prevs = [][]byte{nil}
	default:
		c.why = whyNone
	}
}

// checkBlock runs the ordered checks of a prepared block, then follows
// the commit-hash chain through it.
func (a *fabricChecks) checkBlock(p *prepared) *BlockResult {
	res := a.check(p)
	a.checkCommitHash(res, p)
	return res
}

// checkCommitHash recomputes the commit hash of a peer's block and
// compares it with the stored one.
func (a *fabricChecks) checkCommitHash(res *BlockResult, p *prepared) {
	c := &a.commit
	if p.err != nil {
		c.forget(whyGap)
		return
	}
	b := p.block
	fb := b.Fabric
	switch {
	case c.seen && b.Height <= c.height:
		if len(fb.TxFilter) > 0 {
			res.Verdict.Add(commitCheck, true, fmt.Sprintf("not verifiable: block %d follows block %d", b.Height, c.height))
		}
		return
	case !c.seen && b.Height == 0:
		c.prevs = [][]byte{nil}
		c.state.start()
	case !c.seen:
		c.forget(whyStart)
	case b.Height != c.height+1:
		c.forget(whyGap)
	}
	c.seen, c.height = true, b.Height
	if len(fb.TxFilter) == 0 {
		// An orderer's copy: no validation codes, no commit hash, and
		// the writes it commits are not known.
		c.forget(whyOrderer)
		return
	}
	stored := fb.CommitHash
	if b.Height == 0 {
		// Fabric never writes one at block 0; a peer that restarted before
		// block 1 chains block 1 to whatever block 0 holds.
		if len(stored) > 0 {
			c.prevs = append(c.prevs, stored)
		}
		c.state.apply(buildBatch(b, c.lookup(b.Height), a.revalidator(res, b)))
		return
	}
	var u *updateBatch
	if len(c.prevs) > 0 || c.started {
		u = buildBatch(b, c.lookup(b.Height), a.revalidator(res, b))
		if u.lost {
			c.state.reset()
		} else {
			c.state.apply(u)
		}
	} else {
		c.state.reset() // no chain to follow: keep no state
	}
	subj := blockSubject(b.Height)
	ev := map[string]string{"block": strconv.FormatUint(b.Height, 10)}
	// next sets what the next block may chain to: the values recomputed
	// from each candidate, and the stored one. After a run of altered
	// blocks the first (recomputed from the last match on) and the
	// latest candidates are kept.
	next := func(recomputed ...[]byte) {
		c.prevs, c.why = nil, whyInputs
		for _, h := range append(recomputed, stored) {
			if len(h) > 0 && !slices.ContainsFunc(c.prevs, func(p []byte) bool { return bytes.Equal(p, h) }) {
				c.prevs = append(c.prevs, h)
			}
		}
		if n := len(c.prevs); n > maxCommitCandidates {
			c.prevs = append(c.prevs[:1], c.prevs[n-maxCommitCandidates+1:]...)
		}
	}
	// missing records a commit hash that is absent or unreadable where
	// Fabric writes one; only the first of a run is reported.
	missing := func(detail, msg string) {
		res.Verdict.Add(commitCheck, false, detail)
		if !c.stripped {
			a.report(res, RuleCommitHash, subj, msg, ev)
		}
		c.started, c.stripped, stored = true, true, nil
		if len(c.prevs) > 0 && u != nil && u.unknown == "" {
			next(commitHashes(c.prevs, fb.TxFilter, u)...)
		} else {
			next()
		}
	}
	switch {
	case fb.CommitHashError != "":
		ev["error"], ev["problem"] = fb.CommitHashError, "malformed commit hash"
		missing(fb.CommitHashError, fmt.Sprintf("block %d: metadata COMMIT_HASH is malformed: %s", b.Height, fb.CommitHashError))
		return
	case len(stored) == 0 && c.started:
		ev["problem"] = "no commit hash, though earlier blocks carry one"
		missing("no commit hash, though earlier blocks carry one: a Fabric peer writes it on every block once it started",
			fmt.Sprintf("block %d has no commit hash, though earlier blocks of the peer's ledger carry one: the metadata was stripped", b.Height))
		return
	case len(stored) == 0 && b.Height == 1 && len(c.prevs) > 0 && a.requiresCommitHash():
		caps := a.trust.cfg.Capabilities["Application"]
		ev["problem"], ev["capabilities"] = "no commit hash, though the Application capabilities require one", strings.Join(caps, ",")
		missing(fmt.Sprintf("no commit hash, though the channel's Application capabilities %v require peers of v1.4.2 or later, which write it from block 1 on", caps),
			fmt.Sprintf("block 1 has no commit hash, though the channel's Application capabilities %v require peers that write one: the metadata was stripped", caps))
		return
	case len(stored) == 0:
		res.Verdict.Add(commitCheck, true, "not verifiable: the peer wrote no commit hash (Fabric peers write it from v1.4.2 on, from block 1)")
		c.forget(whyNone)
		return
	}
	c.started, c.stripped = true, false
	switch {
	case len(c.prevs) == 0:
		res.Verdict.Add(commitCheck, true, "not verifiable: the previous commit hash is not known: "+c.why)
		next(nil)
		return
	case u.unknown != "":
		res.Verdict.Add(commitCheck, true, "not verifiable: "+u.unknown)
		next(nil)
		return
	}
	sums := commitHashes(c.prevs, fb.TxFilter, u)
	for i, s := range sums {
		if bytes.Equal(s, stored) {
			detail := ""
			if i > 0 {
				detail = "chained to the stored commit hash of the previous block, not to the recomputed one"
			}
			res.Verdict.Add(commitCheck, true, detail)
			next(s)
			return
		}
	}
	ev["have"], ev["want"], ev["previous"] = hex.EncodeToString(stored), hex.EncodeToString(sums[0]), hex.EncodeToString(c.prevs[0])
	valid := 0
	for _, code := range fb.TxFilter {
		if code == codeValid {
			valid++
		}
	}
	ev["validationCodes"], ev["validCodes"], ev["writes"] = strconv.Itoa(len(fb.TxFilter)), strconv.Itoa(valid), strconv.Itoa(u.count())
	res.Verdict.Add(commitCheck, false, fmt.Sprintf("stored %x, recomputed %x", stored, sums[0]))
	a.report(res, RuleCommitHash, subj, fmt.Sprintf("block %d: commit hash %x is not %x, the SHA-256 over its %d validation codes (%d VALID), "+
		"the %d writes they commit and the previous commit hash %x: a validation code, a write set or the commit hash was altered after commit",
		b.Height, stored, sums[0], len(fb.TxFilter), valid, u.count(), c.prevs[0]), ev)
	next(sums...)
}

// revalidator returns the MVCC re-validation of b's transactions
// (mvcc.go) for buildBatch.
func (a *fabricChecks) revalidator(res *BlockResult, b *ledger.Block) func(int, *ledger.Tx, *updateBatch) {
	return func(i int, tx *ledger.Tx, u *updateBatch) { a.revalidate(res, b, i, tx, u) }
}

// lookup reads the replayed state as of the start of block height.
func (c *commitChain) lookup(height uint64) commitLookup {
	return func(k stateKey) ([]byte, bool, bool) { return c.state.get(k, height) }
}

// commitHashes returns the commit hash of a block chained to each of prevs:
// SHA-256(varint(len(filter)) ‖ filter ‖ update bytes ‖ previous), as
// Fabric's addBlockCommitHash (always SHA-256, whatever the channel's
// hashing algorithm).
func commitHashes(prevs [][]byte, filter []byte, u *updateBatch) [][]byte {
	// More than one candidate only follows an altered block: the block's
	// bytes are then hashed once per candidate.
	out := make([][]byte, len(prevs))
	for i, prev := range prevs {
		h := sha256.New()
		h.Write(protowire.AppendVarint(nil, uint64(len(filter))))
		h.Write(filter)
		u.writeUpdates(h)
		h.Write(prev)
		out[i] = h.Sum(nil)
	}
	return out
}

// requiresCommitHash reports whether the channel's Application
// capabilities require peers of v1.4.2 or later, which write a commit
// hash from block 1 on (a peer lacking a required capability halts).
func (a *fabricChecks) requiresCommitHash() bool {
	if a.trust == nil {
		return false
	}
	for _, name := range a.trust.cfg.Capabilities["Application"] {
		if capabilityAtLeast(name, 1, 4, 2) {
			return true
		}
	}
	return false
}

// capabilityAtLeast reports whether a capability name V<major>_<minor>[_<patch>]
// names version major.minor.patch or later.
func capabilityAtLeast(name string, want ...int) bool {
	rest, ok := strings.CutPrefix(name, "V")
	if !ok {
		return false
	}
	var have []int
	for _, p := range strings.Split(rest, "_") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return false
		}
		have = append(have, n)
	}
	for i, w := range want {
		n := 0
		if i < len(have) {
			n = have[i]
		}
		if n != w {
			return n > w
		}
	}
	return true
}
