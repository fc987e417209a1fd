package fisco

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"

	"github.com/lianjian/lianjian/ledger"
)

// itemRef locates one item in the handed-over files without holding it.
type itemRef struct {
	file, index int
	height      uint64
}

// fileCache keeps the items of the few files read last: a dump pairs
// each block file with its receipts file, so two or three suffice.
type fileCache struct {
	files []string
	slots [4]struct {
		file  int
		items []Item
	}
	next int
}

func (c *fileCache) items(file int) ([]Item, error) {
	for _, s := range c.slots {
		if s.items != nil && s.file == file {
			return s.items, nil
		}
	}
	items, err := ReadFile(c.files[file])
	if err != nil {
		return nil, err
	}
	c.slots[c.next].file, c.slots[c.next].items = file, items
	c.next = (c.next + 1) % len(c.slots)
	return items, nil
}

func (c *fileCache) item(r itemRef) (Item, error) {
	items, err := c.items(r.file)
	if err != nil {
		return Item{}, err
	}
	return items[r.index], nil
}

// VerifyFiles is VerifyItems over files read on demand: a first pass
// notes where each block and receipt is, then blocks are verified in
// height order reading only the files they need, so memory stays bounded
// by a few files and an index of the receipts, whatever the ledger's
// length. A file that does not parse is reported as a malformed item.
func (v *Verifier) VerifyFiles(files []string, onBlock func(*ledger.Block) error, onItem func(Checked) error) error {
	var blocks []itemRef
	receipts := map[[32]byte]itemRef{}
	for fi, f := range files {
		items, err := ReadFile(f)
		if err != nil {
			if err := onItem(v.malformed(Item{Where: f}, err)); err != nil {
				return err
			}
			continue
		}
		for ii, it := range items {
			switch it.Kind {
			case ItemBlock:
				blocks = append(blocks, itemRef{file: fi, index: ii, height: it.Height})
			case ItemReceipt:
				receipts[hashKey(it.Hash)] = itemRef{file: fi, index: ii}
			}
		}
	}
	slices.SortStableFunc(blocks, func(a, b itemRef) int { return cmp.Compare(a.height, b.height) })
	cache := &fileCache{files: files}
	inBlock := map[[32]byte]bool{}
	seen := map[[32]byte]bool{}
	var batch []Item
	var batchRcs [][]json.RawMessage
	flush := func() error {
		defer func() { batch, batchRcs = batch[:0], batchRcs[:0] }()
		raws := make([]json.RawMessage, len(batch))
		for i, it := range batch {
			raws[i] = it.JSON
		}
		out, err := v.VerifyBatch(raws, batchRcs, runtime.GOMAXPROCS(0))
		if err != nil {
			// One block does not decode: verify them one by one so
			// that it alone is reported.
			out = nil
			for i, it := range batch {
				b, err := v.Verify(it.JSON, batchRcs[i])
				if err != nil {
					if err := onItem(v.malformed(it, err)); err != nil {
						return err
					}
					continue
				}
				out = append(out, b)
			}
		}
		for _, b := range out {
			if err := onBlock(b); err != nil {
				return err
			}
		}
		return nil
	}
	for _, ref := range blocks {
		it, err := cache.item(ref)
		if err != nil {
			return err
		}
		if k := hashKey(it.Hash); seen[k] {
			continue // the same block handed over twice
		} else {
			seen[k] = true
		}
		rcs, hashes, err := v.blockReceipts(it.JSON, receipts, cache)
		if err != nil {
			return err
		}
		for _, h := range hashes {
			inBlock[hashKey(h)] = true
		}
		batch, batchRcs = append(batch, it), append(batchRcs, rcs)
		if len(batch) == 32 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	for fi := range files {
		items, err := cache.items(fi)
		if err != nil {
			continue // reported in the first pass
		}
		for _, it := range items {
			if (it.Kind == ItemTx || it.Kind == ItemReceipt) && inBlock[hashKey(it.Hash)] {
				continue
			}
			if err := v.verifyStandalone(it, onItem); err != nil {
				return err
			}
		}
	}
	return nil
}

// blockReceipts returns a block's receipts when every one of its
// transactions has one among the files (nil otherwise, an empty list for
// a block with no transactions), and the transactions' hashes.
func (v *Verifier) blockReceipts(raw json.RawMessage, index map[[32]byte]itemRef, cache *fileCache) ([]json.RawMessage, []string, error) {
	hashes := blockTxHashes(raw)
	if len(hashes) == 0 {
		if hasTransactions(raw) {
			return []json.RawMessage{}, nil, nil
		}
		return nil, nil, nil
	}
	rcs := make([]json.RawMessage, 0, len(hashes))
	for _, h := range hashes {
		ref, ok := index[hashKey(h)]
		if !ok {
			return nil, hashes, nil
		}
		it, err := cache.item(ref)
		if err != nil {
			return nil, nil, err
		}
		rcs = append(rcs, it.JSON)
	}
	return rcs, hashes, nil
}

// verifyStandalone checks one item no block carries.
func (v *Verifier) verifyStandalone(it Item, onItem func(Checked) error) error {
	var c *Checked
	var err error
	switch it.Kind {
	case ItemTx:
		c, err = v.VerifyTxJSON(it.JSON)
	case ItemRawTx:
		c, err = v.VerifyRawTx(it.Raw)
	case ItemReceipt:
		c, err = v.VerifyReceiptJSON(it.JSON)
	default:
		return nil
	}
	if err != nil {
		return onItem(v.malformed(it, err))
	}
	return onItem(*c)
}

// hashKey is a fixed-size map key for a lower-case hex hash.
func hashKey(h string) [32]byte {
	var k [32]byte
	if b, err := hex.DecodeString(h); err == nil && len(b) == 32 {
		copy(k[:], b)
		return k
	}
	copy(k[:], fmt.Sprintf("%32s", h))
	return k
}
