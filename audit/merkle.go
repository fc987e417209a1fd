package audit

import (
	"bytes"
	"crypto/sha256"
	"hash"

	"github.com/emmansun/gmsm/sm3"
	"google.golang.org/protobuf/encoding/protowire"
)

// The Merkle summary of a range query's results, as Fabric's peer
// records it for a range query returning more than maxDegree keys
// (Fabric core/ledger/kvledger/txmgmt/rwsetutil/query_results_helper.go,
// RangeQueryResultsHelper; the query executor always hashes, with
// maxDegree 50, and the ledger always hashes with SHA-256).
//
// The results are cut into runs of maxDegree+1 reads (the last run may
// be shorter); the leaf hash of a run is SHA-256 of the protobuf
// kvrwset.QueryReads holding its reads (key and version). Hashes gather
// by level, leaves at level 1: when a level holds more than maxDegree
// hashes, SHA-256 of their concatenation becomes one hash of the level
// above and the level empties. At the end, every level below the highest
// is folded into the next (a single hash moves up as it is, several are
// combined), and if the highest then holds more than maxDegree hashes
// they are combined into one at a new level. The summary is the highest
// level and its hashes. Results of at most maxDegree reads have no
// summary: the peer records the reads themselves.

// merkleHashes are the hashes a peer may build summaries with: Fabric's
// ledger always uses SHA-256, whatever the channel's HashingAlgorithm; a
// national-crypto fork may have replaced it with SM3. A summary is taken
// as recorded when it matches under either: no set of reads other than
// the recorded ones gives the same summary under either hash.
var merkleHashes = []func() hash.Hash{sha256.New, sm3.New}

// merkleSummary builds the Merkle summary of range query results.
type merkleSummary struct {
	newHash func() hash.Hash
	degree  int
	// pending is the QueryReads encoding of the reads of the run being
	// filled, n their count.
	pending []byte
	n       int
	// levels[i] holds the hashes of level i+1 not yet combined.
	levels [][][]byte
}

// newMerkleSummary returns a builder for a summary of the given maximum
// degree, which Fabric requires to be at least 2, built with newHash.
func newMerkleSummary(degree uint32, newHash func() hash.Hash) *merkleSummary {
	return &merkleSummary{newHash: newHash, degree: int(degree), levels: make([][][]byte, 1)}
}

// add appends the next result: a key at version blk:txn.
func (m *merkleSummary) add(key string, blk, txn uint64) {
	var read []byte
	if key != "" {
		read = protowire.AppendTag(read, 1, protowire.BytesType)
		read = protowire.AppendString(read, key)
	}
	var version []byte
	if blk != 0 {
		version = protowire.AppendTag(version, 1, protowire.VarintType)
		version = protowire.AppendVarint(version, blk)
	}
	if txn != 0 {
		version = protowire.AppendTag(version, 2, protowire.VarintType)
		version = protowire.AppendVarint(version, txn)
	}
	read = protowire.AppendTag(read, 2, protowire.BytesType)
	read = protowire.AppendBytes(read, version)
	m.pending = protowire.AppendTag(m.pending, 1, protowire.BytesType)
	m.pending = protowire.AppendBytes(m.pending, read)
	if m.n++; m.n > m.degree {
		m.flush()
	}
}

// flush hashes the pending run into a leaf and combines the levels that
// are over the degree.
func (m *merkleSummary) flush() {
	h := m.newHash()
	h.Write(m.pending)
	m.pending, m.n = m.pending[:0], 0
	m.levels[0] = append(m.levels[0], h.Sum(nil))
	for i := 0; len(m.levels[i]) > m.degree; i++ {
		h := m.combine(m.levels[i])
		m.levels[i] = nil
		if i+1 == len(m.levels) {
			m.levels = append(m.levels, nil)
		}
		m.levels[i+1] = append(m.levels[i+1], h)
	}
}

// combine is the hash of the concatenated hashes.
func (m *merkleSummary) combine(hashes [][]byte) []byte {
	h := m.newHash()
	for _, x := range hashes {
		h.Write(x)
	}
	return h.Sum(nil)
}

// done returns the summary: its level and hashes, or ok false when the
// results fit in one run (the peer records the reads themselves).
func (m *merkleSummary) done() (level uint32, hashes [][]byte, ok bool) {
	if len(m.levels) == 1 && len(m.levels[0]) == 0 {
		return 0, nil, false
	}
	if m.n > 0 {
		m.flush()
	}
	top := len(m.levels) - 1
	for i := range top {
		switch len(m.levels[i]) {
		case 0:
			continue
		case 1:
			m.levels[i+1] = append(m.levels[i+1], m.levels[i][0])
		default:
			m.levels[i+1] = append(m.levels[i+1], m.combine(m.levels[i]))
		}
		m.levels[i] = nil
	}
	if len(m.levels[top]) > m.degree {
		return uint32(top + 2), [][]byte{m.combine(m.levels[top])}, true
	}
	return uint32(top + 1), m.levels[top], true
}

// sameSummary reports whether a summary equals the recorded one, as
// Fabric's merkleSummariesEqual (the degrees are the same: the summary
// was built with the recorded one).
func sameSummary(level uint32, hashes [][]byte, wantLevel uint32, want [][]byte) bool {
	if level != wantLevel || len(hashes) != len(want) {
		return false
	}
	for i := range hashes {
		if !bytes.Equal(hashes[i], want[i]) {
			return false
		}
	}
	return true
}
