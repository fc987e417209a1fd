package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// Commit stores a block and everything derived from it, and moves the
// checkpoint, in one transaction.
func (d *DB) Commit(ctx context.Context, b *ledger.Block) error {
	if !ledger.ValidChainID(b.Chain) {
		return fmt.Errorf("%w: chain id %q", ledger.ErrInvalid, b.Chain)
	}
	// The raw block is stored with the block and again, split, with its
	// transactions.
	return d.withFindings(ctx, b.Findings, func(ws []supervise.Write) error {
		return d.commit1(ctx, b, ws)
	})
}

// commit1 is one attempt of Commit, storing the findings as decided in ws.
func (d *DB) commit1(ctx context.Context, b *ledger.Block, ws []supervise.Write) error {
	return d.updateSized(ctx, 2*int64(len(b.Raw)), func(txn kv) error {
		if ok, err := txn.Has(chainKey(b.Chain)); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ledger.ErrUnknownChain, b.Chain)
		}
		var cp ledger.Checkpoint
		switch err := get(txn, checkpointKey(b.Chain), &cp); {
		case errors.Is(err, ledger.ErrNotFound):
		case err != nil:
			return err
		case b.Height != cp.Height+1:
			return fmt.Errorf("%w: block %d after checkpoint %d", ledger.ErrGap, b.Height, cp.Height)
		case !bytes.Equal(b.ParentHash, cp.Hash):
			return fmt.Errorf("%w: block %d parent %x, indexed %x", ledger.ErrReorg, b.Height, b.ParentHash, cp.Hash)
		}
		return commitBlock(txn, b, ws)
	})
}

// commitBlock writes block b, with the findings as decided in ws.
func commitBlock(txn kv, b *ledger.Block, ws []supervise.Write) error {
	var undo [][]byte
	set := func(k []byte, v any) error {
		undo = append(undo, k)
		if v == nil {
			return txn.Set(k, nil)
		}
		return put(txn, k, v)
	}
	rec := blockRecord{Block: *b, TxIDs: make([]string, len(b.Txs))}
	rec.Txs, rec.Findings = nil, nil
	rec.TxCount = len(b.Txs)
	if err := txn.Set(hashKey(b.Chain, b.Hash), be64(b.Height)); err != nil {
		return err
	}
	undo = append(undo, hashKey(b.Chain, b.Hash))
	for i := range b.Txs {
		tx := &b.Txs[i]
		rec.TxIDs[i] = tx.ID
		if err := set(txKey(b.Chain, tx.ID), tx); err != nil {
			return err
		}
		if err := set(txChainKey(tx.ID, b.Chain), nil); err != nil {
			return err
		}
		for _, e := range historyOf(tx) {
			if err := txn.Set(addrKey(b.Chain, e.addr, tx.Height, tx.Index, e.role), []byte(tx.ID)); err != nil {
				return err
			}
			undo = append(undo, addrKey(b.Chain, e.addr, tx.Height, tx.Index, e.role))
		}
	}
	for i := range b.Contracts {
		c := &b.Contracts[i]
		if err := set(contractKey(b.Chain, strings.ToLower(c.Address)), c); err != nil {
			return err
		}
	}
	if err := commitFabric(txn, b, &undo); err != nil {
		return err
	}
	if err := commitGovernance(txn, b, &undo); err != nil {
		return err
	}
	if err := commitSearch(txn, b, &undo); err != nil {
		return err
	}
	if err := put(txn, blockKey(b.Chain, b.Height), rec); err != nil {
		return err
	}
	if err := put(txn, undoKey(b.Chain, b.Height), undo); err != nil {
		return err
	}
	if err := putFindings(txn, ws); err != nil {
		return err
	}
	return put(txn, checkpointKey(b.Chain), ledger.Checkpoint{Height: b.Height, Hash: b.Hash})
}

type historyRef struct{ addr, role string }

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
	if tx.To == "" {
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
			var undo [][]byte
			err := get(txn, undoKey(r.Chain, h), &undo)
			if errors.Is(err, ledger.ErrNotFound) {
				// Below the first indexed block: nothing more to undo.
				break
			}
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
		}
		var anc blockRecord
		switch err := get(txn, blockKey(r.Chain, r.Ancestor), &anc); {
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
