package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
	"github.com/lianjian/lianjian/ledger/storage"
)

// DefaultLimit and MaxLimit bound page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

func limitOf(p ledger.Page) (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultLimit, nil
	case p.Limit < 0 || p.Limit > MaxLimit:
		return 0, fmt.Errorf("%w: limit %d (want 1..%d)", ledger.ErrInvalid, p.Limit, MaxLimit)
	}
	return p.Limit, nil
}

// Chains lists every chain.
func (d *DB) Chains(ctx context.Context) ([]ledger.Chain, error) {
	var out []ledger.Chain
	err := d.view(func(txn kv) error {
		return scan(txn, []byte{tagChain, '/'}, nil, func(_, v []byte) (bool, error) {
			var c ledger.Chain
			if err := decode(v, &c); err != nil {
				return false, err
			}
			out = append(out, c)
			return true, nil
		})
	})
	return out, err
}

// Chain returns one chain's description.
func (d *DB) Chain(ctx context.Context, id string) (ledger.Chain, error) {
	var c ledger.Chain
	err := d.view(func(txn kv) error { return get(txn, chainKey(id), &c) })
	if errors.Is(err, ledger.ErrNotFound) {
		return c, fmt.Errorf("chain %q: %w", id, ledger.ErrNotFound)
	}
	return c, err
}

// Checkpoint returns the last committed block of a chain, or ErrNotFound.
func (d *DB) Checkpoint(ctx context.Context, chain string) (ledger.Checkpoint, error) {
	var cp ledger.Checkpoint
	err := d.view(func(txn kv) error { return get(txn, checkpointKey(chain), &cp) })
	return cp, err
}

// Block returns the block at a height, with its transactions.
func (d *DB) Block(ctx context.Context, chain string, height uint64) (*ledger.Block, error) {
	return d.blockAt(chain, height, loadBlock)
}

// blockAt loads the block at a height through load.
func (d *DB) blockAt(chain string, height uint64, load func(kv, string, uint64) (*ledger.Block, error)) (*ledger.Block, error) {
	var b *ledger.Block
	err := d.view(func(txn kv) error {
		var err error
		b, err = load(txn, chain, height)
		return err
	})
	return b, err
}

// RawBlock returns the block at a height as the chain sent it, without
// reading its header or its transactions: what an auditor re-verifies.
// A block stored without raw bytes has none (nil).
func (d *DB) RawBlock(ctx context.Context, chain string, height uint64) ([]byte, error) {
	var raw []byte
	err := d.view(func(txn kv) error {
		var err error
		raw, err = readRawBlock(txn, chain, height)
		if err == nil && raw == nil {
			if ok, herr := txn.Has(blockKey(chain, height)); herr != nil {
				return herr
			} else if !ok {
				return fmt.Errorf("block %d of %s: %w", height, chain, ledger.ErrNotFound)
			}
		}
		return err
	})
	return raw, err
}

// BlockByHash returns the block with the given hash.
func (d *DB) BlockByHash(ctx context.Context, chain string, hash []byte) (*ledger.Block, error) {
	return d.blockByHash(chain, hash, loadBlock)
}

// BlockWithSummaries returns the block at a height with a summary of
// each transaction in place of the transaction: each of b.Txs has only
// its ID, Chain, Height, Index, Type, Status, Valid and the status of
// its verdict (no checks) set, and b.Raw is nil. It reads the block
// record alone, where Block reads every transaction's record too.
func (d *DB) BlockWithSummaries(ctx context.Context, chain string, height uint64) (*ledger.Block, error) {
	return d.blockAt(chain, height, loadBlockSummaries)
}

// BlockWithSummariesByHash is BlockWithSummaries of the block with the
// given hash.
func (d *DB) BlockWithSummariesByHash(ctx context.Context, chain string, hash []byte) (*ledger.Block, error) {
	return d.blockByHash(chain, hash, loadBlockSummaries)
}

// blockByHash loads the block with the given hash through load.
func (d *DB) blockByHash(chain string, hash []byte, load func(kv, string, uint64) (*ledger.Block, error)) (*ledger.Block, error) {
	var b *ledger.Block
	err := d.view(func(txn kv) error {
		v, err := txn.Get(hashKey(chain, hash))
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("block %x: %w", hash, ledger.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if len(v) != 8 {
			return fmt.Errorf("corrupt hash index entry for %x", hash)
		}
		b, err = load(txn, chain, binary.BigEndian.Uint64(v))
		return err
	})
	return b, err
}

// readRawBlock returns the raw bytes stored for a block, nil when there
// are none.
func readRawBlock(txn kv, chain string, height uint64) ([]byte, error) {
	raw, err := txn.Get(rawBlockKey(chain, height))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return raw, err
}

// readBlockRecord returns the block record at a height, with the ids of
// its transactions when ids is set; ledger.ErrNotFound when there is none.
func readBlockRecord(txn kv, chain string, height uint64, ids bool) (*blockRecord, error) {
	v, err := txn.Get(blockKey(chain, height))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("block %d of %s: %w", height, chain, ledger.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	rec := new(blockRecord)
	if err := decodeBlock(v, rec, ids); err != nil {
		return nil, fmt.Errorf("block %d of %s: %w", height, chain, err)
	}
	return rec, nil
}

// readTxRecord decodes the transaction record of id into tx, without
// what it refers to in other records (refs; fillTx); ledger.ErrNotFound
// when there is no such record.
func readTxRecord(txn kv, chain, id string, tx *ledger.Tx) (txRefs, error) {
	v, err := txn.Get(txKey(chain, id))
	if errors.Is(err, storage.ErrNotFound) {
		return txRefs{}, ledger.ErrNotFound
	}
	if err != nil {
		return txRefs{}, err
	}
	refs, err := decodeTx(v, chain, id, tx)
	if err != nil {
		return txRefs{}, fmt.Errorf("tx %s of %s: %w", id, chain, err)
	}
	return refs, nil
}

// readTx is readTxRecord with what the record refers to: the raw bytes,
// read from the raw block when they lie there, and the certificates.
func readTx(txn kv, chain, id string, tx *ledger.Tx) error {
	refs, err := readTxRecord(txn, chain, id, tx)
	if err != nil {
		return err
	}
	var raw []byte
	if refs.raw.kind == rawBlock {
		if raw, err = readRawBlock(txn, chain, tx.Height); err != nil {
			return err
		}
	}
	return fillTx(txn, chain, tx, refs, raw, map[string]*ledger.Identity{})
}

// fillTx fills what a transaction record refers to: its raw bytes from
// block, the raw block, and its identities or their certificates from
// the identity table, through ids (fingerprint to identity), which the
// transactions of one read share.
func fillTx(txn kv, chain string, tx *ledger.Tx, refs txRefs, block []byte, ids map[string]*ledger.Identity) error {
	if err := fillRaw(tx, refs, block); err != nil {
		return err
	}
	return fillIdentities(txn, chain, tx, refs, ids)
}

// fillIdentities is fillTx without the raw bytes: it fills the
// identities and certificates of tx from the identity table.
func fillIdentities(txn kv, chain string, tx *ledger.Tx, refs txRefs, ids map[string]*ledger.Identity) error {
	for _, ref := range refs.ids {
		fp := ref.id.Fingerprint
		stored, ok := ids[fp]
		if !ok {
			var rec record.FabricIdentity
			err := get(txn, fabricIdentityKey(chain, fp), &rec)
			if errors.Is(err, ledger.ErrNotFound) || err == nil && len(rec.Cert) == 0 {
				return fmt.Errorf("%w: tx %s: identity %s is not in the identity table",
					ErrRecordFormat, tx.ID, fp)
			}
			if err != nil {
				return err
			}
			stored = &rec.Identity
			ids[fp] = stored
		}
		if ref.whole {
			*ref.id = *stored
		} else {
			ref.id.Cert = stored.Cert
		}
	}
	return nil
}

func loadBlock(txn kv, chain string, height uint64) (*ledger.Block, error) {
	rec, err := readBlockRecord(txn, chain, height, true)
	if err != nil {
		return nil, err
	}
	raw, err := readRawBlock(txn, chain, height)
	if err != nil {
		return nil, err
	}
	b := rec.Block
	b.Raw = raw
	b.Txs = make([]ledger.Tx, len(rec.TxIDs))
	ids := map[string]*ledger.Identity{}
	for i, id := range rec.TxIDs {
		refs, err := readTxRecord(txn, chain, id, &b.Txs[i])
		if err == nil {
			err = fillTx(txn, chain, &b.Txs[i], refs, raw, ids)
		}
		if err != nil {
			return nil, fmt.Errorf("block %d tx %s: %w", height, id, err)
		}
	}
	return &b, nil
}

// loadBlockSummaries is loadBlock with summaries in place of the
// transactions (BlockWithSummaries). A block record of version 1 has no
// summaries: they are read from its transaction records, without the
// raw block or identities those refer to.
func loadBlockSummaries(txn kv, chain string, height uint64) (*ledger.Block, error) {
	rec, err := readBlockRecord(txn, chain, height, true)
	if err != nil {
		return nil, err
	}
	b := rec.Block
	b.Txs = make([]ledger.Tx, len(rec.TxIDs))
	for i, id := range rec.TxIDs {
		if rec.Sums != nil {
			b.Txs[i] = rec.Sums[i].tx(&b, id)
			continue
		}
		var tx ledger.Tx
		if _, err := readTxRecord(txn, chain, id, &tx); err != nil {
			return nil, fmt.Errorf("block %d tx %s: %w", height, id, err)
		}
		s := txSummary{Index: tx.Index, Type: tx.Type, Status: tx.Status, Valid: tx.Valid, Verdict: tx.Verdict.Status}
		b.Txs[i] = s.tx(&b, id)
	}
	return &b, nil
}

// Blocks lists blocks newest first. The cursor is the next height to return.
func (d *DB) Blocks(ctx context.Context, chain string, p ledger.Page) ([]*ledger.Block, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	var out []*ledger.Block
	next := ""
	err = d.view(func(txn kv) error {
		start := blockKey(chain, ^uint64(0))
		if p.Cursor != "" {
			h, err := strconv.ParseUint(p.Cursor, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: cursor %q", ledger.ErrInvalid, p.Cursor)
			}
			start = blockKey(chain, h)
		}
		prefix := blockPrefix(chain)
		it := txn.NewIterator(prefix, start[len(prefix):], true)
		defer it.Release()
		for it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			v, err := it.Value()
			if err != nil {
				return err
			}
			var rec blockRecord
			if err := decodeBlock(bytes.Clone(v), &rec, false); err != nil {
				return err
			}
			if len(out) == limit {
				next = strconv.FormatUint(rec.Height, 10)
				return nil
			}
			b := rec.Block
			out = append(out, &b)
		}
		return nil
	})
	return out, next, err
}

// Tx returns a transaction by id.
func (d *DB) Tx(ctx context.Context, chain, id string) (*ledger.Tx, error) {
	var tx ledger.Tx
	err := d.view(func(txn kv) error { return readTx(txn, chain, normID(id), &tx) })
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("tx %s: %w", id, ledger.ErrNotFound)
	}
	return &tx, err
}

// TxAnyChain finds a transaction id in every chain: a point read of the
// transaction's record in each chain the index holds, in the order of
// their ids. Chains are few, and a chain that lacks the id answers from
// its tables' bloom filters; a lookup table by id across chains (x/,
// keys.go) cost the import a fourth of its LSM entries.
func (d *DB) TxAnyChain(ctx context.Context, id string) ([]*ledger.Tx, error) {
	id = normID(id)
	var out []*ledger.Tx
	err := d.view(func(txn kv) error {
		var chains []string
		prefix := []byte{tagChain, '/'}
		if err := scan(txn, prefix, nil, func(k, _ []byte) (bool, error) {
			chains = append(chains, string(k[len(prefix):]))
			return true, nil
		}); err != nil {
			return err
		}
		for _, chain := range chains {
			var tx ledger.Tx
			err := readTx(txn, chain, id, &tx)
			if errors.Is(err, ledger.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, &tx)
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("tx %s: %w", id, ledger.ErrNotFound)
	}
	return out, err
}

// normID lower-cases a hex id and strips a 0x prefix.
func normID(id string) string { return strings.TrimPrefix(strings.ToLower(id), "0x") }

// AddressHistory lists the transactions touching an address, oldest first.
// A page may end inside a block's record (record_addr.go): its cursor
// then names the record's key and, after a colon, how many of the
// record's entries the pages before have listed.
func (d *DB) AddressHistory(ctx context.Context, chain, addr string, p ledger.Page) ([]ledger.HistoryEntry, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	addr = strings.ToLower(addr)
	prefix := addrPrefix(chain, addr)
	cursor, skip, err := addrCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var out []ledger.HistoryEntry
	next := ""
	err = d.view(func(txn kv) error {
		start, err := cursorKey(prefix, cursor)
		if err != nil {
			return err
		}
		var c ledger.Chain
		if err := get(txn, chainKey(chain), &c); err != nil && !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		return scan(txn, prefix, start, func(k, v []byte) (bool, error) {
			if len(out) == limit {
				next = hex.EncodeToString(k[len(prefix):])
				return false, nil
			}
			h, idx, role, err := parseAddrKey(k, len(prefix))
			if err != nil {
				return false, err
			}
			if skip > 0 && !bytes.Equal(k, start) {
				skip = 0 // the cursor's record is gone (a rollback)
			}
			if role == "" {
				es, err := decodeAddrGroup(chain, h, idx, v)
				if err != nil {
					return false, fmt.Errorf("address history entry %q: %w", k, err)
				}
				es, done := es[min(skip, len(es)):], skip
				skip = 0
				if room := limit - len(out); len(es) > room {
					out = append(out, es[:room]...)
					next = hex.EncodeToString(k[len(prefix):]) + ":" + strconv.Itoa(done+room)
					return false, nil
				}
				out = append(out, es...)
				return true, nil
			}
			if skip > 0 {
				return false, fmt.Errorf("%w: cursor %q: no record of a block there", ledger.ErrInvalid, p.Cursor)
			}
			id, err := parseTxIDValue(v)
			if err != nil {
				return false, fmt.Errorf("address history entry %q: %w", k, err)
			}
			if role == "created" && c.Kind == ledger.KindFabric {
				role = roleInvoked
			}
			out = append(out, ledger.HistoryEntry{Chain: chain, Height: h, Index: idx, TxID: id, Role: role})
			return true, nil
		})
	})
	return out, next, err
}

// addrCursor splits an address history cursor into the key cursor and
// the entries of that key's record already listed.
func addrCursor(cursor string) (string, int, error) {
	key, n, ok := strings.Cut(cursor, ":")
	if !ok {
		return cursor, 0, nil
	}
	skip, err := strconv.Atoi(n)
	if err != nil || skip <= 0 || key == "" {
		return "", 0, fmt.Errorf("%w: cursor %q", ledger.ErrInvalid, cursor)
	}
	return key, skip, nil
}

// Contract returns a contract by address (or chaincode name).
func (d *DB) Contract(ctx context.Context, chain, addr string) (*ledger.Contract, error) {
	var c ledger.Contract
	err := d.view(func(txn kv) error { return get(txn, contractKey(chain, strings.ToLower(addr)), &c) })
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("contract %s: %w", addr, ledger.ErrNotFound)
	}
	return &c, err
}

// Contracts lists a chain's contracts in address order.
func (d *DB) Contracts(ctx context.Context, chain string, p ledger.Page) ([]*ledger.Contract, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	prefix := contractPrefix(chain)
	var out []*ledger.Contract
	next := ""
	err = d.view(func(txn kv) error {
		start, err := cursorKey(prefix, p.Cursor)
		if err != nil {
			return err
		}
		return scan(txn, prefix, start, func(k, v []byte) (bool, error) {
			if len(out) == limit {
				next = hex.EncodeToString(k[len(prefix):])
				return false, nil
			}
			var c ledger.Contract
			if err := decode(v, &c); err != nil {
				return false, err
			}
			out = append(out, &c)
			return true, nil
		})
	})
	return out, next, err
}

// Reorgs lists the reorgs recorded for a chain, oldest first.
func (d *DB) Reorgs(ctx context.Context, chain string) ([]ledger.Reorg, error) {
	var out []ledger.Reorg
	err := d.view(func(txn kv) error {
		return scan(txn, reorgPrefix(chain), nil, func(_, v []byte) (bool, error) {
			var r ledger.Reorg
			if err := decode(v, &r); err != nil {
				return false, err
			}
			out = append(out, r)
			return true, nil
		})
	})
	return out, err
}

// Finding returns a finding by id.
func (d *DB) Finding(ctx context.Context, id string) (*ledger.Finding, error) {
	var f ledger.Finding
	err := d.view(func(txn kv) error { return get(txn, findingKey(id), &f) })
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("finding %s: %w", id, ledger.ErrNotFound)
	}
	return &f, err
}

// Findings lists findings matching the filter, in id order.
func (d *DB) Findings(ctx context.Context, q ledger.FindingFilter, p ledger.Page) ([]*ledger.Finding, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	var out []*ledger.Finding
	next := ""
	err = d.view(func(txn kv) error {
		prefix := []byte{tagFinding, '/'}
		if q.Chain != "" {
			prefix = findingChainPrefix(q.Chain)
		}
		start, err := cursorKey(prefix, p.Cursor)
		if err != nil {
			return err
		}
		return scan(txn, prefix, start, func(k, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var f ledger.Finding
			if q.Chain != "" {
				if err := get(txn, findingKey(string(k[len(prefix):])), &f); err != nil {
					return false, err
				}
			} else if err := decode(v, &f); err != nil {
				return false, err
			}
			if !q.Match(&f) {
				return true, nil
			}
			if len(out) == limit {
				next = hex.EncodeToString(k[len(prefix):])
				return false, nil
			}
			out = append(out, &f)
			return true, nil
		})
	})
	return out, next, err
}

// cursorKey turns an opaque hex cursor into the key to resume from.
func cursorKey(prefix []byte, cursor string) ([]byte, error) {
	if cursor == "" {
		return nil, nil
	}
	suffix, err := hex.DecodeString(cursor)
	if err != nil || len(suffix) == 0 {
		return nil, fmt.Errorf("%w: cursor %q", ledger.ErrInvalid, cursor)
	}
	return append(bytes.Clone(prefix), suffix...), nil
}

// scan iterates the keys under prefix from start (or the prefix) in order
// until fn returns false.
func scan(txn kv, prefix, start []byte, fn func(k, v []byte) (bool, error)) error {
	if start != nil {
		start = start[len(prefix):]
	}
	return items(txn.NewIterator(prefix, start, false), fn)
}
