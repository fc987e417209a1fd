package fabric

import (
	"fmt"

	"github.com/lianjian/lianjian/ledger"
)

// rwsets decodes the marshalled rwset.TxReadWriteSet of a chaincode
// action.
func rwsets(raw []byte) ([]ledger.NsRWSet, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var nss []nsMsg
	if err := parseTxRWSet(raw, &nss); err != nil {
		return nil, malformed("read/write set", err)
	}
	out := make([]ledger.NsRWSet, 0, len(nss))
	for _, ns := range nss {
		n, err := nsRWSet(ns)
		if err != nil {
			return nil, fmt.Errorf("namespace %q: %w", ns.namespace, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// nsRWSet decodes the public and hashed private read/write sets of one
// namespace.
func nsRWSet(ns nsMsg) (ledger.NsRWSet, error) {
	n := ledger.NsRWSet{Namespace: string(ns.namespace)}
	if err := parseKVRWSet(ns.rwset, &n); err != nil {
		return ledger.NsRWSet{Namespace: n.Namespace}, malformed("kv rwset", err)
	}
	for _, c := range ns.collections {
		coll := ledger.CollHashedRW{Collection: string(c.name), PvtRWHash: c.pvtHash}
		if err := parseHashedRWSet(c.hashed, &coll); err != nil {
			return n, malformed(fmt.Sprintf("collection %q: hashed rwset", coll.Collection), err)
		}
		n.Collections = append(n.Collections, coll)
	}
	return n, nil
}
