package index

import (
	"cmp"
	"slices"
	"strings"

	"github.com/lianjian/lianjian/ledger"
)

// The address history of a block (a/CHAIN/ADDR/HEIGHT INDEX/, keys.go):
// from format 6 on, one entry per address a block touches, under the
// position of the first transaction touching it and an empty role,
// listing every transaction of the block that touches the address.
// Before format 6 each transaction had an entry of its own under its
// position and role, holding its id (txIDValue); AddressHistory reads
// both. A Fabric block of 500 transactions from one client through one
// chaincode so writes two keys where it wrote a thousand, each of which
// the LSM tree kept rewriting in its compactions.
//
// Layout (record_codec.go): the version byte addrRecordVersion, the
// number of entries, then each entry in (index, role) order, the order
// of the per-transaction keys: its index less the previous entry's (the
// first's less the key's index), its role as a code of addrRoles or 0
// and the role as a string, and the transaction id (recWriter.hexStr).
const addrRecordVersion = 1

// addrRoles are the codes of the roles historyOf gives, 1 and up. Codes
// are stored: append only.
var addrRoles = []string{"from", "to", "created", roleInvoked, "log", "creator"}

// addrEntry is one transaction of a block's address history record.
type addrEntry struct {
	idx  int
	role string
	id   string
}

// encodeAddrGroup returns the record of es, which must be sorted by
// (index, role) and start at the index of the record's key.
func encodeAddrGroup(es []addrEntry) []byte {
	w := recWriter{b: make([]byte, 0, 8+len(es)*36)}
	w.b = append(w.b, addrRecordVersion)
	w.uint(uint64(len(es)))
	prev := es[0].idx
	for _, e := range es {
		w.uint(uint64(e.idx - prev))
		prev = e.idx
		if c := slices.Index(addrRoles, e.role); c >= 0 {
			w.uint(uint64(c + 1))
		} else {
			w.uint(0)
			w.str(e.role)
		}
		w.hexStr(e.id)
	}
	return w.b
}

// decodeAddrGroup decodes the record v of the address history entry at
// (h, first) of chain, in order.
func decodeAddrGroup(chain string, h uint64, first int, v []byte) ([]ledger.HistoryEntry, error) {
	r := recReader{b: v, what: "address history record"}
	r.version(addrRecordVersion)
	n := r.uint()
	if r.err == nil && (n == 0 || n > uint64(len(r.b))) {
		r.fail("%d entries in %d bytes", n, len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	out := make([]ledger.HistoryEntry, 0, n)
	idx := uint64(first)
	for i := range n {
		d := r.uint()
		if i == 0 && d != 0 {
			r.fail("first entry at %d past the key's index %d", idx+d, first)
		}
		if idx += d; idx > 1<<31-1 {
			r.fail("transaction index %d out of range", idx)
		}
		role := ""
		switch c := r.uint(); {
		case c == 0:
			if role = r.str(); r.err == nil && (role == "" || slices.Contains(addrRoles, role)) {
				r.fail("role %q written as a string", role)
			}
		case c <= uint64(len(addrRoles)):
			role = addrRoles[c-1]
		default:
			r.fail("role code %d", c)
		}
		id := r.hexStr()
		if r.err == nil && strings.ContainsFunc(id, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			// As parseTxIDValue refuses in an entry of one transaction.
			r.fail("transaction id %q", id)
		}
		if r.err != nil {
			return nil, r.err
		}
		e := ledger.HistoryEntry{Chain: chain, Height: h, Index: int(idx), TxID: id, Role: role}
		if k := len(out); k > 0 && cmp.Or(cmp.Compare(out[k-1].Index, e.Index), cmp.Compare(out[k-1].Role, e.Role)) >= 0 {
			r.fail("entry %d (%d %s) not after (%d %s)", i, e.Index, e.Role, out[k-1].Index, out[k-1].Role)
			return nil, r.err
		}
		out = append(out, e)
	}
	return out, r.end()
}
