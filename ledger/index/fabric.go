package index

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/record"
)

// Fabric data derived from each block and stored in the block's own
// transaction: the channel config a CONFIG block carries (versioned by
// height), the identities that created, endorsed or signed (with counts),
// and every chaincode definition a _lifecycle commit wrote. Each block
// also stores a delta record (j/) so that Rollback can restore counts and
// the latest chaincode definitions exactly.

// fabricDelta is what one block changed in the derived Fabric tables that
// deleting its keys cannot undo.
type fabricDelta struct {
	Identities []identityDelta  `json:"ids,omitempty"`
	Chaincodes []chaincodeDelta `json:"ccs,omitempty"`
}

type identityDelta struct {
	Fingerprint  string `json:"fp"`
	New          bool   `json:"new,omitempty"`
	PrevLast     uint64 `json:"prevLast"`
	Created      uint64 `json:"c,omitempty"`
	Endorsed     uint64 `json:"e,omitempty"`
	BlocksSigned uint64 `json:"s,omitempty"`
}

type chaincodeDelta struct {
	Key  []byte           `json:"key"`
	Prev *ledger.Contract `json:"prev"`
}

// chaincodeName is Fabric's rule for chaincode names; other names (which
// Fabric would have refused) get no definition history.
var chaincodeName = regexp.MustCompile(`^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$`)

// commitFabric writes the Fabric tables of b inside the block's
// transaction and extends its undo list.
func (st *commitState) commitFabric(txn kv, b *ledger.Block, undo *[][]byte) error {
	if b.Fabric == nil {
		return nil
	}
	if b.Config != nil {
		k := fabricConfigKey(b.Chain, b.Height)
		if err := put(txn, k, b.Config); err != nil {
			return err
		}
		*undo = append(*undo, k)
	}
	var d fabricDelta
	if err := st.commitIdentities(txn, b, &d); err != nil {
		return err
	}
	if err := commitDefinitions(txn, b, undo, &d); err != nil {
		return err
	}
	if len(d.Identities) == 0 && len(d.Chaincodes) == 0 {
		return nil
	}
	return put(txn, fabricIDDeltaKey(b.Chain, b.Height), d)
}

// pendingIdentity is an identity record a write updates, kept until the
// write finishes (commitState).
type pendingIdentity struct {
	key []byte
	rec record.FabricIdentity
	// read is rec's identity as a read gives it back, once asked
	// (identityStored).
	read *ledger.Identity
}

// commitIdentities counts the creators, endorsers and orderer signers of
// b, creating the identities seen for the first time. The records are
// written when the write finishes.
func (st *commitState) commitIdentities(txn kv, b *ledger.Block, d *fabricDelta) error {
	type seen struct {
		id    *ledger.Identity
		txID  string
		delta identityDelta
	}
	var order []string
	byFP := map[string]*seen{}
	count := func(id *ledger.Identity, txID string) *identityDelta {
		if id == nil || id.Fingerprint == "" {
			return nil
		}
		s, ok := byFP[id.Fingerprint]
		if !ok {
			s = &seen{id: id, txID: txID, delta: identityDelta{Fingerprint: id.Fingerprint}}
			byFP[id.Fingerprint] = s
			order = append(order, id.Fingerprint)
		}
		return &s.delta
	}
	for i := range b.Signatures {
		if s := &b.Signatures[i]; s.Role == "orderer" {
			if dd := count(&s.Signer, ""); dd != nil {
				dd.BlocksSigned++
			}
		}
	}
	for i := range b.Txs {
		tx := &b.Txs[i]
		if dd := count(tx.Creator, tx.ID); dd != nil {
			dd.Created++
		}
		for j := range tx.Sigs {
			if s := &tx.Sigs[j]; s.Role == "endorser" {
				if dd := count(&s.Signer, tx.ID); dd != nil {
					dd.Endorsed++
				}
			}
		}
	}
	for _, fp := range order {
		s := byFP[fp]
		p, ok := st.ids[fp]
		if !ok {
			p = &pendingIdentity{key: fabricIdentityKey(b.Chain, fp)}
			switch err := get(txn, p.key, &p.rec); {
			case errors.Is(err, ledger.ErrNotFound):
				p.rec = record.FabricIdentity{Identity: *s.id, Chain: b.Chain, FirstHeight: b.Height, FirstTx: s.txID}
				s.delta.New = true
			case err != nil:
				return err
			}
			st.ids[fp] = p
			st.order = append(st.order, fp)
		}
		rec := &p.rec
		s.delta.PrevLast = rec.LastHeight
		rec.LastHeight = b.Height
		rec.Created += s.delta.Created
		rec.Endorsed += s.delta.Endorsed
		rec.BlocksSigned += s.delta.BlocksSigned
		d.Identities = append(d.Identities, s.delta)
	}
	return nil
}

// commitDefinitions stores each chaincode definition of b in the history
// and completes it with the fields of the previous definition that the
// transaction did not rewrite (Fabric writes only changed fields).
func commitDefinitions(txn kv, b *ledger.Block, undo *[][]byte, d *fabricDelta) error {
	for i := range b.Contracts {
		c := b.Contracts[i]
		if c.Sequence == 0 || !chaincodeName.MatchString(c.Address) {
			continue
		}
		prev, err := latestDefinition(txn, b.Chain, c.Address)
		if err != nil {
			return err
		}
		if prev != nil {
			if c.Version == "" {
				c.Version = prev.Version
			}
			if c.Policy == "" {
				c.Policy = prev.Policy
			}
			if c.Collections == nil {
				c.Collections = prev.Collections
			}
		}
		k := chaincodeDefKey(b.Chain, c.Address, c.Sequence, b.Height)
		if err := put(txn, k, c); err != nil {
			return err
		}
		*undo = append(*undo, k)
		ck := contractKey(b.Chain, strings.ToLower(c.Address))
		if err := put(txn, ck, c); err != nil {
			return err
		}
		if prev != nil {
			// Rollback restores the previous definition instead of
			// deleting the contract.
			*undo = slices.DeleteFunc(*undo, func(u []byte) bool { return bytes.Equal(u, ck) })
			d.Chaincodes = append(d.Chaincodes, chaincodeDelta{Key: ck, Prev: prev})
		}
	}
	return nil
}

// latestDefinition returns the newest stored definition of a chaincode, or
// nil.
func latestDefinition(txn kv, chain, name string) (*ledger.Contract, error) {
	it := txn.NewIterator(chaincodeDefPrefix(chain, name), []byte{0xff}, true)
	defer it.Release()
	if !it.Next() {
		return nil, it.Error()
	}
	var c ledger.Contract
	if err := decodeValue(it, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// rollbackFabric undoes the counts and definition changes of block h. It
// runs before the block's undo keys are deleted.
func rollbackFabric(txn kv, chain string, h uint64) error {
	k := fabricIDDeltaKey(chain, h)
	var d fabricDelta
	switch err := get(txn, k, &d); {
	case errors.Is(err, ledger.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	for _, dd := range d.Identities {
		ik := fabricIdentityKey(chain, dd.Fingerprint)
		if dd.New {
			if err := txn.Delete(ik); err != nil {
				return err
			}
			continue
		}
		var rec record.FabricIdentity
		if err := get(txn, ik, &rec); err != nil {
			return fmt.Errorf("rollback identity %s: %w", dd.Fingerprint, err)
		}
		rec.Created -= min(rec.Created, dd.Created)
		rec.Endorsed -= min(rec.Endorsed, dd.Endorsed)
		rec.BlocksSigned -= min(rec.BlocksSigned, dd.BlocksSigned)
		rec.LastHeight = dd.PrevLast
		if err := put(txn, ik, rec); err != nil {
			return err
		}
	}
	for _, cd := range slices.Backward(d.Chaincodes) {
		if err := put(txn, cd.Key, cd.Prev); err != nil {
			return err
		}
	}
	return txn.Delete(k)
}

// ChannelConfig returns the channel config in force at height: the one
// carried by the newest CONFIG block at or below it.
func (d *DB) ChannelConfig(ctx context.Context, chain string, height uint64) (*ledger.Config, error) {
	var c *ledger.Config
	err := d.view(func(txn kv) error {
		prefix := fabricConfigPrefix(chain)
		it := txn.NewIterator(prefix, fabricConfigKey(chain, height)[len(prefix):], true)
		defer it.Release()
		if !it.Next() {
			if err := it.Error(); err != nil {
				return err
			}
			return fmt.Errorf("channel config of %s at %d: %w", chain, height, ledger.ErrNotFound)
		}
		c = new(ledger.Config)
		return decodeValue(it, c)
	})
	return c, err
}

// ChannelConfigs lists the stored channel config versions of a chain,
// oldest first.
func (d *DB) ChannelConfigs(ctx context.Context, chain string) ([]record.ConfigVersion, error) {
	var out []record.ConfigVersion
	err := d.view(func(txn kv) error {
		return scan(txn, fabricConfigPrefix(chain), nil, func(_, v []byte) (bool, error) {
			var c struct {
				Height   uint64    `json:"height"`
				Sequence uint64    `json:"sequence"`
				Time     time.Time `json:"time"`
			}
			if err := decode(v, &c); err != nil {
				return false, err
			}
			out = append(out, record.ConfigVersion(c))
			return true, ctx.Err()
		})
	})
	return out, err
}

// FabricIdentity returns one identity of a chain by certificate
// fingerprint (lower-case hex SHA-256 of the DER certificate).
func (d *DB) FabricIdentity(ctx context.Context, chain, fingerprint string) (*record.FabricIdentity, error) {
	var rec record.FabricIdentity
	err := d.view(func(txn kv) error {
		return get(txn, fabricIdentityKey(chain, strings.ToLower(fingerprint)), &rec)
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("identity %s: %w", fingerprint, ledger.ErrNotFound)
	}
	return &rec, err
}

// FabricIdentities lists a chain's identities in fingerprint order, only
// those of mspID when it is not empty.
func (d *DB) FabricIdentities(ctx context.Context, chain, mspID string, p ledger.Page) ([]*record.FabricIdentity, string, error) {
	limit, err := limitOf(p)
	if err != nil {
		return nil, "", err
	}
	prefix := fabricIdentityPrefix(chain)
	var out []*record.FabricIdentity
	next := ""
	err = d.view(func(txn kv) error {
		start, err := cursorKey(prefix, p.Cursor)
		if err != nil {
			return err
		}
		return scan(txn, prefix, start, func(k, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var rec record.FabricIdentity
			if err := decode(v, &rec); err != nil {
				return false, err
			}
			if mspID != "" && rec.MSPID != mspID {
				return true, nil
			}
			if len(out) == limit {
				next = fmt.Sprintf("%x", k[len(prefix):])
				return false, nil
			}
			out = append(out, &rec)
			return true, nil
		})
	})
	return out, next, err
}

// FabricOrgs sums a chain's identities by MSP, in MSP id order.
func (d *DB) FabricOrgs(ctx context.Context, chain string) ([]record.FabricOrg, error) {
	byMSP := map[string]*record.FabricOrg{}
	err := d.view(func(txn kv) error {
		return scan(txn, fabricIdentityPrefix(chain), nil, func(_, v []byte) (bool, error) {
			var rec record.FabricIdentity
			if err := decode(v, &rec); err != nil {
				return false, err
			}
			o := byMSP[rec.MSPID]
			if o == nil {
				o = &record.FabricOrg{MSPID: rec.MSPID}
				byMSP[rec.MSPID] = o
			}
			o.Identities++
			o.Created += rec.Created
			o.Endorsed += rec.Endorsed
			o.BlocksSigned += rec.BlocksSigned
			return true, ctx.Err()
		})
	})
	out := make([]record.FabricOrg, 0, len(byMSP))
	for _, o := range byMSP {
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b record.FabricOrg) int { return cmp.Compare(a.MSPID, b.MSPID) })
	return out, err
}

// ChaincodeHistory lists every definition of a chaincode, by sequence.
func (d *DB) ChaincodeHistory(ctx context.Context, chain, name string) ([]ledger.Contract, error) {
	var out []ledger.Contract
	err := d.view(func(txn kv) error {
		return scan(txn, chaincodeDefPrefix(chain, name), nil, func(_, v []byte) (bool, error) {
			var c ledger.Contract
			if err := decode(v, &c); err != nil {
				return false, err
			}
			out = append(out, c)
			return true, ctx.Err()
		})
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("chaincode %s: %w", name, ledger.ErrNotFound)
	}
	return out, err
}
