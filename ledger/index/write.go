package index

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// Commit stores a block and everything derived from it, and moves the
// checkpoint, in one transaction.
func (d *DB) Commit(ctx context.Context, b *ledger.Block) error {
	return d.CommitBatch(ctx, []*ledger.Block{b})
}

// CommitBatch commits consecutive blocks of one chain as Commit would
// commit each in turn, in one atomic write: all of them or none are
// stored. The first block must follow the checkpoint and each block the
// one before it, or nothing is stored (ErrGap, ErrReorg). One write for a
// run of small blocks saves the cost each write has on its own.
func (d *DB) CommitBatch(ctx context.Context, bs []*ledger.Block) error {
	if len(bs) == 0 {
		return nil
	}
	chain := bs[0].Chain
	if !ledger.ValidChainID(chain) {
		return fmt.Errorf("%w: chain id %q", ledger.ErrInvalid, chain)
	}
	// What the write adds to a badger transaction: the transaction
	// records and index entries, at most about the raw bytes again, and
	// the raw block, which counts only when too small for the value log.
	var size int64
	var fs []ledger.Finding
	for _, b := range bs {
		if b.Chain != chain {
			return fmt.Errorf("%w: one batch holds blocks of chains %s and %s", ledger.ErrInvalid, chain, b.Chain)
		}
		size += int64(len(b.Raw))
		if len(b.Raw) < valueThreshold {
			size += int64(len(b.Raw))
		}
		fs = append(fs, b.Findings...)
	}
	return d.withFindings(ctx, fs, func(ws []supervise.Write) error {
		return d.commitBatch(ctx, chain, bs, size, ws)
	})
}

// commitBatch is one attempt of CommitBatch, storing the blocks' findings
// as decided in ws.
func (d *DB) commitBatch(ctx context.Context, chain string, bs []*ledger.Block, size int64, ws []supervise.Write) error {
	return d.updateSized(ctx, size, func(txn kv) error {
		if ok, err := txn.Has(chainKey(chain)); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ledger.ErrUnknownChain, chain)
		}
		var cp ledger.Checkpoint
		have := true
		switch err := get(txn, checkpointKey(chain), &cp); {
		case errors.Is(err, ledger.ErrNotFound):
			have = false
		case err != nil:
			return err
		}
		st := newCommitState()
		for _, b := range bs {
			switch {
			case !have:
			case b.Height != cp.Height+1:
				return fmt.Errorf("%w: block %d after checkpoint %d", ledger.ErrGap, b.Height, cp.Height)
			case !bytes.Equal(b.ParentHash, cp.Hash):
				return fmt.Errorf("%w: block %d parent %x, indexed %x", ledger.ErrReorg, b.Height, b.ParentHash, cp.Hash)
			}
			if err := st.commitBlock(txn, b); err != nil {
				return err
			}
			cp, have = ledger.Checkpoint{Height: b.Height, Hash: b.Hash}, true
		}
		if err := putFindings(txn, ws); err != nil {
			return err
		}
		return st.finish(txn)
	})
}

// commitState is what the blocks of one write share: the search terms
// known to be stored, and the identity records they update, which are
// written once, when the write finishes.
type commitState struct {
	search map[searchRef]bool
	// identityTerms and contracts are the identities and contract names
	// whose search terms commitSearch has written (search.go).
	identityTerms map[identityTerms]bool
	contracts     map[string]bool
	ids           map[string]*pendingIdentity
	order         []string // fingerprints of ids in the order first seen
	// recordBytes is the size of the transaction records of the last
	// block, per transaction, to size the next block's buffer.
	recordBytes int
}

func newCommitState() *commitState {
	return &commitState{
		search: map[searchRef]bool{}, identityTerms: map[identityTerms]bool{}, contracts: map[string]bool{},
		ids: map[string]*pendingIdentity{},
	}
}

// finish writes what the blocks of the write left pending.
func (st *commitState) finish(txn kv) error {
	for _, fp := range st.order {
		p := st.ids[fp]
		if err := put(txn, p.key, p.rec); err != nil {
			return err
		}
	}
	return nil
}

// identityStored says how a transaction record holds id (identityRef):
// by fingerprint when the identity table holds id exactly as a read
// gives it back, as the identities of the Fabric blocks of this write
// are; without its certificate when the table holds only that; else
// whole.
func (st *commitState) identityStored(id *ledger.Identity) byte {
	p, ok := st.ids[id.Fingerprint]
	if !ok || len(id.Cert) == 0 || !bytes.Equal(p.rec.Cert, id.Cert) {
		return idInline
	}
	if p.read == nil {
		p.read = readBack(&p.rec)
	}
	if p.read != nil && sameIdentity(id, p.read) {
		return idStored
	}
	return idCert
}

// readBack is the identity of rec as a read of the identity table gives
// it back (fillTx), or nil if rec does not encode.
func readBack(rec *record.FabricIdentity) *ledger.Identity {
	v, err := json.Marshal(rec)
	if err != nil {
		return nil
	}
	var back record.FabricIdentity
	if json.Unmarshal(v, &back) != nil {
		return nil
	}
	return &back.Identity
}

// sameIdentity reports whether a and b are equal as reflect.DeepEqual
// says (times compared field by field, monotonic reading and location
// included, and nil slices apart from empty ones), without its cost.
func sameIdentity(a, b *ledger.Identity) bool {
	return a.MSPID == b.MSPID && a.Address == b.Address &&
		bytes.Equal(a.Cert, b.Cert) && (a.Cert == nil) == (b.Cert == nil) &&
		a.Subject == b.Subject && a.Issuer == b.Issuer && a.Serial == b.Serial &&
		a.Fingerprint == b.Fingerprint && a.NotBefore == b.NotBefore && a.NotAfter == b.NotAfter &&
		a.KeyAlgorithm == b.KeyAlgorithm && slices.Equal(a.OUs, b.OUs) && (a.OUs == nil) == (b.OUs == nil)
}

// commitBlock commits one block on its own, as CommitBatch does, without
// the checks against the checkpoint, with its findings as decided in ws.
func commitBlock(txn kv, b *ledger.Block, ws []supervise.Write) error {
	st := newCommitState()
	if err := st.commitBlock(txn, b); err != nil {
		return err
	}
	if err := putFindings(txn, ws); err != nil {
		return err
	}
	return st.finish(txn)
}

// commitBlock writes block b and everything derived from it but its
// findings, and moves the checkpoint to it.
func (st *commitState) commitBlock(txn kv, b *ledger.Block) error {
	undo := make([][]byte, 0, 4*len(b.Txs)+4)
	set := func(k []byte, v []byte) error {
		undo = append(undo, k)
		return txn.Set(k, v)
	}
	if len(b.Raw) > 0 {
		if err := txn.Set(rawBlockKey(b.Chain, b.Height), b.Raw); err != nil {
			return err
		}
	}
	if err := set(hashKey(b.Chain, b.Hash), be64(b.Height)); err != nil {
		return err
	}
	for i := range b.Contracts {
		c := &b.Contracts[i]
		k := contractKey(b.Chain, strings.ToLower(c.Address))
		undo = append(undo, k)
		if err := put(txn, k, c); err != nil {
			return err
		}
	}
	if err := st.commitFabric(txn, b, &undo); err != nil {
		return err
	}
	// The records of the block's transactions share one buffer: each is
	// a capped slice of it, which a later append never changes. They go
	// after the Fabric tables, so that an identity the identity table
	// holds is not copied into them (identityStored).
	refs := rawRefs(b)
	buf := make([]byte, 0, st.recordBytes*len(b.Txs)*9/8)
	ids := idMemo{stored: st.identityStored}
	var hist addrGroups
	for i := range b.Txs {
		tx := &b.Txs[i]
		start := len(buf)
		buf = encodeTxMemo(buf, tx, b.Chain, refs[i], &ids)
		if err := set(txKey(b.Chain, tx.ID), buf[start:len(buf):len(buf)]); err != nil {
			return err
		}
		for _, e := range historyOf(tx) {
			hist.add(e.addr, addrEntry{idx: tx.Index, role: e.role, id: tx.ID})
		}
	}
	for _, addr := range hist.order {
		es := hist.byAddr[addr]
		slices.SortStableFunc(es, func(a, b addrEntry) int {
			return cmp.Or(cmp.Compare(a.idx, b.idx), cmp.Compare(a.role, b.role))
		})
		if err := set(addrKey(b.Chain, addr, b.Height, es[0].idx, ""), encodeAddrGroup(es)); err != nil {
			return err
		}
	}
	if len(b.Txs) > 0 {
		st.recordBytes = len(buf) / len(b.Txs)
	}
	if err := commitGovernance(txn, b, &undo); err != nil {
		return err
	}
	if err := st.commitSearch(txn, b, &undo); err != nil {
		return err
	}
	rec, err := encodeBlock(nil, b)
	if err != nil {
		return err
	}
	if err := txn.Set(blockKey(b.Chain, b.Height), rec); err != nil {
		return err
	}
	if err := txn.Set(undoKey(b.Chain, b.Height), encodeUndo(undo)); err != nil {
		return err
	}
	return put(txn, checkpointKey(b.Chain), ledger.Checkpoint{Height: b.Height, Hash: b.Hash})
}

type historyRef struct{ addr, role string }

// addrGroups collects a block's address history by address, in the order
// the addresses are first met.
type addrGroups struct {
	byAddr map[string][]addrEntry
	order  []string
}

func (g *addrGroups) add(addr string, e addrEntry) {
	if g.byAddr == nil {
		g.byAddr = map[string][]addrEntry{}
	}
	es, ok := g.byAddr[addr]
	if !ok {
		g.order = append(g.order, addr)
	}
	g.byAddr[addr] = append(es, e)
}

// roleInvoked is the address history role of a chaincode a Fabric
// transaction invokes. Indexes written before it name that role
// "created", which AddressHistory reads as roleInvoked on a Fabric chain
// (a chaincode is defined by a _lifecycle transaction, never created by
// the one that invokes it).
const roleInvoked = "invoked"

// historyOf lists the addresses a transaction touches, each role once.
func historyOf(tx *ledger.Tx) []historyRef {
	var out []historyRef
	seen := map[historyRef]bool{}
	add := func(addr, role string) {
		if addr == "" {
			return
		}
		r := historyRef{strings.ToLower(addr), role}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	add(tx.From, "from")
	add(tx.To, "to")
	switch {
	case tx.Fabric != nil:
		add(tx.Contract, roleInvoked) // the chaincode it invokes; Fabric has no To
	case tx.To == "":
		add(tx.Contract, "created")
	}
	for _, l := range tx.Logs {
		add(l.Address, "log")
	}
	if tx.Creator != nil {
		add(tx.Creator.Fingerprint, "creator")
	}
	return out
}

// Rollback removes the blocks above r.Ancestor and records the reorg.
func (d *DB) Rollback(ctx context.Context, r ledger.Reorg) error {
	if !ledger.ValidChainID(r.Chain) {
		return fmt.Errorf("%w: chain id %q", ledger.ErrInvalid, r.Chain)
	}
	return d.update(ctx, func(txn kv) error {
		var cp ledger.Checkpoint
		if err := get(txn, checkpointKey(r.Chain), &cp); err != nil {
			return fmt.Errorf("rollback %s: checkpoint: %w", r.Chain, err)
		}
		if r.Ancestor >= cp.Height {
			return fmt.Errorf("%w: rollback to %d, checkpoint is %d", ledger.ErrInvalid, r.Ancestor, cp.Height)
		}
		for h := cp.Height; h > r.Ancestor; h-- {
			v, err := txn.Get(undoKey(r.Chain, h))
			if errors.Is(err, storage.ErrNotFound) {
				// Below the first indexed block: nothing more to undo.
				break
			}
			if err != nil {
				return fmt.Errorf("rollback %s block %d: %w", r.Chain, h, err)
			}
			undo, err := decodeUndo(v)
			if err != nil {
				return fmt.Errorf("rollback %s block %d: %w", r.Chain, h, err)
			}
			if err := rollbackFabric(txn, r.Chain, h); err != nil {
				return err
			}
			for _, k := range undo {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			if err := txn.Delete(undoKey(r.Chain, h)); err != nil {
				return err
			}
			if err := txn.Delete(blockKey(r.Chain, h)); err != nil {
				return err
			}
			if err := txn.Delete(rawBlockKey(r.Chain, h)); err != nil {
				return err
			}
		}
		anc, err := readBlockRecord(txn, r.Chain, r.Ancestor, false)
		switch {
		case errors.Is(err, ledger.ErrNotFound):
			if err := txn.Delete(checkpointKey(r.Chain)); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := put(txn, checkpointKey(r.Chain), ledger.Checkpoint{Height: anc.Height, Hash: anc.Hash}); err != nil {
				return err
			}
		}
		if err := resolveReorged(txn, r); err != nil {
			return err
		}
		return put(txn, reorgKey(r.Chain, r.Ancestor, r.Time.UnixNano()), r)
	})
}

// reorgedKinds are the finding subjects that live in one block and leave
// the chain with it.
var reorgedKinds = map[string]bool{"block": true, "tx": true, "contract": true}

// resolveReorged resolves the open findings of r.Chain about blocks,
// transactions and contracts above r.Ancestor, with a history entry
// saying why; they reopen if the problem is seen again on the new branch.
func resolveReorged(txn kv, r ledger.Reorg) error {
	var ids []string
	prefix := findingChainPrefix(r.Chain)
	err := scanKeys(txn, prefix, false, func(k []byte) bool {
		ids = append(ids, string(k[len(prefix):]))
		return true
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		var f ledger.Finding
		if err := get(txn, findingKey(id), &f); err != nil {
			return fmt.Errorf("finding %s: %w", id, err)
		}
		if !reorgedKinds[f.Subject.Kind] || f.Subject.Height <= r.Ancestor {
			continue
		}
		st, err := loadState(txn, id)
		if err != nil {
			return err
		}
		c, ok := supervise.Reorged(&f, st, r.Ancestor, r.Time)
		if !ok {
			continue
		}
		if err := appendChange(txn, id, st, c); err != nil {
			return err
		}
		f.Status = c.To
		if err := put(txn, findingKey(id), f); err != nil {
			return err
		}
	}
	return nil
}
