package fisco

import (
	"crypto/ecdsa"
	"sync"
	"sync/atomic"

	"github.com/emmansun/gmsm/sm2"

	"github.com/lianjian/lianjian/audit/ecfast"
)

// hotUses is how many signatures a key verifies without a table before it
// gets one: a table costs about as much as 70 verifications to build and
// makes each later one several times faster.
const hotUses = 64

// maxKeys bounds the key cache; when full it is emptied.
const maxKeys = 1 << 14

// pubKey is a public key seen on the chain with what speeds up its next
// signatures: for SM2, the parsed point and its Z_A for the default user
// id; once the key is hot, its per-key table.
type pubKey struct {
	pub64 []byte
	sm2   *ecdsa.PublicKey
	za    []byte
	uses  atomic.Int64
	tried atomic.Bool
	table atomic.Pointer[ecfast.Key]
}

// senderKey is the secp256k1 key that signed for a reported from, with the
// address it derives ("0x" + lower-case hex).
type senderKey struct {
	k    *pubKey
	addr string
}

// keyCache holds the keys of one chain and, for hot ones, their
// audit/ecfast tables (verdicts exactly gmsm's SM2 and go-ethereum's
// secp256k1 recovery; ecfast is tested differentially against both), up
// to maxTables of them. Secp256k1 keys are also found by the sender
// address a transaction reports, since their signatures do not carry the
// key. It is safe for concurrent use.
type keyCache struct {
	mu        sync.RWMutex
	sm2Keys   map[string]*pubKey   // by 64-byte public key
	secpKeys  map[string]*pubKey   // by 64-byte public key
	senders   map[string]senderKey // by the from field as reported
	maxTables int64
	tables    atomic.Int64
	tabled    atomic.Int64 // verifications done with a table
}

func newKeyCache(maxTables int) *keyCache {
	c := &keyCache{maxTables: int64(maxTables)}
	c.reset()
	return c
}

// reset empties the maps; the caller holds mu (or owns c).
func (c *keyCache) reset() {
	c.sm2Keys = map[string]*pubKey{}
	c.secpKeys = map[string]*pubKey{}
	c.senders = map[string]senderKey{}
}

// lookup returns the key for pub64 in m, or nil.
func (c *keyCache) lookup(m *map[string]*pubKey, pub64 []byte) *pubKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return (*m)[string(pub64)]
}

// store adds k to m unless a concurrent caller stored the same key first,
// and returns the cached one.
func (c *keyCache) store(m *map[string]*pubKey, k *pubKey) *pubKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sm2Keys)+len(c.secpKeys)+len(c.senders) >= maxKeys {
		c.reset()
	}
	if old := (*m)[string(k.pub64)]; old != nil {
		return old
	}
	(*m)[string(k.pub64)] = k
	return k
}

// sm2Key parses an SM2 key once, with its Z_A.
func (c *keyCache) sm2Key(pub64 []byte) (*pubKey, error) {
	if k := c.lookup(&c.sm2Keys, pub64); k != nil {
		return k, nil
	}
	pub, err := sm2.NewPublicKey(append([]byte{4}, pub64...))
	if err != nil {
		return nil, errBadKey
	}
	za, err := sm2.CalculateZA(pub, sm2UserID)
	if err != nil {
		return nil, errBadKey
	}
	return c.store(&c.sm2Keys, &pubKey{pub64: pub64, sm2: pub, za: za}), nil
}

// secpKey returns the cache entry of a secp256k1 key; the key is checked
// only when its table is built.
func (c *keyCache) secpKey(pub64 []byte) *pubKey {
	if k := c.lookup(&c.secpKeys, pub64); k != nil {
		return k
	}
	return c.store(&c.secpKeys, &pubKey{pub64: pub64})
}

// sender returns the secp256k1 key known to sign for the reported from.
func (c *keyCache) sender(from string) (senderKey, bool) {
	if from == "" {
		return senderKey{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	sk, ok := c.senders[from]
	return sk, ok
}

// noteSender records that pub64, whose address is addr, signed a
// transaction that reported from, with sameAddr(from, addr) already
// checked: later signatures reporting the same from are checked against
// pub64 first.
func (c *keyCache) noteSender(from string, pub64 []byte, addr string) {
	if _, ok := c.sender(from); ok || from == "" {
		return
	}
	k := c.secpKey(pub64)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.senders[from] = senderKey{k: k, addr: addr}
}

// table returns k's table once k is hot and the bound allows; nil means
// verify without one.
func (c *keyCache) table(k *pubKey, s Suite) *ecfast.Key {
	if t := k.table.Load(); t != nil {
		c.tabled.Add(1)
		return t
	}
	if c.maxTables <= 0 || k.uses.Add(1) < hotUses || c.tables.Load() >= c.maxTables || k.tried.Swap(true) {
		return nil
	}
	if c.tables.Add(1) > c.maxTables {
		c.tables.Add(-1)
		k.tried.Store(false)
		return nil
	}
	curve := ecfast.Secp256k1
	if s == SuiteGM {
		curve = ecfast.SM2
	}
	t, err := ecfast.NewKeyFromBytes(curve, append([]byte{4}, k.pub64...))
	if err != nil {
		c.tables.Add(-1)
		return nil
	}
	k.table.Store(t)
	c.tabled.Add(1)
	return t
}
