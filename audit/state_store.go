package audit

import (
	"github.com/lianjian/lianjian/ledger/record"
)

// The replayed world state (commithash_state.go) is stored with each
// audit checkpoint: the keys changed since the previous one go with it
// (record.AuditCheckpoint.State), so a resumed audit judges reads and
// metadata-only updates of keys written long before, and memory stays
// bounded: keys stored in the index are dropped when the state is over its
// budget and read back when needed, one by one or, for a range query, by
// scanning the range. The index keeps the state by height: an audit that
// continues the current checkpoint reads the newest version of a key, a
// re-audit below it reads the state as of the stored checkpoint it
// restored (resume in store.go).

// stateStore is the link of a commitState to the index.
type stateStore struct {
	// read reads a key of the stored state; nil when the audit has no
	// index.
	read func(k stateKey) (record.StateEntry, bool, error)
	// scan calls fn with the stored keys of a namespace and collection
	// from start on, in key order, until fn returns false (as read).
	scan func(ns, coll, start string, fn func(record.StateEntry) bool) error
	// dirty holds the keys changed since the last save.
	dirty map[stateKey]struct{}
	// synced is set while the stored state continues this one: after a
	// save, or a restore from the checkpoint the audit resumes from.
	synced bool
	// partial is set when some keys are only in the index.
	partial bool
}

// readable reports whether keys missing from memory may be read from the
// index.
func (st *stateStore) readable() bool { return st.read != nil && st.synced }

// forget unlinks the state from the stored one: the state was lost, so
// the next save starts a new generation.
func (st *stateStore) forget() {
	st.synced, st.partial = false, false
	clear(st.dirty)
}

// touch records a changed key.
func (st *stateStore) touch(k stateKey) {
	if st.dirty == nil {
		st.dirty = map[stateKey]struct{}{}
	}
	st.dirty[k] = struct{}{}
}

// load reads a key missing from memory from the index and keeps it:
// found is false when the stored state does not hold it, known is false
// when its version is not known (a read error, or a key in doubt).
func (s *commitState) load(k stateKey) (v stateValue, found, known bool) {
	e, found, err := s.stored.read(k)
	switch {
	case err != nil:
		return v, false, false
	case !found:
		return v, false, true
	case e.Doubt:
		s.setDoubt(k)
		return v, false, false
	}
	v = stateValue{value: e.Value, block: e.Block, tx: e.Tx}
	if s.vals == nil {
		s.vals = map[stateKey]stateValue{}
	}
	s.vals[k] = v
	s.size += entrySize(k, v.value)
	return v, true, true
}

// evictStored drops keys the index holds unchanged until size is at most
// target, and reports whether size is then within budget.
func (s *commitState) evictStored(target, budget int) bool {
	if !s.stored.readable() {
		return false
	}
	for k, v := range s.vals {
		if s.size <= target {
			break
		}
		if _, dirty := s.stored.dirty[k]; dirty {
			continue
		}
		s.size -= entrySize(k, v.value)
		delete(s.vals, k)
		s.stored.partial = true
	}
	clear(s.sorted)
	return s.size <= budget
}

// save puts the state changes since the last save in cp: every key when
// the stored state does not continue this one.
func (s *commitState) save(cp *record.AuditCheckpoint) {
	cp.StateComplete = s.complete
	entry := func(k stateKey) record.StateEntry {
		e := record.StateEntry{Namespace: k.ns, Collection: k.coll, Key: []byte(k.key)}
		if s.doubt[k] {
			e.Doubt = true
			return e
		}
		v, ok := s.vals[k]
		if !ok {
			e.Deleted = true
			return e
		}
		e.Value, e.Block, e.Tx = v.value, v.block, v.tx
		return e
	}
	st := &s.stored
	if !st.synced {
		cp.ResetState = true
		for k := range s.vals {
			cp.State = append(cp.State, entry(k))
		}
		for k := range s.doubt {
			if _, ok := s.vals[k]; !ok {
				cp.State = append(cp.State, entry(k))
			}
		}
	} else {
		for k := range st.dirty {
			cp.State = append(cp.State, entry(k))
		}
	}
	clear(st.dirty)
	st.synced = true
}

// restoreStored links the state to the one stored with the checkpoint
// the audit resumes from.
func (s *commitState) restoreStored(cp record.AuditCheckpoint) {
	if s.stored.read == nil {
		return
	}
	s.complete = cp.StateComplete
	s.stored.synced, s.stored.partial = true, true
}
