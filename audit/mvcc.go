package audit

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// MVCC re-validation of Fabric transactions against the world state the
// audit replays (commithash_state.go), as the peer's validator does
// (Fabric v2.x/v3.x core/ledger/kvledger/txmgmt/validation/validator.go
// validateTx, validateKVRead, validateRangeQuery and
// rangequery_validator.go): each read of a transaction must be at the
// version the key has in the state committed before the block, and no
// VALID transaction before it in the block may have written the key; each
// range query must return the same keys at the same versions from that
// state merged with those writes. The verdict is compared with the
// validation code the peer recorded.

// Rules of the re-validation.
var (
	RuleMVCCValid = &ledger.RuleInfo{
		ID: "FAB-MVCC-VALID", Title: "Transaction recorded VALID read state that had changed",
		Doc: "The peer recorded the transaction VALID, but replaying the world state from the ledger shows that a key it read " +
			"had been written since the version it read (by an earlier block, or by an earlier VALID transaction of the same " +
			"block), or that a range query it ran would now return other keys or versions (a phantom read). Fabric's committer " +
			"marks such a transaction MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT and does not apply its writes: the peer that " +
			"kept this ledger applied writes it must have rejected, or its validation codes were altered. Compare the state of " +
			"the key on other peers, and rebuild the peer from an orderer's blocks.",
		Severity: ledger.Critical, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
		Sources: []string{
			"https://github.com/hyperledger/fabric/blob/v2.5.9/core/ledger/kvledger/txmgmt/validation/validator.go",
			"https://github.com/hyperledger/fabric/blob/v2.5.9/core/ledger/kvledger/txmgmt/validation/rangequery_validator.go",
		},
	}
	RuleMVCCInvalid = &ledger.RuleInfo{
		ID: "FAB-MVCC-INVALID", Title: "Transaction recorded as a read conflict was valid",
		Doc: "The peer recorded the transaction MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT, but replaying the world state " +
			"from the ledger shows every key it read at the version it read, with no earlier VALID transaction of the block " +
			"writing one, and every range query returning the same keys and versions: Fabric's committer would have marked it " +
			"VALID. A faulty peer, or one that censors transactions, dropped a valid transaction, or its validation codes were " +
			"altered. Compare the transaction's code on other peers and resubmit it if the network agrees it was dropped.",
		Severity: ledger.High, Category: ledger.CatIntegrity, Clauses: []string{clauseIntegrity},
		Sources: RuleMVCCValid.Sources,
	}
)

func init() { ledger.Register(RuleMVCCValid, RuleMVCCInvalid) }

// mvccCheck is the name of the re-validation check in transaction verdicts.
const mvccCheck = "mvcc"

// maxRangeKeys bounds the keys of a namespace a range query is replayed
// over; a larger namespace leaves its range queries not judged.
const maxRangeKeys = 1 << 20

// conflict is why a read is stale.
type conflict struct {
	phantom bool
	why     string
	key     string
}

// revalidate judges the reads of endorser transaction i of b against the
// state before the block and the updates u of the VALID transactions
// before it, and reports where the peer's validation code disagrees.
func (a *fabricChecks) revalidate(res *BlockResult, b *ledger.Block, i int, tx *ledger.Tx, u *updateBatch) {
	code := tx.Fabric.ValidationCode
	recordedConflict := code == codeMVCCConflict || code == codePhantomConflict
	if tx.Fabric.DecodeError != "" {
		return // the reads are not known
	}
	if !tx.Valid && !recordedConflict {
		// Another stage decided; the audit does not judge whether the
		// peer applied the writes.
		a.commit.state.distrust(tx.Fabric.RWSets)
		return
	}
	st := &a.commit.state
	c, known := st.judge(tx.Fabric.RWSets, u, b.Height)
	if !tx.Valid && c == nil {
		// Not confirmed invalid: the peer may have applied its writes.
		st.distrust(tx.Fabric.RWSets)
	}
	// evidence is built only for a finding: this runs for every
	// transaction.
	evidence := func(kv ...string) map[string]string {
		return withEvidence(map[string]string{"block": strconv.FormatUint(b.Height, 10), "tx": strconv.Itoa(i), "txid": tx.ID, "recorded": tx.Status}, kv...)
	}
	verdict := func(ok bool, detail string) {
		if i < len(res.Txs) {
			res.Txs[i].Verdict.Add(mvccCheck, ok, detail)
		}
	}
	switch {
	case c != nil && tx.Valid:
		// Whether the peer applied its writes is in doubt: what reads
		// them later is not judged on them.
		st.suspect(tx.Fabric.RWSets)
		want := "MVCC_READ_CONFLICT"
		if c.phantom {
			want = "PHANTOM_READ_CONFLICT"
		}
		verdict(false, "recorded VALID, replay gives "+want+": "+c.why)
		a.report(res, RuleMVCCValid, txSubject(tx, ""), fmt.Sprintf("block %d tx %d (%s) is recorded VALID, but the replayed world state gives %s: %s",
			b.Height, i, tx.ID, want, c.why), evidence("expected", want, "key", c.key, "reason", c.why))
	case c != nil:
		verdict(true, "")
	case !known:
		// Some read is not known to the replay: nothing to judge.
	case recordedConflict:
		verdict(false, "recorded "+tx.Status+", replay gives VALID")
		a.report(res, RuleMVCCInvalid, txSubject(tx, ""), fmt.Sprintf("block %d tx %d (%s) is recorded %s, but every key and range it read "+
			"is at the version it read in the replayed world state: the committer would have marked it VALID", b.Height, i, tx.ID, tx.Status), evidence("expected", "VALID"))
	default:
		verdict(true, "")
	}
}

// judge re-validates read sets: it returns the first conflict, or nil
// with known set when every read was checked and none conflicts.
func (s *commitState) judge(rws []ledger.NsRWSet, u *updateBatch, height uint64) (*conflict, bool) {
	known := true
	// As Fabric's validateTx, namespace by namespace: public reads,
	// range queries, then the hashed reads of private data.
	for _, ns := range rws {
		for _, r := range ns.Reads {
			c, ok := s.read(stateKey{ns.Namespace, "", r.Key}, r, u, height)
			if c != nil {
				return c, true
			}
			known = known && ok
		}
		for _, rq := range ns.RangeReads {
			c, ok := s.rangeQuery(ns.Namespace, rq, u, height)
			if c != nil {
				return c, true
			}
			known = known && ok
		}
		for _, coll := range ns.Collections {
			if len(coll.HashedReads) != len(coll.ReadHashes) {
				known = false // indexed before the versions were kept
				continue
			}
			for _, hr := range coll.HashedReads {
				r := ledger.KVRead{BlockNum: hr.BlockNum, TxNum: hr.TxNum, Missing: hr.Missing}
				c, ok := s.read(stateKey{ns.Namespace, coll.Collection, string(hr.KeyHash)}, r, u, height)
				if c != nil {
					c.key = hex.EncodeToString(hr.KeyHash)
					return c, true
				}
				known = known && ok
			}
		}
	}
	return nil, known
}

// read judges the read r of key k (a private key by its hash) against
// the state before the block and the block's updates u; the conflict
// names the key r.Key. ok is false when the replay cannot tell.
func (s *commitState) read(k stateKey, r ledger.KVRead, u *updateBatch, height uint64) (c *conflict, ok bool) {
	if w, ok := u.writes[k]; ok {
		if s.suspects[k] {
			return nil, false
		}
		return &conflict{key: r.Key, why: fmt.Sprintf("%s, read at %s, was written by tx %d of this block", k, readVersion(r), w.tx)}, true
	}
	blk, txn, found, ok := s.version(k, height)
	switch {
	case !ok:
		return nil, false
	case found && r.Missing:
		return &conflict{key: r.Key, why: fmt.Sprintf("%s was read as absent, but exists at version %d:%d", k, blk, txn)}, true
	case !found && !r.Missing:
		return &conflict{key: r.Key, why: fmt.Sprintf("%s was read at version %d:%d, but does not exist", k, r.BlockNum, r.TxNum)}, true
	case found && (blk != r.BlockNum || txn != r.TxNum):
		return &conflict{key: r.Key, why: fmt.Sprintf("%s was read at version %d:%d, but is at %d:%d", k, r.BlockNum, r.TxNum, blk, txn)}, true
	}
	return nil, true
}

func readVersion(r ledger.KVRead) string {
	if r.Missing {
		return "no version (absent)"
	}
	return fmt.Sprintf("version %d:%d", r.BlockNum, r.TxNum)
}

// maxDoubt bounds the keys in doubt; past it the replay forgets the
// state, as when it is over its memory budget.
const maxDoubt = 1 << 18

// distrust marks the keys a transaction writes as not known.
func (s *commitState) distrust(rws []ledger.NsRWSet) {
	for k := range txOps(rws) {
		s.setDoubt(k)
		s.stored.touch(k)
	}
	if len(s.doubt) > maxDoubt {
		s.reset()
	}
}

// suspect marks the keys a transaction recorded VALID writes, whose
// reads conflict, as in doubt once the block is applied: its writes are
// in the peer's state only if its validation code was not altered.
func (s *commitState) suspect(rws []ledger.NsRWSet) {
	if s.suspects == nil {
		s.suspects = map[stateKey]bool{}
	}
	for k := range txOps(rws) {
		s.suspects[k] = true
	}
}

// version returns the version of k in the state committed before block
// height: found is false when the key does not exist, known is false
// when the replay cannot tell.
func (s *commitState) version(k stateKey, height uint64) (blk, tx uint64, found, known bool) {
	if s.doubt[k] {
		return 0, 0, false, false
	}
	if _, found, known = s.get(k, height); !found || !known {
		return 0, 0, found, known
	}
	v := s.vals[k]
	return v.block, v.tx, true, true
}

// rangeEntry is a key a range query returns and its version.
type rangeEntry struct {
	key       string
	blk, txn  uint64
	fromBlock bool
}

// rangeQuery replays a range query over the state before the block merged
// with the block's updates so far, as Fabric's combined iterator; the end
// key is included when the iterator was not exhausted (Fabric then records
// the last key read as the end).
func (s *commitState) rangeQuery(ns string, rq ledger.RangeRead, u *updateBatch, height uint64) (*conflict, bool) {
	merkle := len(rq.MerkleHashes) > 0 || rq.MerkleDegree > 0
	if merkle && rq.MerkleDegree < 2 || !s.complete {
		return nil, false // Fabric fails on a degree below 2
	}
	in := func(key string) bool {
		if key < rq.StartKey {
			return false
		}
		return rq.EndKey == "" || key < rq.EndKey || !rq.ItrExhausted && key == rq.EndKey
	}
	if s.doubtIn(ns, in) {
		return nil, false
	}
	state, ok := s.stateRange(ns, rq.StartKey, in)
	if !ok {
		return nil, false
	}
	got := state[:0]
	for _, r := range state {
		if _, ok := u.writes[stateKey{ns, "", r.key}]; !ok {
			got = append(got, r) // else replaced below by the block's update
		}
	}
	for k, w := range u.writes {
		if k.ns == ns && k.coll == "" && in(k.key) && s.suspects[k] {
			return nil, false
		}
		if k.ns == ns && k.coll == "" && in(k.key) && w.value != nil {
			got = append(got, rangeEntry{key: k.key, blk: height, txn: w.tx, fromBlock: true})
		}
	}
	slices.SortFunc(got, func(a, b rangeEntry) int { return strings.Compare(a.key, b.key) })
	where := func(r rangeEntry) string {
		if r.fromBlock {
			return fmt.Sprintf("written by tx %d of this block", r.txn)
		}
		return fmt.Sprintf("at version %d:%d", r.blk, r.txn)
	}
	desc := fmt.Sprintf("range [%q, %q) of %s", rq.StartKey, rq.EndKey, ns)
	if merkle {
		return merkleRange(desc, rq, got), true
	}
	for i, r := range rq.Keys {
		switch {
		case i >= len(got):
			return &conflict{phantom: true, key: r.Key, why: fmt.Sprintf("%s returned key %q, which is no longer in it", desc, r.Key)}, true
		case got[i].key != r.Key:
			return &conflict{phantom: true, key: got[i].key, why: fmt.Sprintf("%s returned key %q where the state has key %q %s", desc, r.Key, got[i].key, where(got[i]))}, true
		case got[i].fromBlock || got[i].blk != r.BlockNum || got[i].txn != r.TxNum:
			return &conflict{phantom: true, key: r.Key, why: fmt.Sprintf("%s returned key %q at version %d:%d, now %s", desc, r.Key, r.BlockNum, r.TxNum, where(got[i]))}, true
		}
	}
	if rq.ItrExhausted && len(got) > len(rq.Keys) {
		extra := got[len(rq.Keys)]
		return &conflict{phantom: true, key: extra.key, why: fmt.Sprintf("%s now also holds key %q %s", desc, extra.key, where(extra))}, true
	}
	return nil, true
}

// maxDoubtScan bounds the keys in doubt a range query looks through for
// one in its range; with more, a namespace holding any leaves its range
// queries not judged.
const maxDoubtScan = 1 << 12

// doubtIn reports whether a public key of ns for which in holds may be
// in doubt.
func (s *commitState) doubtIn(ns string, in func(string) bool) bool {
	if s.doubtNS[ns] == 0 {
		return false
	}
	if len(s.doubt) > maxDoubtScan {
		return true
	}
	for k := range s.doubt {
		if k.ns == ns && k.coll == "" && in(k.key) {
			return true
		}
	}
	return false
}

// merkleRange compares the Merkle summary of the keys a range query
// returns in the replayed state, got, with the summary it recorded, as
// Fabric's rangeQueryHashValidator: any difference is a phantom read.
func merkleRange(desc string, rq ledger.RangeRead, got []rangeEntry) *conflict {
	var level uint32
	var hashes [][]byte
	var ok bool
	for _, newHash := range merkleHashes {
		m := newMerkleSummary(rq.MerkleDegree, newHash)
		for _, r := range got {
			m.add(r.key, r.blk, r.txn)
		}
		if level, hashes, ok = m.done(); ok && sameSummary(level, hashes, rq.MerkleLevel, rq.MerkleHashes) {
			return nil
		}
	}
	key, why := "", fmt.Sprintf("%s returned keys summarised by Merkle hashes at level %d (%d hashes, degree %d), but its %d keys in the state ",
		desc, rq.MerkleLevel, len(rq.MerkleHashes), rq.MerkleDegree, len(got))
	if ok {
		why += fmt.Sprintf("give level %d (%d hashes) with other hashes", level, len(hashes))
	} else {
		why += "are too few to be summarised"
	}
	for _, r := range got {
		if r.fromBlock {
			key = r.key
			why += fmt.Sprintf("; key %q was written by tx %d of this block", r.key, r.txn)
			break
		}
	}
	return &conflict{phantom: true, key: key, why: why}
}

// stateRange returns the public keys of ns from start on for which in
// holds, with their versions, in the state before the block, in key
// order; ok is false when the replay cannot tell. Keys held only in the
// index (the state is partial) are scanned there and merged with memory:
// a key in memory has the version there, and a key changed since the
// last save that is not in memory was deleted. Keys loaded from the index
// may be missing from the sorted keys of memory (nsKeys): the scan lists
// them.
func (s *commitState) stateRange(ns, start string, in func(string) bool) (out []rangeEntry, ok bool) {
	var seen map[string]bool
	if s.stored.partial {
		if !s.stored.readable() || s.stored.scan == nil {
			return nil, false
		}
		ok, n := true, 0
		seen = map[string]bool{}
		err := s.stored.scan(ns, "", start, func(e record.StateEntry) bool {
			key := string(e.Key)
			if !in(key) {
				return false
			}
			if n++; n > maxRangeKeys {
				ok = false
				return false
			}
			k := stateKey{ns, "", key}
			seen[key] = true
			v, mem := s.vals[k]
			_, dirty := s.stored.dirty[k]
			switch {
			case mem:
				e.Value, e.Block, e.Tx = v.value, v.block, v.tx // memory wins
			case dirty:
				return true // deleted since the save
			case e.Doubt:
				ok = false
				return false
			}
			if e.Value != nil { // an empty value is a delete
				out = append(out, rangeEntry{key: key, blk: e.Block, txn: e.Tx})
			}
			return true
		})
		if err != nil || !ok {
			return nil, false
		}
	}
	keys, ok := s.nsKeys(ns)
	if !ok {
		return nil, false
	}
	i, _ := slices.BinarySearch(keys, start)
	for _, key := range keys[i:] {
		if !in(key) {
			break
		}
		if v := s.vals[stateKey{ns, "", key}]; !seen[key] {
			out = append(out, rangeEntry{key: key, blk: v.block, txn: v.tx})
		}
	}
	if seen != nil {
		slices.SortFunc(out, func(a, b rangeEntry) int { return strings.Compare(a.key, b.key) })
	}
	return out, true
}

// nsKeys returns the public keys of a namespace in the state, sorted;
// ok is false when there are more than maxRangeKeys.
func (s *commitState) nsKeys(ns string) ([]string, bool) {
	if keys, ok := s.sorted[ns]; ok {
		return keys, keys != nil
	}
	var keys []string
	for k, v := range s.vals {
		if k.ns == ns && k.coll == "" && v.value != nil {
			keys = append(keys, k.key)
		}
	}
	if len(keys) > maxRangeKeys {
		keys = nil
	} else {
		slices.Sort(keys)
		if keys == nil {
			keys = []string{}
		}
	}
	if s.sorted == nil {
		s.sorted = map[string][]string{}
	}
	s.sorted[ns] = keys
	return keys, keys != nil
}
