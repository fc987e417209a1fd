package index

import (
	"encoding/binary"
	"fmt"
	"regexp"
)

// Key layout. Every key starts with a one-byte table tag; chain ids are
// validated so that '/' can separate components; heights are big-endian so
// that byte order is height order.
//
//	c/CHAIN                     chain description (JSON)
//	k/CHAIN                     checkpoint {height, hash}
//	b/CHAIN/HEIGHT              block header and tx ids (JSON)
//	u/CHAIN/HEIGHT              undo list: secondary keys written by the block
//	h/CHAIN/HASH                block height by hash
//	t/CHAIN/TXID                transaction (JSON)
//	x/TXID/CHAIN                cross-chain transaction lookup
//	a/CHAIN/ADDR/HEIGHT INDEX ROLE   address history entry -> txid
//	n/CHAIN/ADDR                contract (JSON)
//	r/CHAIN/ANCESTOR/NANOS      reorg record (JSON)
//	f/ID                        finding (JSON)
//	F/CHAIN/ID                  finding by chain
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
)

var chainIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidChainID reports whether id can name a chain in the index.
func ValidChainID(id string) bool { return chainIDPattern.MatchString(id) }

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
