package audit

import (
	"bytes"
	"strings"

	"github.com/lianjian/lianjian/ledger/fabric"
)

// commitStateBudget bounds the bytes of world state the commit-hash replay
// keeps; past it, keys are dropped and lookups of dropped keys are unknown.
const commitStateBudget = 64 << 20

// stateEntryOverhead approximates the memory of one state entry beyond its
// key and value bytes.
const stateEntryOverhead = 96

// lifecycleCollections is the `_lifecycle` key prefix and field holding
// a chaincode's collection configs.
const (
	lifecycleFieldsPrefix = "namespaces/fields/"
	collectionsField      = "/Collections"
)

// stateValue is the latest value of a key and the block that wrote it;
// a nil value records a delete the replay saw while it is incomplete.
type stateValue struct {
	value     []byte
	block, tx uint64 // the version: block and transaction of the write
}

// commitState is the world state replayed from the blocks audited, as far
// as metadata-only updates need it: Fabric merges the key's latest value
// into the update batch the commit hash covers.
type commitState struct {
	vals map[stateKey]stateValue
	size int
	// budget bounds size; zero means commitStateBudget.
	budget int
	// complete is set while vals holds every key of the state: the
	// replay started at the genesis block and lost nothing since.
	complete bool
	// sorted caches the public keys of a namespace in order, for range
	// queries; a write to the namespace drops its entry.
	sorted map[string][]string
	// doubt holds keys written by transactions recorded invalid that the
	// re-validation could not confirm invalid (mvcc.go): whether the peer
	// applied those writes is not known, so their versions are not known
	// until a VALID transaction writes them again.
	doubt map[stateKey]bool
	// doubtNS counts the public keys in doubt per namespace, so that a
	// range query knows without a scan whether its namespace has any.
	doubtNS map[string]int
	// suspects holds the keys written in the block being checked by
	// transactions recorded VALID whose reads conflict: they join doubt
	// when the block is applied.
	suspects map[stateKey]bool
	// stored persists the state in the index (state_store.go).
	stored stateStore
}

// reset forgets the state: what follows is judged without it.
func (s *commitState) reset() {
	clear(s.vals)
	clear(s.sorted)
	clear(s.doubt)
	clear(s.doubtNS)
	clear(s.suspects)
	s.size, s.complete = 0, false
	s.stored.forget()
}

// start begins a replay from the genesis block.
func (s *commitState) start() {
	s.reset()
	s.complete = true
}

// get returns the value of k as of the start of block height: found is
// false when the key does not exist, known is false when the replay cannot
// tell.
func (s *commitState) get(k stateKey, height uint64) (value []byte, found, known bool) {
	v, ok := s.vals[k]
	if !ok && s.stored.partial && s.stored.readable() {
		if v, ok, known = s.load(k); !known {
			return nil, false, false
		}
	}
	switch {
	case !ok:
		return nil, false, s.complete
	case v.value == nil:
		return nil, false, true
	}
	if k.coll != "" {
		// Fabric deletes a private key's hash from state while committing
		// block written+BlockToLive+1, after that block's commit hash.
		btl, ok := s.blockToLive(k.ns, k.coll, height)
		if !ok {
			return nil, false, false
		}
		if btl > 0 && height > v.block+btl+1 {
			return nil, false, true
		}
	}
	return v.value, true, true
}

// blockToLive returns the BlockToLive of a collection from the replayed
// `_lifecycle` state; ok is false when it is not known (legacy chaincodes
// keep their collections in lscc).
func (s *commitState) blockToLive(ns, coll string, height uint64) (uint64, bool) {
	if strings.HasPrefix(coll, implicitOrgPrefix) {
		return 0, true // implicit org collections never expire
	}
	raw, found, known := s.get(stateKey{lifecycleNS, "", lifecycleFieldsPrefix + ns + collectionsField}, height)
	if !known || !found {
		return 0, false
	}
	c, ok := fabric.ParseCollections(raw)[coll]
	return c.BlockToLive, ok
}

// apply commits the writes of a block's update batch.
func (s *commitState) apply(u *updateBatch) {
	if s.vals == nil {
		s.vals = map[stateKey]stateValue{}
	}
	for k, w := range u.writes {
		delete(s.sorted, k.ns)
		s.undoubt(k)
		s.stored.touch(k)
		if old, ok := s.vals[k]; ok {
			s.size -= entrySize(k, old.value)
			delete(s.vals, k)
		}
		if w.value == nil && s.complete {
			continue // a missing key is known not to exist
		}
		s.vals[k] = stateValue{value: bytes.Clone(w.value), block: u.height, tx: w.tx}
		s.size += entrySize(k, w.value)
	}
	for k := range s.suspects {
		s.setDoubt(k)
		s.stored.touch(k)
	}
	clear(s.suspects)
	budget := s.budget
	if budget == 0 {
		budget = commitStateBudget
	}
	if s.size <= budget {
		return
	}
	// Over budget: drop keys stored in the index, which reads them back
	// when needed; failing that, drop keys until a quarter is free. Their
	// values are then unknown, and so is whether a missing key exists.
	if s.evictStored(budget*3/4, budget) {
		return
	}
	s.complete = false
	s.stored.forget()
	clear(s.sorted)
	for k, v := range s.vals {
		if s.size <= budget*3/4 {
			break
		}
		s.size -= entrySize(k, v.value)
		delete(s.vals, k)
	}
}

func entrySize(k stateKey, value []byte) int {
	return len(k.ns) + len(k.coll) + len(k.key) + len(value) + stateEntryOverhead
}

// setDoubt puts k in doubt.
func (s *commitState) setDoubt(k stateKey) {
	if s.doubt[k] {
		return
	}
	if s.doubt == nil {
		s.doubt, s.doubtNS = map[stateKey]bool{}, map[string]int{}
	}
	s.doubt[k] = true
	if k.coll == "" {
		s.doubtNS[k.ns]++
	}
}

// undoubt takes k out of doubt.
func (s *commitState) undoubt(k stateKey) {
	if !s.doubt[k] {
		return
	}
	delete(s.doubt, k)
	if k.coll == "" {
		if s.doubtNS[k.ns]--; s.doubtNS[k.ns] == 0 {
			delete(s.doubtNS, k.ns)
		}
	}
}
