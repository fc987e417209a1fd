package index

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/storage"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// MaxMatches bounds one search's answer.
const MaxMatches = 100

// Search term index. Identities and contract names are found by terms
// (certificate serial, subject, fingerprint, MSP id, contract or chaincode
// name) stored under s/TERMHASH/CHAIN/KIND/REF with the first sighting as
// value. The entries are not undone by a rollback: they say an object was
// seen on the chain, which stays true of a reorganised-away block, and the
// match carries the height to check.

// searchTerm normalises a term for hashing: trimmed, lower-case, without a
// 0x prefix.
func searchTerm(s string) string {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
}

func searchPrefix(term string) []byte {
	h := sha256.Sum256([]byte(searchTerm(term)))
	return key(tagSearch, h[:16], nil)
}

func searchKey(term, chain, kind, ref string) []byte {
	p := searchPrefix(term)
	return append(p, []byte(chain+"/"+kind+"/"+ref)...)
}

// searchRef names a search entry of one chain by its term as given.
type searchRef struct{ term, kind, ref string }

// identityTerms is what the search entries of an identity are made of:
// its fingerprint, serial, subject and MSP id.
type identityTerms struct{ fingerprint, serial, subject, msp string }

// commitSearch writes the search terms of a block's identities and
// contracts. Terms already present keep their first sighting. Keys it
// creates go on the block's undo list, so a rollback removes them.
func (st *commitState) commitSearch(txn kv, b *ledger.Block, undo *[][]byte) error {
	add := func(term string, m supervise.Match) error {
		if term == "" {
			return nil
		}
		// Terms met before in this write are stored already: skip them
		// before normalising and hashing.
		ref := searchRef{term: term, kind: m.Kind, ref: m.Ref}
		if st.search[ref] {
			return nil
		}
		st.search[ref] = true
		if searchTerm(term) == "" {
			return nil
		}
		k := searchKey(term, m.Chain, m.Kind, m.Ref)
		switch ok, err := txn.Has(k); {
		case err != nil:
			return err
		case ok:
			return nil
		}
		*undo = append(*undo, k)
		return put(txn, k, m)
	}
	ident := func(id *ledger.Identity, h uint64) error {
		if id == nil || (id.Fingerprint == "" && id.MSPID == "") {
			return nil
		}
		// Every term of an identity met before in this write is stored
		// already: skip it whole, before splitting its subject.
		terms := identityTerms{id.Fingerprint, id.Serial, id.Subject, id.MSPID}
		if st.identityTerms[terms] {
			return nil
		}
		st.identityTerms[terms] = true
		m := supervise.Match{Kind: "identity", Chain: b.Chain, Org: id.MSPID, Ref: id.Fingerprint, Height: h, Detail: id.Subject}
		for _, t := range []struct{ field, term string }{
			{"fingerprint", id.Fingerprint}, {"serial", id.Serial}, {"subject", id.Subject}, {"cn", commonName(id.Subject)},
		} {
			if id.Fingerprint == "" {
				break
			}
			m.Field = t.field
			if err := add(t.term, m); err != nil {
				return err
			}
		}
		if id.MSPID != "" {
			msp := supervise.Match{Kind: "msp", Chain: b.Chain, Org: id.MSPID, Ref: id.MSPID, Height: h, Field: "msp"}
			return add(id.MSPID, msp)
		}
		return nil
	}
	for i := range b.Signatures {
		if err := ident(&b.Signatures[i].Signer, b.Height); err != nil {
			return err
		}
	}
	for i := range b.Txs {
		tx := &b.Txs[i]
		if err := ident(tx.Creator, tx.Height); err != nil {
			return err
		}
		for j := range tx.Sigs {
			if tx.Sigs[j].Signer.Fingerprint != "" {
				if err := ident(&tx.Sigs[j].Signer, tx.Height); err != nil {
					return err
				}
			}
		}
		// A contract met before in this write has its term stored, or
		// none: skip it before matching its name again.
		if c := tx.Contract; c != "" && !st.contracts[c] {
			st.contracts[c] = true
			if !evmAddress.MatchString(c) {
				m := supervise.Match{Kind: "contract", Chain: b.Chain, Ref: c, Height: tx.Height, Field: "name"}
				if tx.Creator != nil {
					m.Org = tx.Creator.MSPID
				}
				if err := add(c, m); err != nil {
					return err
				}
			}
		}
	}
	if err := fiscoTerms(b, add); err != nil {
		return err
	}
	if b.Config != nil {
		if err := configTerms(b, add); err != nil {
			return err
		}
	}
	for i := range b.Contracts {
		c := &b.Contracts[i]
		if evmAddress.MatchString(c.Address) {
			continue // found through the contract table
		}
		m := supervise.Match{Kind: "contract", Chain: b.Chain, Ref: c.Address, Height: c.Height, Field: "name"}
		if err := add(c.Address, m); err != nil {
			return err
		}
	}
	return nil
}

// commonName returns the CN attribute of a certificate subject written as
// a distinguished name ("CN=peer0.org1.example.com,OU=peer,O=Org1"), or ""
// when it has none.
func commonName(subject string) string {
	for _, rdn := range strings.FieldsFunc(subject, func(r rune) bool { return r == ',' || r == '+' }) {
		if k, v, ok := strings.Cut(strings.TrimSpace(rdn), "="); ok && strings.EqualFold(k, "CN") {
			return v
		}
	}
	return ""
}

var (
	evmAddress = regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}$`)
	hex32      = regexp.MustCompile(`^(0[xX])?[0-9a-fA-F]{64}$`)
	decimal    = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// Search resolves a tx id or hash, a block hash or height, an EVM or
// FISCO BCOS address, a certificate serial, subject or fingerprint, an MSP
// id, a FISCO BCOS node id (sealers, with the newest block each sealed, and
// governance calls naming the node) or a contract or chaincode name to the
// objects it names, across every chain.
// It returns at most MaxMatches matches.
func (d *DB) Search(ctx context.Context, q string) ([]supervise.Match, error) {
	q = strings.TrimSpace(q)
	if q == "" || len(q) > 512 {
		return nil, ledger.ErrInvalid
	}
	chains, err := d.Chains(ctx)
	if err != nil {
		return nil, err
	}
	var out []supervise.Match
	addMatch := func(m supervise.Match) bool {
		for _, c := range chains {
			if c.ID == m.Chain {
				m.Network, m.Channel = c.Network, c.Channel
			}
		}
		out = append(out, m)
		return len(out) < MaxMatches
	}
	err = d.view(func(txn kv) error {
		if err := searchLedger(txn, chains, q, addMatch); err != nil {
			return err
		}
		return scan(txn, searchPrefix(q), nil, func(_, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var m supervise.Match
			if err := decode(v, &m); err != nil {
				return false, err
			}
			if m.Kind == "sealer" {
				if err := refineSealer(ctx, txn, &m); err != nil {
					return false, err
				}
			}
			return addMatch(m), nil
		})
	})
	return out, err
}

// searchLedger looks q up in the ledger tables: transactions, block hashes
// and heights, address histories and contracts.
func searchLedger(txn kv, chains []ledger.Chain, q string, add func(supervise.Match) bool) error {
	switch {
	case decimal.MatchString(q):
		h, err := strconv.ParseUint(q, 10, 64)
		if err != nil {
			return nil
		}
		for _, c := range chains {
			rec, err := readBlockRecord(txn, c.ID, h, false)
			switch {
			case errors.Is(err, ledger.ErrNotFound):
				continue
			case err != nil:
				return err
			}
			add(supervise.Match{Kind: "block", Chain: c.ID, Ref: hex.EncodeToString(rec.Hash), Height: h, Field: "height"})
		}
	case hex32.MatchString(q):
		id := normID(q)
		raw, _ := hex.DecodeString(id)
		for _, c := range chains {
			var tx ledger.Tx
			refs, err := readTxRecord(txn, c.ID, id, &tx)
			if err == nil {
				err = fillIdentities(txn, c.ID, &tx, refs, map[string]*ledger.Identity{})
			}
			switch {
			case err == nil:
				m := supervise.Match{Kind: "tx", Chain: c.ID, Ref: id, Height: tx.Height, Field: "id"}
				if tx.Creator != nil {
					m.Org = tx.Creator.MSPID
				}
				add(m)
			case !errors.Is(err, ledger.ErrNotFound):
				return err
			}
			v, err := txn.Get(hashKey(c.ID, raw))
			switch {
			case err == nil:
				if len(v) == 8 {
					add(supervise.Match{Kind: "block", Chain: c.ID, Ref: id, Height: binary.BigEndian.Uint64(v), Field: "hash"})
				}
			case !errors.Is(err, storage.ErrNotFound):
				return err
			}
		}
	case evmAddress.MatchString(q):
		addr := strings.ToLower(q)
		for _, c := range chains {
			var ct ledger.Contract
			switch err := get(txn, contractKey(c.ID, addr), &ct); {
			case err == nil:
				add(supervise.Match{Kind: "contract", Chain: c.ID, Ref: addr, Height: ct.Height, Field: "address"})
			case !errors.Is(err, ledger.ErrNotFound):
				return err
			}
			h, ok, err := firstSeen(txn, addrPrefix(c.ID, addr))
			if err != nil {
				return err
			}
			if ok {
				add(supervise.Match{Kind: "address", Chain: c.ID, Ref: addr, Height: h, Field: "address"})
			}
		}
	}
	return nil
}

// firstSeen returns the height of the first history entry under prefix.
func firstSeen(txn kv, prefix []byte) (uint64, bool, error) {
	it := txn.NewIterator(prefix, nil, false)
	defer it.Release()
	if !it.Next() {
		return 0, false, it.Error()
	}
	h, _, _, err := parseAddrKey(it.Key(), len(prefix))
	return h, err == nil, err
}

// configTerms indexes the MSP ids of a Fabric channel config and the
// SHA-256 fingerprints of its root, intermediate and admin certificates.
func configTerms(b *ledger.Block, add func(string, supervise.Match) error) error {
	for _, msp := range b.Config.MSPs {
		m := supervise.Match{Kind: "msp", Chain: b.Chain, Org: msp.ID, Ref: msp.ID, Height: b.Height, Field: "msp", Detail: msp.Group + " " + msp.Org}
		if err := add(msp.ID, m); err != nil {
			return err
		}
		for _, set := range []struct {
			what  string
			certs [][]byte
		}{{"root CA", msp.RootCerts}, {"intermediate CA", msp.Intermediates}, {"TLS root CA", msp.TLSRootCerts}, {"admin", msp.Admins}} {
			for _, der := range set.certs {
				sum := sha256.Sum256(der)
				fp := hex.EncodeToString(sum[:])
				m := supervise.Match{Kind: "identity", Chain: b.Chain, Org: msp.ID, Ref: fp, Height: b.Height, Field: "fingerprint", Detail: set.what + " of " + msp.ID}
				if err := add(fp, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
