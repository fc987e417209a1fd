package index

import "bytes"

// Partitions. A store distributed by chain (ledger/storage/pgkv) asks
// the key schema which chain each key belongs to: every table above
// whose keys start with TAG/CHAIN belongs to that chain, and so do the
// cross-chain transaction lookup x/TXID/CHAIN and the search terms
// s/TERMHASH/CHAIN/..., which a block's commit writes with its other
// keys; so a block's commit writes one chain's partition only (and the
// findings it raises, f/ID, in the partition of no chain). Every other
// table (findings, their workflow, tokens, the audit log, deliveries,
// nodes, probes, risk points, the write journal) belongs to no chain:
// partition "".

// chainTags are the tags of the tables keyed TAG/CHAIN or TAG/CHAIN/....
var chainTags = func() (t [256]bool) {
	for _, c := range []byte{
		tagChain, tagCheckpoint, tagBlock, tagUndo, tagHash, tagTx, tagAddr, tagContract, tagReorg,
		tagFindChain, tagFabricConfig, tagFabricIdentity, tagFabricIDDelta, tagChaincodeDef,
		tagVerdict, tagAuditCheckpoint, tagKeyPolicy, tagAuditState, tagContractScan,
		tagContractScanStep, tagGovernance, tagRawBlock, tagStateVersion, tagKeyPolicyVersion, tagAuditHistory,
	} {
		t[c] = true
	}
	return t
}()

// searchChainAt is where the chain starts in a search key: the tag, '/',
// the 16-byte term hash, '/'.
const searchChainAt = 2 + 16 + 1

// KeyPartition returns the chain the index key k belongs to, or "" for
// a key of no chain.
func KeyPartition(k []byte) string {
	if len(k) < 3 || k[1] != '/' {
		return ""
	}
	switch {
	case chainTags[k[0]]:
		return chainOf(component(k[2:]))
	case k[0] == tagTxChain:
		return chainOf(k[bytes.LastIndexByte(k, '/')+1:])
	case k[0] == tagSearch && len(k) > searchChainAt && k[searchChainAt-1] == '/':
		return chainOf(component(k[searchChainAt:]))
	}
	return ""
}

// PrefixPartition returns the partition of every index key starting with
// prefix, and false when keys of several chains start with it (the
// chains, a transaction id's lookups or a term's matches across chains,
// or a chain table's prefix that ends before the chain id does).
func PrefixPartition(prefix []byte) (string, bool) {
	if len(prefix) < 2 || prefix[1] != '/' {
		return "", false
	}
	at := 2
	switch {
	case chainTags[prefix[0]]:
	case prefix[0] == tagSearch:
		if len(prefix) <= searchChainAt || prefix[searchChainAt-1] != '/' {
			return "", false
		}
		at = searchChainAt
	case prefix[0] == tagTxChain:
		return "", false
	default:
		return "", true
	}
	rest := prefix[at:]
	i := bytes.IndexByte(rest, '/')
	if i < 0 {
		return "", false
	}
	c := chainOf(rest[:i])
	return c, c != ""
}

// component returns b up to its first '/'.
func component(b []byte) []byte {
	if i := bytes.IndexByte(b, '/'); i >= 0 {
		return b[:i]
	}
	return b
}

// chainOf returns b as a chain id, or "" when it is not a valid one.
func chainOf(b []byte) string {
	if len(b) == 0 || len(b) > 63 {
		return ""
	}
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return ""
		}
	}
	return string(b)
}
