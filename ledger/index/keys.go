package index

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
)

// Key layout. Every key starts with a one-byte table tag; chain ids are
// validated so that '/' can separate components; heights are big-endian so
// that byte order is height order.
//
//	c/CHAIN                     chain description (JSON)
//	k/CHAIN                     checkpoint {height, hash}
//	b/CHAIN/HEIGHT              block header and tx ids (binary, record_block.go)
//	B/CHAIN/HEIGHT              the raw block as the chain sent it, stored once
//	u/CHAIN/HEIGHT              undo list: secondary keys written by the block (binary, record_undo.go)
//	h/CHAIN/HASH                block height by hash
//	t/CHAIN/TXID                transaction (binary, record_tx.go; raw bytes by offset into B/; in the blob segments, db.go routedToBlobs)
//	x/TXID/CHAIN                cross-chain transaction lookup of formats before 5, deleted on the restamp (format.go)
//	a/CHAIN/ADDR/HEIGHT INDEX/       address history of one block (record_addr.go), from format 6
//	a/CHAIN/ADDR/HEIGHT INDEX ROLE   address history entry of one transaction -> txid (txIDValue), before format 6
//	n/CHAIN/ADDR                contract (JSON)
//	r/CHAIN/ANCESTOR/NANOS      reorg record (JSON)
//	f/ID                        finding (JSON)
//	F/CHAIN/ID                  finding by chain
//	m/format                    record format of the index (one byte, format.go)
const (
	tagChain      = 'c'
	tagCheckpoint = 'k'
	tagBlock      = 'b'
	tagUndo       = 'u'
	tagHash       = 'h'
	tagTx         = 't'
	tagTxChain    = 'x'
	tagAddr       = 'a'
	tagContract   = 'n'
	tagReorg      = 'r'
	tagFinding    = 'f'
	tagFindChain  = 'F'
	tagRawBlock   = 'B'
	tagMeta       = 'm'
)

func key(tag byte, parts ...[]byte) []byte {
	n := 1
	for _, p := range parts {
		n += 1 + len(p)
	}
	k := make([]byte, 0, n)
	k = append(k, tag)
	for _, p := range parts {
		k = append(k, '/')
		k = append(k, p...)
	}
	return k
}

func be64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func chainKey(chain string) []byte      { return key(tagChain, []byte(chain)) }
func checkpointKey(chain string) []byte { return key(tagCheckpoint, []byte(chain)) }
func blockKey(chain string, h uint64) []byte {
	return key(tagBlock, []byte(chain), be64(h))
}
func blockPrefix(chain string) []byte { return key(tagBlock, []byte(chain), nil) }
func rawBlockKey(chain string, h uint64) []byte {
	return key(tagRawBlock, []byte(chain), be64(h))
}
func formatKey() []byte { return key(tagMeta, []byte("format")) }
func undoKey(chain string, h uint64) []byte {
	return key(tagUndo, []byte(chain), be64(h))
}
func hashKey(chain string, hash []byte) []byte { return key(tagHash, []byte(chain), hash) }
func txKey(chain, id string) []byte            { return key(tagTx, []byte(chain), []byte(id)) }

// The keys of x/, which indexes before format 5 hold (their partition
// is the chain's, partition.go).
func txChainKey(id, chain string) []byte { return key(tagTxChain, []byte(id), []byte(chain)) }
func txChainPrefix(id string) []byte     { return key(tagTxChain, []byte(id), nil) }

func addrKey(chain, addr string, h uint64, idx int, role string) []byte {
	pos := make([]byte, 12)
	binary.BigEndian.PutUint64(pos, h)
	binary.BigEndian.PutUint32(pos[8:], uint32(idx))
	return key(tagAddr, []byte(chain), []byte(addr), pos, []byte(role))
}
func addrPrefix(chain, addr string) []byte {
	return key(tagAddr, []byte(chain), []byte(addr), nil)
}

// txIDValue is the value of an address history entry: the transaction's
// id as text or, when it is 64 lower-case hex digits (Fabric, FISCO
// BCOS), a zero byte and the 32 bytes they spell. A text id never starts
// with a zero byte (parseTxIDValue).
func txIDValue(id string) []byte {
	if len(id) == 64 && isLowerHex(id) {
		v, _ := hex.AppendDecode([]byte{0}, []byte(id)) // id is hex
		return v
	}
	return []byte(id)
}

// parseTxIDValue returns the transaction id an address history value
// holds.
func parseTxIDValue(v []byte) (string, error) {
	switch {
	case len(v) > 0 && v[0] == 0:
		if len(v) != 33 {
			return "", fmt.Errorf("want a 32-byte transaction id, have %d bytes", len(v)-1)
		}
		return hex.EncodeToString(v[1:]), nil
	case bytes.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", fmt.Errorf("want a transaction id, have %q", v)
	}
	return string(v), nil
}

// parseAddrKey splits the position and role off an address history key.
func parseAddrKey(k []byte, prefixLen int) (h uint64, idx int, role string, err error) {
	rest := k[prefixLen:]
	if len(rest) < 13 || rest[12] != '/' {
		return 0, 0, "", fmt.Errorf("corrupt address history key %q", k)
	}
	return binary.BigEndian.Uint64(rest), int(binary.BigEndian.Uint32(rest[8:])), string(rest[13:]), nil
}

func contractKey(chain, addr string) []byte { return key(tagContract, []byte(chain), []byte(addr)) }
func contractPrefix(chain string) []byte    { return key(tagContract, []byte(chain), nil) }
func reorgKey(chain string, ancestor uint64, nanos int64) []byte {
	return key(tagReorg, []byte(chain), be64(ancestor), be64(uint64(nanos)))
}
func reorgPrefix(chain string) []byte         { return key(tagReorg, []byte(chain), nil) }
func findingKey(id string) []byte             { return key(tagFinding, []byte(id)) }
func findingChainKey(chain, id string) []byte { return key(tagFindChain, []byte(chain), []byte(id)) }
func findingChainPrefix(chain string) []byte {
	return key(tagFindChain, []byte(chain), nil)
}

// Fabric tables (ledger/index/fabric.go). Appended; keep new tags unique.
//
//	g/CHAIN/HEIGHT              channel config carried by the block at HEIGHT (JSON)
//	i/CHAIN/FINGERPRINT         identity with its signature counts (JSON)
//	j/CHAIN/HEIGHT              identity count deltas of one block, for rollback (JSON)
//	d/CHAIN/NAME/SEQ/HEIGHT     chaincode definition (JSON), one per _lifecycle commit
const (
	tagFabricConfig   = 'g'
	tagFabricIdentity = 'i'
	tagFabricIDDelta  = 'j'
	tagChaincodeDef   = 'd'
)

func fabricConfigKey(chain string, h uint64) []byte {
	return key(tagFabricConfig, []byte(chain), be64(h))
}
func fabricConfigPrefix(chain string) []byte { return key(tagFabricConfig, []byte(chain), nil) }
func fabricIdentityKey(chain, fp string) []byte {
	return key(tagFabricIdentity, []byte(chain), []byte(fp))
}
func fabricIdentityPrefix(chain string) []byte { return key(tagFabricIdentity, []byte(chain), nil) }
func fabricIDDeltaKey(chain string, h uint64) []byte {
	return key(tagFabricIDDelta, []byte(chain), be64(h))
}
func chaincodeDefKey(chain, name string, seq, h uint64) []byte {
	return key(tagChaincodeDef, []byte(chain), []byte(name), be64(seq), be64(h))
}
func chaincodeDefPrefix(chain, name string) []byte {
	return key(tagChaincodeDef, []byte(chain), []byte(name), nil)
}

// --- supervision records (api, issue 8) ---
//
//	T/TOKENID                   API token (JSON, secret hashed)
//	w/FINDINGID/SEQ             finding workflow history entry (JSON, append-only)
//	W/FINDINGID                 finding workflow state (JSON)
//	L/SEQ                       audit log entry (JSON, SM3 hash-chained)
//	M/SEQ                       audit log checkpoint: signed head (JSON, append-only)
//	s/TERMHASH/CHAIN/KIND/REF   search term -> match (JSON)
//	D/NANOS/ID                  alert delivery record (JSON)
const (
	tagToken    = 'T'
	tagChange   = 'w'
	tagState    = 'W'
	tagAuditLog = 'L'
	tagSearch   = 's'
	tagDelivery = 'D'
)

// tagAuditHead keys audit log checkpoints (ledger/index/auditlog.go, issue 15).
const tagAuditHead = 'M'

func tokenKey(id string) []byte { return key(tagToken, []byte(id)) }
func changeKey(finding string, seq int) []byte {
	return key(tagChange, []byte(finding), be64(uint64(seq)))
}
func changePrefix(finding string) []byte { return key(tagChange, []byte(finding), nil) }
func stateKey(finding string) []byte     { return key(tagState, []byte(finding)) }
func auditKey(seq uint64) []byte         { return key(tagAuditLog, be64(seq)) }
func auditHeadKey(seq uint64) []byte     { return key(tagAuditHead, be64(seq)) }
func deliveryKey(nanos int64, id string) []byte {
	return key(tagDelivery, be64(uint64(nanos)), []byte(id))
}

// --- end supervision records ---

// --- node supervision records (ledger/index/nodes.go, issue 6) ---
//
// A node is identified by its org and its id (issue 15): two orgs may
// each register "peer0".
//
//	N/ORG/NODEID                current node revision (JSON)
//	v/ORG/NODEID/REV            every node revision, append-only (JSON)
//	p/ORG/NODEID/NANOS          probe run with its evidence (JSON)
//	R/SUBJECT/NANOS             risk score point of a node (node/ORG/ID), org or chain (JSON)
//
// Indexes written before issue 15 keyed nodes by id alone (N/NODEID,
// v/NODEID/REV, p/NODEID/NANOS, R/node/NODEID/NANOS). A writable Open
// moves them to the keys above (migrateNodeKeys); read-only handles read
// the old form as well. Neither ids nor org names hold '/', so the two
// forms differ in the number of components.
const (
	tagNode    = 'N'
	tagNodeRev = 'v'
	tagProbe   = 'p'
	tagRisk    = 'R'
)

var (
	nodeIDPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	nodeOrgPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// validNodeID reports whether id can name a node in the index.
func validNodeID(id string) bool { return nodeIDPattern.MatchString(id) }

// validNodeOrg reports whether org can name a node's org in the index.
func validNodeOrg(org string) bool { return nodeOrgPattern.MatchString(org) }

func nodeKey(org, id string) []byte { return key(tagNode, []byte(org), []byte(id)) }
func nodeRevKey(org, id string, rev uint64) []byte {
	return key(tagNodeRev, []byte(org), []byte(id), be64(rev))
}
func nodeRevPrefix(org, id string) []byte { return key(tagNodeRev, []byte(org), []byte(id), nil) }
func probeKey(org, node string, nanos int64) []byte {
	return key(tagProbe, []byte(org), []byte(node), be64(uint64(nanos)))
}
func probePrefix(org, node string) []byte { return key(tagProbe, []byte(org), []byte(node), nil) }
func riskKey(subject string, nanos int64) []byte {
	return key(tagRisk, []byte(subject), be64(uint64(nanos)))
}
func riskPrefix(subject string) []byte { return key(tagRisk, []byte(subject), nil) }

// The keys of indexes written before issue 15. Under a legacy prefix
// (which ends in '/') only keys exactly 8 bytes longer are legacy
// records; longer ones belong to an org named like the legacy id.
func legacyNodeKey(id string) []byte        { return key(tagNode, []byte(id)) }
func legacyNodeRevPrefix(id string) []byte  { return key(tagNodeRev, []byte(id), nil) }
func legacyProbePrefix(id string) []byte    { return key(tagProbe, []byte(id), nil) }
func legacyNodeRiskPrefix(id string) []byte { return key(tagRisk, []byte("node/"+id), nil) }
func isLegacyUnder(prefix, k []byte) bool   { return len(k) == len(prefix)+8 }

// --- end node supervision records ---

// --- audit records (ledger/index/audit.go, issue 5) ---
//
//	V/CHAIN/HEIGHT              audit verdict of a block and its transactions (JSON)
//	K/CHAIN                     audit checkpoint: last height audited (JSON)
//	P/CHAIN/GEN/NS COLL KEY     key-level endorsement policy in force at the audit checkpoint (JSON);
//	                            GEN big-endian; NS, COLL and KEY each uvarint-length-prefixed.
//	                            Replaced by Y/ (below); a checkpoint store deletes what is left.
const (
	tagVerdict         = 'V'
	tagAuditCheckpoint = 'K'
	tagKeyPolicy       = 'P'
)

func keyPolicyPrefix(chain string) []byte { return key(tagKeyPolicy, []byte(chain), nil) }

// The world state the audit replays, at the audit checkpoint:
//
//	S/CHAIN/GEN/NS 0 COLL 0 KEY value and version of one key (JSON); GEN big-endian.
//	                            Replaced by E/ (below); a checkpoint store deletes what is left.
const tagAuditState = 'S'

func auditStatePrefix(chain string) []byte { return key(tagAuditState, []byte(chain), nil) }

// The world state and key-level policies the audit replays, kept by
// height (issue 14), and the checkpoints they were saved with:
//
//	E/CHAIN/GEN/ID be64(^H)     a version of one world-state key, saved with the audit checkpoint at
//	                            height H (JSON, stateVersion: value and version, a delete or a doubt)
//	Y/CHAIN/GEN/ID be64(^H)     a version of one key-level endorsement policy (JSON record.KeyPolicy;
//	                            a nil policy removes it)
//	H/CHAIN/HEIGHT              the audit checkpoint saved at HEIGHT, for re-audits below the current one (JSON)
//
// ID is ESC(NS) ESC(COLL) ESC(KEY), where ESC escapes each zero byte as
// 0x00 0xff and ends with 0x00 0x01: byte order is (NS, COLL, KEY)
// order, so the keys of one namespace and collection sort in key order,
// and the versions of one key are contiguous, newest first (^H is the
// complement of H). GEN and HEIGHT are big-endian. The tables replace
// S/ and P/, which held the state at the checkpoint only.
const (
	tagStateVersion     = 'E'
	tagKeyPolicyVersion = 'Y'
	tagAuditHistory     = 'H'
)

// appendEsc appends the order-preserving escape of b and its terminator.
func appendEsc(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			break
		}
		dst = append(dst, b[:i+1]...)
		dst = append(dst, 0xff)
		b = b[i+1:]
	}
	dst = append(dst, b...)
	return append(dst, 0, 1)
}

// escPrefix appends the escape of b without its terminator: every key
// that is b or sorts after it escapes to bytes at or after it.
func escPrefix(dst, b []byte) []byte {
	e := appendEsc(dst, b)
	return e[:len(e)-2]
}

// cutEsc splits the escaped component off the front of b.
func cutEsc(b []byte) (v, rest []byte, ok bool) {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 || i+1 == len(b) {
			return nil, nil, false
		}
		switch b[i+1] {
		case 1:
			if v == nil {
				return b[:i:i], b[i+2:], true // nothing escaped: no copy
			}
			return append(v, b[:i]...), b[i+2:], true
		case 0xff:
			v = append(v, b[:i+1]...)
			b = b[i+2:]
		default:
			return nil, nil, false
		}
	}
}

// versionID is the ID of a key of the replayed state.
func versionID(ns, coll string, k []byte) []byte {
	id := make([]byte, 0, len(ns)+len(coll)+len(k)+14)
	id = appendEsc(id, []byte(ns))
	id = appendEsc(id, []byte(coll))
	return appendEsc(id, k)
}

// versionKey is the key of the version saved at height h of id, under a
// generation's prefix.
func versionKey(prefix, id []byte, h uint64) []byte {
	k := make([]byte, 0, len(prefix)+len(id)+8)
	k = append(k, prefix...)
	k = append(k, id...)
	return append(k, be64(^h)...)
}

func stateVersionPrefix(chain string) []byte { return key(tagStateVersion, []byte(chain), nil) }
func stateVersionGenPrefix(chain string, gen uint64) []byte {
	return key(tagStateVersion, []byte(chain), be64(gen), nil)
}
func keyPolicyVersionPrefix(chain string) []byte { return key(tagKeyPolicyVersion, []byte(chain), nil) }
func keyPolicyVersionGenPrefix(chain string, gen uint64) []byte {
	return key(tagKeyPolicyVersion, []byte(chain), be64(gen), nil)
}
func auditHistoryKey(chain string, h uint64) []byte {
	return key(tagAuditHistory, []byte(chain), be64(h))
}
func auditHistoryPrefix(chain string) []byte { return key(tagAuditHistory, []byte(chain), nil) }

func verdictKey(chain string, h uint64) []byte {
	return key(tagVerdict, []byte(chain), be64(h))
}
func auditCheckpointKey(chain string) []byte { return key(tagAuditCheckpoint, []byte(chain)) }

// --- end audit records ---

// --- contract scan records (ledger/index/contracts_scan.go, issue 7) ---
//
//	q/CHAIN/REF/SEQ             contract scan: an EVM contract (SEQ 0) or a chaincode definition (JSON)
//	Q/CHAIN                     contract scan watcher checkpoint {height, hash}
const (
	tagContractScan     = 'q'
	tagContractScanStep = 'Q'
)

func contractScanKey(chain, ref string, seq uint64) []byte {
	return key(tagContractScan, []byte(chain), []byte(ref), be64(seq))
}
func contractScanPrefix(chain string) []byte { return key(tagContractScan, []byte(chain), nil) }
func contractScanRefPrefix(chain, ref string) []byte {
	return key(tagContractScan, []byte(chain), []byte(ref), nil)
}
func contractScanCheckpointKey(chain string) []byte { return key(tagContractScanStep, []byte(chain)) }

// --- end contract scan records ---

// --- FISCO BCOS records (ledger/index/fisco.go) ---
//
//	G/CHAIN/HEIGHT INDEX        governance call made by the tx at HEIGHT (be64), INDEX (be32) (JSON)
const tagGovernance = 'G'

func governanceKey(chain string, h uint64, idx int) []byte {
	pos := make([]byte, 12)
	binary.BigEndian.PutUint64(pos, h)
	binary.BigEndian.PutUint32(pos[8:], uint32(idx))
	return key(tagGovernance, []byte(chain), pos)
}
func governancePrefix(chain string) []byte { return key(tagGovernance, []byte(chain), nil) }

// --- end FISCO BCOS records ---

// --- write journal (ledger/index/spill.go) ---
//
//	J/OP/PIECE                  before-images of the keys a spilled write first changed in
//	                            that piece (binary, journalVersion); OP be64, PIECE be32
const tagJournal = 'J'

func journalKey(op uint64, piece uint32) []byte {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:], op)
	binary.BigEndian.PutUint32(b[8:], piece)
	return key(tagJournal, b[:])
}
func journalOpPrefix(op uint64) []byte { return key(tagJournal, be64(op)) }
func journalPrefix() []byte            { return key(tagJournal, nil) }

// --- end write journal ---
