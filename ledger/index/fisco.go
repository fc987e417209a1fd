package index

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// FISCO BCOS tables: the governance history of a chain (calls to its
// system contracts, one record per transaction under G/CHAIN/HEIGHT INDEX,
// undone with the block) and the sealing record of its newest blocks, read
// from the block table itself.

// commitGovernance writes the governance records of a block's
// transactions and puts their keys on the undo list.
func commitGovernance(txn kv, b *ledger.Block, undo *[][]byte) error {
	for i := range b.Txs {
		tx := &b.Txs[i]
		if tx.Fisco == nil || tx.Fisco.Governance == nil {
			continue
		}
		rec := record.GovernanceRecord{
			Chain: b.Chain, Height: b.Height, Index: tx.Index, TxID: tx.ID, Time: tx.Time, From: tx.From,
			Governance: *tx.Fisco.Governance, Success: tx.Valid, Status: tx.Status,
		}
		if rec.Time.IsZero() {
			rec.Time = b.Time
		}
		k := governanceKey(b.Chain, b.Height, tx.Index)
		if err := put(txn, k, rec); err != nil {
			return err
		}
		*undo = append(*undo, k)
	}
	return nil
}

// Governance lists a chain's governance history, newest first. The
// cursor is opaque.
func (d *DB) Governance(ctx context.Context, chain string, p ledger.Page) ([]record.GovernanceRecord, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	prefix := governancePrefix(chain)
	var out []record.GovernanceRecord
	next := ""
	err = d.view(func(txn kv) error {
		start, err := cursorKey(prefix, p.Cursor)
		if err != nil {
			return err
		}
		if start == nil {
			start = append(bytes.Clone(prefix), 0xff)
		}
		it := txn.NewIterator(prefix, start[len(prefix):], true)
		defer it.Release()
		for it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := it.Key()
			if len(out) == limit {
				next = hex.EncodeToString(k[len(prefix):])
				return nil
			}
			var r record.GovernanceRecord
			if err := decodeValue(it, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return it.Error()
	})
	return out, next, err
}

// sealWindow is how many of the newest blocks a search reads to find the
// last block a sealer signed.
const sealWindow = 500

// seal is how the block of a block record was sealed.
func (r *blockRecord) seal() record.BlockSeal {
	s := record.BlockSeal{Height: r.Height, Hash: r.Hash, Time: r.Time, Proposer: r.Proposer}
	if r.Fisco == nil {
		return s
	}
	f := r.Fisco
	s.Sealers, s.Weights, s.Quorum, s.SignedWeight = f.SealerList, f.Weights, f.Quorum, f.SignedWeight
	for i, sig := range r.Signatures {
		if sig.Role != "sealer" {
			continue
		}
		ss := record.SealSig{Node: strings.ToLower(sig.Signer.Address), Verdict: sig.Verdict.Status}
		if i < len(f.SignerIndexes) {
			ss.Index = f.SignerIndexes[i]
		}
		s.Signers = append(s.Signers, ss)
	}
	return s
}

// Seals returns how the newest n blocks of a chain were sealed, newest
// first; n is capped at record.MaxSeals. Blocks without FISCO data have no
// sealers.
func (d *DB) Seals(ctx context.Context, chain string, n int) ([]record.BlockSeal, error) {
	if n <= 0 || n > record.MaxSeals {
		n = record.MaxSeals
	}
	var out []record.BlockSeal
	err := d.view(func(txn kv) error {
		return newestSeals(ctx, txn, chain, n, func(s record.BlockSeal) bool {
			out = append(out, s)
			return true
		})
	})
	return out, err
}

// newestSeals calls fn with the seal of each of the newest n blocks of a
// chain, newest first, until fn returns false.
func newestSeals(ctx context.Context, txn kv, chain string, n int, fn func(record.BlockSeal) bool) error {
	prefix := blockPrefix(chain)
	it := txn.NewIterator(prefix, blockKey(chain, ^uint64(0))[len(prefix):], true)
	defer it.Release()
	for n > 0 && it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		n--
		v, err := it.Value()
		if err != nil {
			return err
		}
		var r blockRecord
		if err := decodeBlock(bytes.Clone(v), &r, false); err != nil {
			return err
		}
		if !fn(r.seal()) {
			return nil
		}
	}
	return it.Error()
}

// fiscoTerms indexes the node ids of a FISCO block's sealer list (kind
// "sealer") and the node a governance transaction names.
func fiscoTerms(b *ledger.Block, add func(string, supervise.Match) error) error {
	if b.Fisco != nil {
		for _, node := range b.Fisco.SealerList {
			ref := searchTerm(node)
			m := supervise.Match{Kind: "sealer", Chain: b.Chain, Ref: ref, Height: b.Height, Field: "sealer list"}
			if err := add(ref, m); err != nil {
				return err
			}
		}
	}
	for i := range b.Txs {
		tx := &b.Txs[i]
		if tx.Fisco == nil || tx.Fisco.Governance == nil || tx.Fisco.Governance.NodeID == "" {
			continue
		}
		g := tx.Fisco.Governance
		m := supervise.Match{Kind: "tx", Chain: b.Chain, Ref: tx.ID, Height: tx.Height, Field: "governance node", Detail: g.Action}
		if err := add(g.NodeID, m); err != nil {
			return err
		}
	}
	return nil
}

// refineSealer turns a sealer's first sighting into where it stands now:
// the newest block it sealed within the newest sealWindow blocks, and
// whether the newest block's sealer list holds it.
func refineSealer(ctx context.Context, txn kv, m *supervise.Match) error {
	node := searchTerm(m.Ref)
	var (
		newest      *record.BlockSeal
		inList      bool
		sealed      bool
		sealedAt    uint64
		sealedBlock []byte
	)
	err := newestSeals(ctx, txn, m.Chain, sealWindow, func(s record.BlockSeal) bool {
		if newest == nil {
			newest = &s
			for _, n := range s.Sealers {
				if searchTerm(n) == node {
					inList = true
				}
			}
		}
		for _, sig := range s.Signers {
			if sig.Node == node && sig.Verdict == ledger.Verified {
				sealed, sealedAt, sealedBlock = true, s.Height, s.Hash
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	listed := "not in the newest block's sealer list"
	if inList {
		listed = fmt.Sprintf("in the sealer list of block %d", newest.Height)
	}
	switch {
	case sealed:
		m.Height, m.Field = sealedAt, "sealed"
		m.Detail = fmt.Sprintf("last sealed block %d (0x%x); %s", sealedAt, sealedBlock, listed)
	case inList:
		m.Height = newest.Height
		m.Detail = fmt.Sprintf("%s; no valid signature in the newest %d blocks", listed, sealWindow)
	default:
		m.Detail = fmt.Sprintf("first in a sealer list at block %d; %s", m.Height, listed)
	}
	return nil
}
