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
//	t/CHAIN/TXID                transaction (binary, record_tx.go; raw bytes by offset into B/)
//	x/TXID/CHAIN                cross-chain transaction lookup
//	a/CHAIN/ADDR/HEIGHT INDEX ROLE   address history entry -> txid (txIDValue)
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
func txChainKey(id, chain string) []byte       { return key(tagTxChain, []byte(id), []byte(chain)) }
func txChainPrefix(id string) []byte           { return key(tagTxChain, []byte(id), nil) }

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
//	                            GEN big-endian; NS, COLL and KEY each uvarint-length-prefixed
const (
	tagVerdict         = 'V'
	tagAuditCheckpoint = 'K'
	tagKeyPolicy       = 'P'
)

func keyPolicyKey(chain string, gen uint64, ns, coll string, k []byte) []byte {
	id := binary.AppendUvarint(nil, uint64(len(ns)))
	id = append(id, ns...)
	id = binary.AppendUvarint(id, uint64(len(coll)))
	id = append(id, coll...)
	id = binary.AppendUvarint(id, uint64(len(k)))
	id = append(id, k...)
	return key(tagKeyPolicy, []byte(chain), be64(gen), id)
}
func keyPolicyPrefix(chain string) []byte { return key(tagKeyPolicy, []byte(chain), nil) }
func keyPolicyGenPrefix(chain string, gen uint64) []byte {
	return key(tagKeyPolicy, []byte(chain), be64(gen), nil)
}

// The world state the audit replays, at the audit checkpoint:
//
//	S/CHAIN/GEN/NS 0 COLL 0 KEY value and version of one key (JSON); GEN big-endian.
//	                            Namespace and collection names hold no zero byte, so the keys
//	                            of one namespace and collection sort in key order.
const tagAuditState = 'S'

func auditStateKey(chain string, gen uint64, ns, coll string, k []byte) []byte {
	id := make([]byte, 0, len(ns)+len(coll)+len(k)+2)
	id = append(id, ns...)
	id = append(id, 0)
	id = append(id, coll...)
	id = append(id, 0)
	id = append(id, k...)
	return key(tagAuditState, []byte(chain), be64(gen), id)
}
func auditStatePrefix(chain string) []byte { return key(tagAuditState, []byte(chain), nil) }
func auditStateGenPrefix(chain string, gen uint64) []byte {
	return key(tagAuditState, []byte(chain), be64(gen), nil)
}

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
